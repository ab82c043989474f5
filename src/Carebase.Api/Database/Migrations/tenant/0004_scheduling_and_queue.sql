-- Scheduling: weekly working hours, time off and extra sessions per doctor; appointments; the daily
-- token queue. The database itself guarantees that a doctor, and a patient, never hold two active
-- appointments at overlapping times (exclusion constraints over time ranges, btree_gist).

-- Weekly blocks in the tenant's local time. ISO weekday: 1 = Monday … 7 = Sunday.
CREATE TABLE working_hours (
    id uuid PRIMARY KEY,
    doctor_id uuid NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
    weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_time time NOT NULL,
    end_time time NOT NULL,
    CHECK (start_time < end_time),
    EXCLUDE USING gist (doctor_id WITH =, weekday WITH =,
        int4range((extract(epoch FROM start_time))::int, (extract(epoch FROM end_time))::int) WITH &&)
);

-- Absences (whole or part days) and one-off extra sessions, as instants.
CREATE TABLE time_off (
    id uuid PRIMARY KEY,
    doctor_id uuid NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    reason text,
    created_at timestamptz NOT NULL,
    created_by uuid,
    CHECK (starts_at < ends_at)
);
CREATE INDEX time_off_doctor_idx ON time_off USING gist (doctor_id, tstzrange(starts_at, ends_at));

CREATE TABLE extra_sessions (
    id uuid PRIMARY KEY,
    doctor_id uuid NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    note text,
    created_at timestamptz NOT NULL,
    created_by uuid,
    CHECK (starts_at < ends_at),
    EXCLUDE USING gist (doctor_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
);

-- Appointments. "Active" = SCHEDULED, CONFIRMED, CHECKED_IN, IN_CONSULTATION: those hold their time.
-- local_date is the start's date in the tenant's timezone (one open appointment per patient, doctor and day).
CREATE TABLE appointments (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    doctor_id uuid NOT NULL REFERENCES doctors(id),
    department_id uuid REFERENCES departments(id),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    local_date date NOT NULL,
    status text NOT NULL CHECK (status IN ('SCHEDULED','CONFIRMED','CHECKED_IN','IN_CONSULTATION','COMPLETED','CANCELLED','NO_SHOW')),
    reason text,
    notes text,
    series_id uuid,
    needs_reschedule boolean NOT NULL DEFAULT false,
    cancel_reason text,
    scheduled_at timestamptz NOT NULL,
    confirmed_at timestamptz,
    checked_in_at timestamptz,
    started_at timestamptz,
    completed_at timestamptz,
    cancelled_at timestamptz,
    no_show_at timestamptz,
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    version integer NOT NULL DEFAULT 1,
    CHECK (starts_at < ends_at),
    CONSTRAINT appointments_doctor_no_overlap EXCLUDE USING gist (doctor_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (status IN ('SCHEDULED','CONFIRMED','CHECKED_IN','IN_CONSULTATION')),
    CONSTRAINT appointments_patient_no_overlap EXCLUDE USING gist (patient_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (status IN ('SCHEDULED','CONFIRMED','CHECKED_IN','IN_CONSULTATION'))
);
CREATE UNIQUE INDEX appointments_one_open_per_patient_doctor_day ON appointments (patient_id, doctor_id, local_date)
    WHERE status IN ('SCHEDULED','CONFIRMED','CHECKED_IN','IN_CONSULTATION');
CREATE INDEX appointments_doctor_time_idx ON appointments (doctor_id, starts_at);
CREATE INDEX appointments_patient_time_idx ON appointments (patient_id, starts_at);
CREATE INDEX appointments_date_status_idx ON appointments (local_date, status);
CREATE INDEX appointments_department_idx ON appointments (department_id);
CREATE INDEX appointments_series_idx ON appointments (series_id) WHERE series_id IS NOT NULL;

-- Idempotency-Key: the first answer to a (user, key) is stored and replayed for retries.
CREATE TABLE idempotency_keys (
    user_id uuid NOT NULL,
    key text NOT NULL,
    route text NOT NULL,
    request_hash text NOT NULL,
    status_code integer,
    response_body text,
    location text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- The token queue: numbers per doctor per local day, handed out by one counter row each.
CREATE TABLE queue_counters (
    doctor_id uuid NOT NULL REFERENCES doctors(id),
    local_date date NOT NULL,
    last_number integer NOT NULL,
    PRIMARY KEY (doctor_id, local_date)
);

CREATE TABLE queue_tokens (
    id uuid PRIMARY KEY,
    doctor_id uuid NOT NULL REFERENCES doctors(id),
    local_date date NOT NULL,
    number integer NOT NULL,
    patient_id uuid NOT NULL REFERENCES patients(id),
    appointment_id uuid REFERENCES appointments(id),
    priority smallint NOT NULL DEFAULT 3,   -- 1 emergency, 2 elderly/other flags, 3 normal
    priority_reason text,
    status text NOT NULL CHECK (status IN ('WAITING','SERVING','SERVED','SKIPPED','LEFT')),
    appointment_starts_at timestamptz,
    arrived_at timestamptz NOT NULL,
    called_at timestamptz,
    served_at timestamptz,
    left_at timestamptz,
    called_by uuid,
    updated_at timestamptz NOT NULL,
    CONSTRAINT queue_tokens_number_key UNIQUE (doctor_id, local_date, number)
);
CREATE UNIQUE INDEX queue_tokens_one_per_appointment ON queue_tokens (appointment_id) WHERE appointment_id IS NOT NULL;
CREATE INDEX queue_tokens_waiting_idx ON queue_tokens (doctor_id, local_date, priority, appointment_starts_at, arrived_at)
    WHERE status = 'WAITING';
