-- Inpatient care: wards and their beds, admissions, and the history of which bed each admission held when. The
-- database keeps what a bed depends on: one ACTIVE admission per patient (a partial unique index) and one occupant per
-- bed at any instant (an exclusion constraint over the occupancy periods, btree_gist as for appointments).

CREATE TABLE wards (
    id uuid PRIMARY KEY,
    name citext NOT NULL CONSTRAINT wards_name_key UNIQUE CONSTRAINT wards_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    department_id uuid REFERENCES departments(id),
    type text NOT NULL CONSTRAINT wards_type_check
        CHECK (type IN ('GENERAL','ICU','HDU','MATERNITY','PEDIATRIC','PRIVATE','ISOLATION')),
    -- Exact money in the hospital's currency, per bed-day.
    daily_charge numeric(14,4) NOT NULL CONSTRAINT wards_daily_charge_check CHECK (daily_charge >= 0),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX wards_department_idx ON wards (department_id);

-- OCCUPIED is set and cleared only with a bed assignment (admit, transfer, discharge) in the same transaction; a bed
-- left goes to CLEANING until POST /beds/{id}/ready.
CREATE TABLE beds (
    id uuid PRIMARY KEY,
    ward_id uuid NOT NULL REFERENCES wards(id),
    code citext NOT NULL CONSTRAINT beds_code_check CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_./-]{0,19}$'),
    status text NOT NULL CONSTRAINT beds_status_check
        CHECK (status IN ('AVAILABLE','OCCUPIED','CLEANING','OUT_OF_SERVICE','RESERVED')),
    notes text CONSTRAINT beds_notes_check CHECK (length(notes) <= 500),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT beds_code_key UNIQUE (ward_id, code)
);
CREATE INDEX beds_status_idx ON beds (ward_id, status);

CREATE TABLE admissions (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    source text NOT NULL CONSTRAINT admissions_source_check CHECK (source IN ('VISIT','EMERGENCY','PLANNED')),
    visit_id uuid REFERENCES visits(id),
    department_id uuid NOT NULL REFERENCES departments(id),
    primary_doctor_id uuid NOT NULL REFERENCES doctors(id),
    admitting_diagnosis_code text CONSTRAINT admissions_diagnosis_code_check
        CHECK (admitting_diagnosis_code ~ '^[A-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$'),
    admitting_diagnosis text NOT NULL CONSTRAINT admissions_diagnosis_check CHECK (length(btrim(admitting_diagnosis)) BETWEEN 1 AND 500),
    notes text CONSTRAINT admissions_notes_check CHECK (length(notes) <= 2000),
    status text NOT NULL CONSTRAINT admissions_status_check CHECK (status IN ('ACTIVE','DISCHARGED')),
    admitted_at timestamptz NOT NULL,
    admitted_by uuid,
    discharged_at timestamptz,
    discharged_by uuid,
    disposition text CONSTRAINT admissions_disposition_check
        CHECK (disposition IN ('HOME','TRANSFERRED','AGAINST_MEDICAL_ADVICE','DECEASED')),
    -- The discharge summary.
    final_diagnoses jsonb,
    procedures text[],
    hospital_course text CONSTRAINT admissions_hospital_course_check CHECK (length(hospital_course) <= 20000),
    discharge_medications text[],
    follow_up text CONSTRAINT admissions_follow_up_check CHECK (length(follow_up) <= 5000),
    condition_at_discharge text CONSTRAINT admissions_condition_check
        CHECK (condition_at_discharge IN ('RECOVERED','IMPROVED','STABLE','UNCHANGED','DETERIORATED','DECEASED')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT admissions_visit_check CHECK (source <> 'VISIT' OR visit_id IS NOT NULL),
    CONSTRAINT admissions_discharge_check CHECK (
        (status = 'ACTIVE' AND discharged_at IS NULL AND disposition IS NULL AND condition_at_discharge IS NULL)
        OR (status = 'DISCHARGED' AND discharged_at >= admitted_at AND disposition IS NOT NULL AND condition_at_discharge IS NOT NULL))
);
CREATE UNIQUE INDEX admissions_one_active_per_patient ON admissions (patient_id) WHERE status = 'ACTIVE';
CREATE INDEX admissions_patient_idx ON admissions (patient_id, admitted_at DESC, id DESC);
-- The patient's timeline reads admissions and discharges newest first from these two.
CREATE INDEX admissions_discharged_idx ON admissions (patient_id, discharged_at DESC, id DESC);
CREATE INDEX admissions_admitted_idx ON admissions (admitted_at DESC, id);
CREATE INDEX admissions_discharged_at_idx ON admissions (discharged_at) WHERE discharged_at IS NOT NULL;
CREATE INDEX admissions_active_doctor_idx ON admissions (primary_doctor_id, patient_id) WHERE status = 'ACTIVE';
CREATE INDEX admissions_visit_idx ON admissions (visit_id) WHERE visit_id IS NOT NULL;

-- Every bed an admission held, with when: the current one is open-ended (ended_at NULL). A bed never has two
-- occupants at one instant, nor an admission two beds. DEFERRABLE INITIALLY IMMEDIATE (never deferred) makes PostgreSQL
-- check them at the end of each statement rather than row by row, so one UPDATE moving every period by the same
-- interval (freshening demo dates) passes.
CREATE TABLE bed_assignments (
    id uuid PRIMARY KEY,
    admission_id uuid NOT NULL REFERENCES admissions(id),
    patient_id uuid NOT NULL REFERENCES patients(id),
    bed_id uuid NOT NULL REFERENCES beds(id),
    ward_id uuid NOT NULL REFERENCES wards(id),
    -- The ward's bed-day charge when the patient was put there.
    daily_charge numeric(14,4) NOT NULL CONSTRAINT bed_assignments_daily_charge_check CHECK (daily_charge >= 0),
    started_at timestamptz NOT NULL,
    ended_at timestamptz,
    period tstzrange GENERATED ALWAYS AS (tstzrange(started_at, ended_at, '[)')) STORED,
    reason text NOT NULL CONSTRAINT bed_assignments_reason_check CHECK (reason IN ('ADMISSION','TRANSFER')),
    created_by uuid,
    CONSTRAINT bed_assignments_period_check CHECK (ended_at IS NULL OR ended_at >= started_at),
    CONSTRAINT bed_assignments_bed_no_overlap EXCLUDE USING gist (bed_id WITH =, period WITH &&) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT bed_assignments_admission_no_overlap EXCLUDE USING gist (admission_id WITH =, period WITH &&) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX bed_assignments_admission_idx ON bed_assignments (admission_id, started_at);
CREATE INDEX bed_assignments_patient_idx ON bed_assignments (patient_id);
CREATE INDEX bed_assignments_current_idx ON bed_assignments (bed_id) WHERE ended_at IS NULL;

-- Admissions referred to before they existed: prescriptions, lab orders and invoices already carry admission_id.
ALTER TABLE prescriptions ADD CONSTRAINT prescriptions_admission_id_fkey FOREIGN KEY (admission_id) REFERENCES admissions(id);
ALTER TABLE lab_orders ADD CONSTRAINT lab_orders_admission_id_fkey FOREIGN KEY (admission_id) REFERENCES admissions(id);
ALTER TABLE invoices ADD CONSTRAINT invoices_admission_id_fkey FOREIGN KEY (admission_id) REFERENCES admissions(id);
CREATE INDEX invoices_admission_idx ON invoices (admission_id) WHERE admission_id IS NOT NULL;

-- How the hospital counts bed-days: CALENDAR_DAYS (every calendar day of the stay, admission and discharge days
-- included) or MIDNIGHTS (the midnights spent, at least one), in the hospital's timezone.
ALTER TABLE billing_settings ADD COLUMN bed_day_rule text NOT NULL DEFAULT 'MIDNIGHTS'
    CONSTRAINT billing_settings_bed_day_rule_check CHECK (bed_day_rule IN ('CALENDAR_DAYS','MIDNIGHTS'));
