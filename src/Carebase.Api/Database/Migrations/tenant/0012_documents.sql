-- Medical documents of a patient (lab reports, imaging, referrals, consents…): the metadata here, the bytes in the
-- configured store (document_contents below by default, or a folder on disk), named by storage + storage_key.
CREATE TABLE documents (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    visit_id uuid,
    title text NOT NULL CONSTRAINT documents_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    category text NOT NULL CONSTRAINT documents_category_check
        CHECK (category IN ('LAB_REPORT','IMAGING','REFERRAL','DISCHARGE_SUMMARY','CONSENT','PRESCRIPTION','OTHER')),
    notes text CONSTRAINT documents_notes_check CHECK (length(notes) <= 2000),
    file_name text NOT NULL CONSTRAINT documents_file_name_check CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type text NOT NULL,
    size_bytes bigint NOT NULL CONSTRAINT documents_size_check CHECK (size_bytes > 0),
    sha256 text NOT NULL CONSTRAINT documents_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    storage text NOT NULL CONSTRAINT documents_storage_check CHECK (storage IN ('POSTGRES','DISK')),
    storage_key text NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    deleted_at timestamptz,
    deleted_by uuid,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX documents_patient_idx ON documents (patient_id, created_at DESC);
CREATE INDEX documents_visit_idx ON documents (visit_id) WHERE visit_id IS NOT NULL;

-- The bytes of the PostgreSQL store, in chunks: an upload is written and a download read one chunk at a time, so a
-- large file never sits whole in the service's memory (nor in one huge bytea value). The formats are compressed
-- already: no TOAST compression (EXTERNAL), out-of-line storage only.
CREATE TABLE document_contents (
    content_id uuid NOT NULL,
    chunk integer NOT NULL CONSTRAINT document_contents_chunk_check CHECK (chunk >= 0),
    data bytea NOT NULL,
    CONSTRAINT document_contents_pkey PRIMARY KEY (content_id, chunk)
);
ALTER TABLE document_contents ALTER COLUMN data SET STORAGE EXTERNAL;
