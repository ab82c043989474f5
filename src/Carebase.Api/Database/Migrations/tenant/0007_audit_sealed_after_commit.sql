-- The tenant trail is sealed after commit, like the platform's (see platform/0005): entries are
-- inserted pending without taking the trail's lock, and platform.audit_seal() chains them.
DROP TRIGGER audit_log_chain ON audit_log;
DROP TRIGGER audit_log_no_change ON audit_log;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ALTER COLUMN seq DROP NOT NULL, ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL,
    ADD CONSTRAINT audit_log_sealed CHECK ((seq IS NULL) = (hash IS NULL) AND (seq IS NULL) = (prev_hash IS NULL));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_id_key, ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX audit_log_seq_key ON audit_log (seq) WHERE seq IS NOT NULL;
CREATE INDEX audit_log_pending_idx ON audit_log (occurred_at) WHERE seq IS NULL;
CREATE TRIGGER audit_log_pending BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION platform.audit_pending();
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION platform.audit_guard();
