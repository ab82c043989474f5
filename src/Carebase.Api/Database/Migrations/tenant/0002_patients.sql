-- Patients. The code (P-<year>-<number>) takes its number from a per-tenant sequence, so concurrent
-- registrations never share one. search_name and phone_digits are derived columns for search.
CREATE SEQUENCE patient_code_seq;

CREATE TABLE patients (
    id uuid PRIMARY KEY,
    patient_code text NOT NULL UNIQUE,
    first_name text NOT NULL,
    middle_name text,
    last_name text NOT NULL,
    date_of_birth date NOT NULL,
    gender text NOT NULL CHECK (gender IN ('MALE','FEMALE','OTHER','UNKNOWN')),
    phone text,
    email citext,
    address_line text,
    city text,
    state text,
    postal_code text,
    country text,
    emergency_contact_name text,
    emergency_contact_phone text,
    emergency_contact_relation text,
    insurance_type text NOT NULL DEFAULT 'NONE'
        CHECK (insurance_type IN ('NONE','PRIVATE','PUBLIC','EMPLOYER','SELF_PAY','OTHER')),
    insurance_provider text,
    insurance_number text,
    blood_type text NOT NULL DEFAULT 'UNKNOWN'
        CHECK (blood_type IN ('A_POSITIVE','A_NEGATIVE','B_POSITIVE','B_NEGATIVE','AB_POSITIVE','AB_NEGATIVE','O_POSITIVE','O_NEGATIVE','UNKNOWN')),
    marital_status text NOT NULL DEFAULT 'UNKNOWN'
        CHECK (marital_status IN ('SINGLE','MARRIED','DIVORCED','WIDOWED','SEPARATED','PARTNERED','UNKNOWN')),
    occupation text,
    national_id text,
    consent_sms boolean NOT NULL DEFAULT false,
    consent_email boolean NOT NULL DEFAULT false,
    consent_data_sharing boolean NOT NULL DEFAULT false,
    patient_type text NOT NULL DEFAULT 'OPD' CHECK (patient_type IN ('OPD','IPD')),
    department_id uuid REFERENCES departments(id),
    is_verified boolean NOT NULL DEFAULT true,
    last_visit_at timestamptz,
    duplicate_reason text,
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    deleted_at timestamptz,
    deleted_by uuid,
    merged_into_id uuid REFERENCES patients(id),
    version integer NOT NULL DEFAULT 1,
    search_name text GENERATED ALWAYS AS (
        public.search_text(first_name || ' ' || coalesce(middle_name || ' ', '') || last_name)) STORED,
    phone_digits text GENERATED ALWAYS AS (
        nullif(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'), '')) STORED,
    search_words text[] GENERATED ALWAYS AS (string_to_array(
        public.search_text(first_name || ' ' || coalesce(middle_name || ' ', '') || last_name), ' ')) STORED
);

-- Search: trigram indexes for typo-tolerant names and phone fragments; btree for exact keys,
-- filters and sort orders. Partial on live rows: deleted patients are searched only on request.
-- Name and sex in one GIN index: "Smith, female" reads only the female Smiths' rows from the heap.
CREATE INDEX patients_search_name_trgm ON patients USING gin (search_name gin_trgm_ops, gender) WHERE deleted_at IS NULL;
CREATE INDEX patients_search_words_idx ON patients USING gin (search_words) WHERE deleted_at IS NULL;
CREATE INDEX patients_phone_trgm ON patients USING gin (phone_digits gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX patients_email_idx ON patients (email) WHERE deleted_at IS NULL;
CREATE INDEX patients_national_id_idx ON patients (national_id) WHERE deleted_at IS NULL;
CREATE INDEX patients_name_sort_idx ON patients (last_name, first_name, id) WHERE deleted_at IS NULL;
CREATE INDEX patients_created_idx ON patients (created_at DESC, id) WHERE deleted_at IS NULL;
CREATE INDEX patients_dob_idx ON patients (date_of_birth) WHERE deleted_at IS NULL;
-- The common filter combinations of the front desk: sex and age, blood type with both.
CREATE INDEX patients_gender_dob_idx ON patients (gender, date_of_birth) WHERE deleted_at IS NULL;
CREATE INDEX patients_blood_gender_dob_idx ON patients (blood_type, gender, date_of_birth) WHERE deleted_at IS NULL;
CREATE INDEX patients_last_visit_idx ON patients (last_visit_at DESC NULLS LAST, id) WHERE deleted_at IS NULL;
CREATE INDEX patients_city_idx ON patients (lower(city)) WHERE deleted_at IS NULL;
CREATE INDEX patients_department_idx ON patients (department_id);
CREATE INDEX patients_merged_into_idx ON patients (merged_into_id);

-- Every distinct word of every patient name, for typo correction: a misspelt query word is matched
-- against this small dictionary (trigram word similarity), and the corrected words are then looked up
-- exactly in patients.search_words. Words are only ever added; a stale one costs nothing.
CREATE TABLE patient_name_words (word text PRIMARY KEY);
CREATE INDEX patient_name_words_trgm ON patient_name_words USING gin (word gin_trgm_ops);

-- Qualified with the trigger's own schema: it must not depend on the session's search_path.
CREATE FUNCTION patient_name_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO %I.patient_name_words (word) SELECT DISTINCT w FROM unnest($1) w WHERE w <> '''' ON CONFLICT DO NOTHING',
        TG_TABLE_SCHEMA) USING NEW.search_words;
    RETURN NULL;
END $$;
CREATE TRIGGER patients_name_words AFTER INSERT OR UPDATE OF first_name, middle_name, last_name ON patients
    FOR EACH ROW EXECUTE FUNCTION patient_name_words_add();
