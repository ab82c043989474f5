-- The complete medical history of a patient: allergies (with the "no known allergies" statement), conditions,
-- medications, immunizations, procedures and clinical notes. Every item keeps who recorded and changed it and when,
-- a version (ETag), and is soft-deleted (deleted_at/deleted_by), so nothing recorded about a patient disappears.
-- Rows refer to patients(id): a patient merge moves them with the rest.

CREATE TABLE allergies (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    substance text NOT NULL CONSTRAINT allergies_substance_check CHECK (length(btrim(substance)) BETWEEN 1 AND 200),
    substance_code text CONSTRAINT allergies_substance_code_check CHECK (length(substance_code) <= 50),
    category text NOT NULL CONSTRAINT allergies_category_check CHECK (category IN ('DRUG','FOOD','ENVIRONMENT','OTHER')),
    reaction text CONSTRAINT allergies_reaction_check CHECK (length(reaction) <= 1000),
    severity text CONSTRAINT allergies_severity_check CHECK (severity IN ('MILD','MODERATE','SEVERE','LIFE_THREATENING')),
    status text NOT NULL CONSTRAINT allergies_status_check CHECK (status IN ('ACTIVE','INACTIVE','RESOLVED')),
    onset_date date,
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    deleted_at timestamptz,
    deleted_by uuid,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX allergies_patient_idx ON allergies (patient_id, created_at DESC);

-- "No known allergies" as a recorded statement, distinct from never asked. Append-only: the latest row (highest seq,
-- taken under the patient's row lock, so in the order the decisions were made whatever the clocks say) is the current
-- statement (true: NKA recorded; false: withdrawn, or cleared by recording an active allergy). Rows rather than one
-- per patient, so a merge moves both patients' statements without a collision and the history stays.
CREATE TABLE allergy_statements (
    id uuid PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    no_known_allergies boolean NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by uuid
);
CREATE INDEX allergy_statements_patient_idx ON allergy_statements (patient_id, seq DESC);

CREATE TABLE conditions (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    code text CONSTRAINT conditions_code_check CHECK (code ~ '^[A-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$'),
    text text NOT NULL CONSTRAINT conditions_text_check CHECK (length(btrim(text)) BETWEEN 1 AND 500),
    status text NOT NULL CONSTRAINT conditions_status_check
        CHECK (status IN ('ACTIVE','RECURRENCE','RELAPSE','INACTIVE','REMISSION','RESOLVED')),
    onset_date date,
    resolution_date date,
    notes text CONSTRAINT conditions_notes_check CHECK (length(notes) <= 2000),
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    deleted_at timestamptz,
    deleted_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT conditions_resolution_after_onset_check CHECK (resolution_date IS NULL OR onset_date IS NULL OR resolution_date >= onset_date)
);
CREATE INDEX conditions_patient_idx ON conditions (patient_id, created_at DESC);

CREATE TABLE medications (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    name text NOT NULL CONSTRAINT medications_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    dose text CONSTRAINT medications_dose_check CHECK (length(dose) <= 100),
    route text CONSTRAINT medications_route_check CHECK (length(route) <= 50),
    frequency text CONSTRAINT medications_frequency_check CHECK (length(frequency) <= 100),
    start_date date,
    end_date date,
    status text NOT NULL CONSTRAINT medications_status_check CHECK (status IN ('ACTIVE','STOPPED','COMPLETED')),
    source text NOT NULL CONSTRAINT medications_source_check CHECK (source IN ('PRESCRIBED','REPORTED')),
    -- Prescribed medications will point at their prescription item once prescriptions exist (no foreign key yet).
    prescription_item_id uuid,
    notes text CONSTRAINT medications_notes_check CHECK (length(notes) <= 2000),
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    deleted_at timestamptz,
    deleted_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT medications_end_after_start_check CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
CREATE INDEX medications_patient_idx ON medications (patient_id, created_at DESC);

CREATE TABLE immunizations (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    vaccine text NOT NULL CONSTRAINT immunizations_vaccine_check CHECK (length(btrim(vaccine)) BETWEEN 1 AND 200),
    vaccine_code text CONSTRAINT immunizations_vaccine_code_check CHECK (length(vaccine_code) <= 50),
    dose_number integer CONSTRAINT immunizations_dose_number_check CHECK (dose_number BETWEEN 1 AND 20),
    date_given date NOT NULL,
    lot_number text CONSTRAINT immunizations_lot_number_check CHECK (length(lot_number) <= 50),
    site text CONSTRAINT immunizations_site_check CHECK (length(site) <= 100),
    next_due_date date,
    notes text CONSTRAINT immunizations_notes_check CHECK (length(notes) <= 2000),
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    deleted_at timestamptz,
    deleted_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT immunizations_next_due_after_given_check CHECK (next_due_date IS NULL OR next_due_date > date_given)
);
CREATE INDEX immunizations_patient_idx ON immunizations (patient_id, date_given DESC);
CREATE INDEX immunizations_due_idx ON immunizations (patient_id, next_due_date) WHERE deleted_at IS NULL AND next_due_date IS NOT NULL;

CREATE TABLE procedures (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    name text NOT NULL CONSTRAINT procedures_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    code text CONSTRAINT procedures_code_check CHECK (length(code) <= 50),
    status text NOT NULL CONSTRAINT procedures_status_check CHECK (status IN ('PLANNED','DONE','CANCELLED')),
    performed_on date,
    performer text CONSTRAINT procedures_performer_check CHECK (length(performer) <= 200),
    performer_id uuid REFERENCES platform.users(id),
    notes text CONSTRAINT procedures_notes_check CHECK (length(notes) <= 4000),
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    deleted_at timestamptz,
    deleted_by uuid,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX procedures_patient_idx ON procedures (patient_id, created_at DESC);

CREATE TABLE clinical_notes (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    title text CONSTRAINT clinical_notes_title_check CHECK (length(title) <= 200),
    text text NOT NULL CONSTRAINT clinical_notes_text_check CHECK (length(btrim(text)) BETWEEN 1 AND 20000),
    -- The visit the note was written in (a signed visit's notes are locked with it).
    visit_id uuid REFERENCES visits(id),
    staff_only boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    deleted_at timestamptz,
    deleted_by uuid,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX clinical_notes_patient_idx ON clinical_notes (patient_id, created_at DESC);
