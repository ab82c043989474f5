-- Read-only links to a patient's summary, and the accounting of disclosures.

-- A link is opened by a token '<tenant slug>.<secret>' (the slug names the schema; the secret is 256 random bits). Only
-- the SHA-256 of the whole token is kept, so a copy of the database opens nothing. An optional 6-digit access code is
-- kept as a salted PBKDF2 hash; each attempt is claimed (failed_attempts + 1) before the code is checked, so parallel
-- guesses get no more than five tries between them, and the fifth wrong one locks the link for good.
CREATE TABLE share_links (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    token_hash bytea NOT NULL CONSTRAINT share_links_token_hash_key UNIQUE,
    purpose text NOT NULL CONSTRAINT share_links_purpose_check CHECK (length(btrim(purpose)) BETWEEN 1 AND 500),
    recipient text CONSTRAINT share_links_recipient_check CHECK (length(btrim(recipient)) BETWEEN 1 AND 200),
    access_code_hash text,
    created_at timestamptz NOT NULL,
    created_by uuid,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_by uuid,
    failed_attempts integer NOT NULL DEFAULT 0 CONSTRAINT share_links_failed_attempts_check CHECK (failed_attempts BETWEEN 0 AND 5),
    locked_at timestamptz,
    open_count integer NOT NULL DEFAULT 0 CONSTRAINT share_links_open_count_check CHECK (open_count >= 0),
    last_opened_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT share_links_expiry_check CHECK (expires_at > created_at AND expires_at <= created_at + interval '168 hours'),
    CONSTRAINT share_links_code_attempts_check CHECK (access_code_hash IS NOT NULL OR failed_attempts = 0),
    CONSTRAINT share_links_revoked_check CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX share_links_patient_idx ON share_links (patient_id, created_at DESC, id DESC);

-- Every release of a patient's data outside the hospital's own care: a link opened, a full-record export, and later an
-- access through a share or a FHIR read by an integration client. Append-only like the audit trail: the database
-- refuses UPDATE, DELETE and TRUNCATE. The one UPDATE it lets through is a patient merge moving the rows of the
-- duplicate to the survivor (patient_id only, announced by the merge's transaction in carebase.patient_merge).
CREATE TABLE disclosures (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    occurred_at timestamptz NOT NULL,
    kind text NOT NULL CONSTRAINT disclosures_kind_check CHECK (kind IN ('LINK_OPENED','RECORD_EXPORTED','SHARE_ACCESSED','FHIR_READ')),
    recipient text NOT NULL CONSTRAINT disclosures_recipient_check CHECK (length(btrim(recipient)) BETWEEN 1 AND 200),
    purpose text NOT NULL CONSTRAINT disclosures_purpose_check CHECK (length(btrim(purpose)) BETWEEN 1 AND 500),
    description text NOT NULL CONSTRAINT disclosures_description_check CHECK (length(btrim(description)) BETWEEN 1 AND 1000),
    disclosed_by uuid,
    disclosed_by_email text,
    source_type text,
    source_id uuid,
    ip text,
    user_agent text,
    CONSTRAINT disclosures_source_check CHECK ((source_type IS NULL) = (source_id IS NULL))
);
CREATE INDEX disclosures_patient_idx ON disclosures (patient_id, occurred_at DESC, id DESC);

CREATE FUNCTION disclosures_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('carebase.patient_merge', true) = OLD.patient_id::text || '>' || NEW.patient_id::text
        AND (to_jsonb(NEW) - 'patient_id') = (to_jsonb(OLD) - 'patient_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'disclosures are append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER disclosures_append_only BEFORE UPDATE OR DELETE ON disclosures FOR EACH ROW EXECUTE FUNCTION disclosures_append_only();
CREATE TRIGGER disclosures_no_truncate BEFORE TRUNCATE ON disclosures FOR EACH STATEMENT EXECUTE FUNCTION disclosures_append_only();
