-- The laboratory: a catalog of tests (with reference ranges by sex and age band, and critical limits) and panels,
-- orders placed by a doctor for a visit or a patient, one item per test (price captured at order time), and results.
-- ORDERED -> SAMPLE_COLLECTED -> RESULTED -> VERIFIED (by someone other than who entered), or CANCELLED before results.
-- A result keeps the reference range, critical limits and unit that applied to it, so later catalog edits change no
-- history; a correction keeps the original (CORRECTED, pointing at what replaced it).

CREATE TABLE lab_tests (
    id uuid PRIMARY KEY,
    code text NOT NULL CONSTRAINT lab_tests_code_check CHECK (code ~ '^[A-Z0-9][A-Z0-9_\-]{0,19}$'),
    loinc text CONSTRAINT lab_tests_loinc_check CHECK (loinc ~ '^[0-9]{1,7}-[0-9]$'),
    name text NOT NULL CONSTRAINT lab_tests_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    specimen text NOT NULL CONSTRAINT lab_tests_specimen_check
        CHECK (specimen IN ('WHOLE_BLOOD','SERUM','PLASMA','URINE','STOOL','CSF','SWAB','SPUTUM','OTHER')),
    result_kind text NOT NULL CONSTRAINT lab_tests_result_kind_check CHECK (result_kind IN ('NUMERIC','CODED','TEXT')),
    unit text CONSTRAINT lab_tests_unit_check CHECK (length(unit) <= 30),
    -- CODED tests: the values a result may take, and those that are normal (any other is ABNORMAL).
    coded_values text[] NOT NULL DEFAULT '{}',
    normal_values text[] NOT NULL DEFAULT '{}',
    price numeric(12,2) NOT NULL CONSTRAINT lab_tests_price_check CHECK (price >= 0),
    turnaround_hours integer NOT NULL CONSTRAINT lab_tests_turnaround_check CHECK (turnaround_hours BETWEEN 1 AND 2160),
    critical_low numeric,
    critical_high numeric,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT lab_tests_code_key UNIQUE (code),
    CONSTRAINT lab_tests_critical_check CHECK (critical_low IS NULL OR critical_high IS NULL OR critical_low < critical_high),
    CONSTRAINT lab_tests_numeric_only_check CHECK (result_kind = 'NUMERIC' OR (critical_low IS NULL AND critical_high IS NULL)),
    CONSTRAINT lab_tests_coded_check CHECK ((result_kind = 'CODED') = (cardinality(coded_values) > 0) AND normal_values <@ coded_values)
);
CREATE INDEX lab_tests_name_idx ON lab_tests (name);

-- Reference ranges: by sex (null: either) and age band in days [age_from_days, age_to_days) (null: no upper bound).
CREATE TABLE lab_test_ranges (
    id uuid PRIMARY KEY,
    test_id uuid NOT NULL REFERENCES lab_tests(id) ON DELETE CASCADE,
    sex text CONSTRAINT lab_test_ranges_sex_check CHECK (sex IN ('MALE','FEMALE')),
    age_from_days integer NOT NULL DEFAULT 0 CONSTRAINT lab_test_ranges_age_from_check CHECK (age_from_days >= 0),
    age_to_days integer,
    low numeric,
    high numeric,
    text text CONSTRAINT lab_test_ranges_text_check CHECK (length(text) <= 200),
    CONSTRAINT lab_test_ranges_age_check CHECK (age_to_days IS NULL OR age_to_days > age_from_days),
    CONSTRAINT lab_test_ranges_bounds_check CHECK (low IS NULL OR high IS NULL OR low <= high),
    CONSTRAINT lab_test_ranges_something_check CHECK (num_nonnulls(low, high, text) > 0)
);
CREATE INDEX lab_test_ranges_test_idx ON lab_test_ranges (test_id);

CREATE TABLE lab_panels (
    id uuid PRIMARY KEY,
    code text NOT NULL CONSTRAINT lab_panels_code_check CHECK (code ~ '^[A-Z0-9][A-Z0-9_\-]{0,19}$'),
    loinc text CONSTRAINT lab_panels_loinc_check CHECK (loinc ~ '^[0-9]{1,7}-[0-9]$'),
    name text NOT NULL CONSTRAINT lab_panels_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT lab_panels_code_key UNIQUE (code)
);

CREATE TABLE lab_panel_tests (
    panel_id uuid NOT NULL REFERENCES lab_panels(id) ON DELETE CASCADE,
    test_id uuid NOT NULL REFERENCES lab_tests(id),
    position integer NOT NULL CONSTRAINT lab_panel_tests_position_check CHECK (position >= 0),
    CONSTRAINT lab_panel_tests_pkey PRIMARY KEY (panel_id, test_id)
);
CREATE INDEX lab_panel_tests_test_idx ON lab_panel_tests (test_id);

CREATE TABLE lab_orders (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    visit_id uuid REFERENCES visits(id),
    -- Admissions come later; the foreign key is added with them.
    admission_id uuid,
    doctor_id uuid NOT NULL REFERENCES doctors(id),
    priority text NOT NULL CONSTRAINT lab_orders_priority_check CHECK (priority IN ('ROUTINE','URGENT','STAT')),
    -- The worklist's order: STAT, URGENT, ROUTINE, then the oldest first.
    priority_rank smallint GENERATED ALWAYS AS (CASE priority WHEN 'STAT' THEN 0 WHEN 'URGENT' THEN 1 ELSE 2 END) STORED,
    status text NOT NULL CONSTRAINT lab_orders_status_check
        CHECK (status IN ('ORDERED','SAMPLE_COLLECTED','RESULTED','VERIFIED','CANCELLED')),
    clinical_note text CONSTRAINT lab_orders_clinical_note_check CHECK (length(clinical_note) <= 2000),
    specimen_id text CONSTRAINT lab_orders_specimen_id_check CHECK (length(btrim(specimen_id)) BETWEEN 1 AND 64),
    collected_at timestamptz,
    collected_by uuid,
    resulted_at timestamptz,
    -- The first verification: from then on the patient sees the order's verified results.
    verified_at timestamptz,
    verified_by uuid,
    cancelled_at timestamptz,
    cancelled_by uuid,
    cancel_reason text CONSTRAINT lab_orders_cancel_reason_check CHECK (length(cancel_reason) <= 500),
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT lab_orders_collected_check
        CHECK (status IN ('ORDERED','CANCELLED') OR (collected_at IS NOT NULL AND specimen_id IS NOT NULL)),
    CONSTRAINT lab_orders_verified_check CHECK (status <> 'VERIFIED' OR verified_at IS NOT NULL),
    CONSTRAINT lab_orders_cancelled_check CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL AND coalesce(length(btrim(cancel_reason)), 0) > 0)),
    CONSTRAINT lab_orders_cancel_before_results_check CHECK (status <> 'CANCELLED' OR resulted_at IS NULL)
);
CREATE INDEX lab_orders_patient_idx ON lab_orders (patient_id, created_at DESC, id DESC);
CREATE INDEX lab_orders_visit_idx ON lab_orders (visit_id) WHERE visit_id IS NOT NULL;
CREATE INDEX lab_orders_doctor_idx ON lab_orders (doctor_id, created_at DESC);
CREATE INDEX lab_orders_worklist_idx ON lab_orders (priority_rank, created_at, id) WHERE status IN ('ORDERED','SAMPLE_COLLECTED','RESULTED');
-- The timeline's LAB_RESULT events (verified orders), newest first.
CREATE INDEX lab_orders_timeline_idx ON lab_orders (patient_id, verified_at DESC, id DESC);

-- One item per test ordered (a panel expands to its tests); the test's code, name and price as they were at order time.
CREATE TABLE lab_order_items (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES lab_orders(id),
    test_id uuid NOT NULL REFERENCES lab_tests(id),
    panel_id uuid REFERENCES lab_panels(id),
    position integer NOT NULL CONSTRAINT lab_order_items_position_check CHECK (position >= 0),
    test_code text NOT NULL,
    test_name text NOT NULL,
    price numeric(12,2) NOT NULL CONSTRAINT lab_order_items_price_check CHECK (price >= 0),
    status text NOT NULL CONSTRAINT lab_order_items_status_check CHECK (status IN ('ORDERED','RESULTED','VERIFIED','CANCELLED')),
    CONSTRAINT lab_order_items_test_key UNIQUE (order_id, test_id),
    CONSTRAINT lab_order_items_position_key UNIQUE (order_id, position)
);
CREATE INDEX lab_order_items_test_idx ON lab_order_items (test_id);
CREATE INDEX lab_order_items_panel_idx ON lab_order_items (panel_id) WHERE panel_id IS NOT NULL;

CREATE TABLE lab_results (
    id uuid PRIMARY KEY,
    item_id uuid NOT NULL REFERENCES lab_order_items(id),
    order_id uuid NOT NULL REFERENCES lab_orders(id),
    patient_id uuid NOT NULL REFERENCES patients(id),
    value_numeric numeric,
    value_code text CONSTRAINT lab_results_value_code_check CHECK (length(value_code) <= 50),
    value_text text CONSTRAINT lab_results_value_text_check CHECK (length(value_text) <= 2000),
    unit text,
    -- What applied when it was entered: the reference range chosen for the patient's sex and age, the critical limits.
    range_low numeric,
    range_high numeric,
    range_text text,
    critical_low numeric,
    critical_high numeric,
    flags text[] NOT NULL DEFAULT '{}'
        CONSTRAINT lab_results_flags_check CHECK (flags <@ ARRAY['LOW','HIGH','CRITICAL_LOW','CRITICAL_HIGH','ABNORMAL']),
    comment text CONSTRAINT lab_results_comment_check CHECK (length(comment) <= 2000),
    status text NOT NULL CONSTRAINT lab_results_status_check CHECK (status IN ('FINAL','CORRECTED')),
    -- Deferred: a correction marks the original (pointing here) before its replacement is inserted, so that the one
    -- current (FINAL) result per item holds at every statement.
    corrected_by_result_id uuid CONSTRAINT lab_results_corrected_by_fkey REFERENCES lab_results(id) DEFERRABLE INITIALLY DEFERRED,
    correction_reason text CONSTRAINT lab_results_correction_reason_check CHECK (length(correction_reason) <= 500),
    entered_at timestamptz NOT NULL,
    entered_by uuid NOT NULL,
    verified_at timestamptz,
    verified_by uuid,
    CONSTRAINT lab_results_value_check CHECK (num_nonnulls(value_numeric, value_code, value_text) = 1),
    CONSTRAINT lab_results_corrected_check CHECK ((status = 'CORRECTED') = (corrected_by_result_id IS NOT NULL)),
    CONSTRAINT lab_results_verified_check CHECK ((verified_at IS NULL) = (verified_by IS NULL)),
    -- A second person verifies: never the one who entered the result.
    CONSTRAINT lab_results_verifier_check CHECK (verified_by IS NULL OR verified_by <> entered_by)
);
-- One current result per item, however many corrections race.
CREATE UNIQUE INDEX lab_results_one_final ON lab_results (item_id) WHERE status = 'FINAL';
CREATE INDEX lab_results_order_idx ON lab_results (order_id, entered_at);
CREATE INDEX lab_results_patient_idx ON lab_results (patient_id, verified_at DESC) WHERE verified_at IS NOT NULL;

-- Files of an order (a PDF report, an image of a film): the bytes in the document store, like documents.
CREATE TABLE lab_result_attachments (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES lab_orders(id),
    patient_id uuid NOT NULL REFERENCES patients(id),
    file_name text NOT NULL CONSTRAINT lab_result_attachments_file_name_check CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type text NOT NULL CONSTRAINT lab_result_attachments_content_type_check
        CHECK (content_type IN ('application/pdf','image/png','image/jpeg')),
    size_bytes bigint NOT NULL CONSTRAINT lab_result_attachments_size_check CHECK (size_bytes > 0),
    sha256 text NOT NULL CONSTRAINT lab_result_attachments_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    storage text NOT NULL CONSTRAINT lab_result_attachments_storage_check CHECK (storage IN ('POSTGRES','DISK')),
    storage_key text NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid
);
CREATE INDEX lab_result_attachments_order_idx ON lab_result_attachments (order_id, created_at);
CREATE INDEX lab_result_attachments_patient_idx ON lab_result_attachments (patient_id);
