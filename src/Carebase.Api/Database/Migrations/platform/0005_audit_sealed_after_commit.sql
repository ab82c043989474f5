-- Audit trails are chained after the business transaction commits, not while it runs.
--
-- Before: the INSERT trigger took the trail's advisory lock and read the last row, so every audited
-- transaction held its tenant's chain lock until it committed, and reads queued behind writes.
-- Now an entry saved with a change is inserted "pending" (seq, prev_hash and hash NULL: no lock, no
-- read), and platform.audit_seal() gives pending entries their place in the chain in a short
-- transaction of its own: it takes the trail's lock, then seals the committed pending rows. The service seals right after each such commit, and listing or verifying a
-- trail seals first, so an entry is chained before anyone can look for it. Entries written on their own
-- (reads, sign-ins), whose insert is the last statement of an asynchronous-commit transaction, are still
-- chained as they are inserted: that lock is held for microseconds.
--
-- Still append-only: DELETE and TRUNCATE are refused; UPDATE is refused except the one that seals a
-- pending row, which may not change anything else, and whose position and hashes the guard trigger
-- itself computes under the lock (whatever the UPDATE said). Verification is unchanged: recompute
-- every sealed row's hash, compare each link with its predecessor, and refuse gaps in seq.

-- The next place in a trail's chain, under the trail's lock (transaction-scoped, so held until commit).
CREATE FUNCTION platform.audit_next(trail_schema text, trail_table text, OUT seq bigint, OUT prev_hash bytea) LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(trail_schema || '.' || trail_table));
    -- A query after the lock: its snapshot sees every link committed before ours.
    EXECUTE format('SELECT seq, hash FROM %I.%I WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1', trail_schema, trail_table)
        INTO last_seq, last_hash;
    seq := coalesce(last_seq, 0) + 1;
    prev_hash := coalesce(last_hash, '\x'::bytea);
END $$;

-- An entry arrives pending, unless its transaction says it ends right after this insert
-- (SET LOCAL carebase.audit_chain_now = on, with an asynchronous commit: reads and sign-ins): then it is
-- chained at once, as before, and the lock it takes is held for microseconds.
CREATE FUNCTION platform.audit_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('carebase.audit_chain_now', true) = 'on' THEN
        SELECT n.seq, n.prev_hash INTO NEW.seq, NEW.prev_hash FROM platform.audit_next(TG_TABLE_SCHEMA, TG_TABLE_NAME) n;
        NEW.hash := platform.audit_hash(NEW.prev_hash, NEW.seq, NEW.occurred_at, NEW.tenant_id, NEW.user_id,
            NEW.user_email, NEW.roles, NEW.action, NEW.resource_type, NEW.resource_id, NEW.changes,
            NEW.outcome, NEW.ip, NEW.user_agent, NEW.request_id);
        RETURN NEW;
    END IF;
    NEW.seq := NULL;
    NEW.prev_hash := NULL;
    NEW.hash := NULL;
    RETURN NEW;
END $$;

CREATE FUNCTION platform.audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL
       AND to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash' = to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash' THEN
        -- Sealing: the place and hashes are decided here, under the lock, whatever the UPDATE said.
        SELECT n.seq, n.prev_hash INTO NEW.seq, NEW.prev_hash FROM platform.audit_next(TG_TABLE_SCHEMA, TG_TABLE_NAME) n;
        NEW.hash := platform.audit_hash(NEW.prev_hash, NEW.seq, NEW.occurred_at, NEW.tenant_id, NEW.user_id,
            NEW.user_email, NEW.roles, NEW.action, NEW.resource_type, NEW.resource_id, NEW.changes,
            NEW.outcome, NEW.ip, NEW.user_agent, NEW.request_id);
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: % is not allowed on %.%', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- Seals the committed pending entries of one trail ('platform' or a tenant schema); returns how many.
-- Run it in a short transaction of its own: the lock is held to its end.
CREATE FUNCTION platform.audit_seal(trail_schema text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    sealed integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(trail_schema || '.audit_log'));
    -- A statement after the lock: its snapshot sees every seal committed before ours. The guard trigger
    -- numbers and hashes each row in the order the UPDATE visits them; the UPDATE itself changes nothing.
    EXECUTE format('UPDATE %I.audit_log SET seq = NULL WHERE seq IS NULL', trail_schema);
    GET DIAGNOSTICS sealed = ROW_COUNT;
    RETURN sealed;
END $$;

-- The platform trail takes the new shape (each tenant trail does the same in tenant/0007).
DROP TRIGGER audit_log_chain ON platform.audit_log;
DROP TRIGGER audit_log_no_change ON platform.audit_log;
ALTER TABLE platform.audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE platform.audit_log ALTER COLUMN seq DROP NOT NULL, ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL,
    ADD CONSTRAINT audit_log_sealed CHECK ((seq IS NULL) = (hash IS NULL) AND (seq IS NULL) = (prev_hash IS NULL));
ALTER TABLE platform.audit_log DROP CONSTRAINT audit_log_id_key, ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);
-- Sealed rows only: finding the chain's last link never walks past pending rows.
CREATE UNIQUE INDEX audit_log_seq_key ON platform.audit_log (seq) WHERE seq IS NOT NULL;
CREATE INDEX audit_log_pending_idx ON platform.audit_log (occurred_at) WHERE seq IS NULL;
CREATE TRIGGER audit_log_pending BEFORE INSERT ON platform.audit_log FOR EACH ROW EXECUTE FUNCTION platform.audit_pending();
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON platform.audit_log FOR EACH ROW EXECUTE FUNCTION platform.audit_guard();
