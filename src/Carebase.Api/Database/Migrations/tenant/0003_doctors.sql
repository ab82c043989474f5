-- Departments get a version for ETag / If-Match; codes, when given, are unique (case-insensitive) like names.
ALTER TABLE departments ADD COLUMN version integer NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX departments_code_key ON departments (upper(code)) WHERE code IS NOT NULL;

-- Doctor profiles: one per staff account holding the DOCTOR role. The license number is unique in the
-- hospital whatever its case; the fee is exact money. Profiles are never deleted (the account is deactivated).
CREATE TABLE doctors (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES platform.users(id),
    specialization text NOT NULL CHECK (length(btrim(specialization)) > 0),
    license_number citext NOT NULL,
    years_of_experience integer NOT NULL CHECK (years_of_experience BETWEEN 0 AND 80),
    consultation_fee numeric(12,2) NOT NULL CHECK (consultation_fee >= 0),
    bio text,
    department_id uuid REFERENCES departments(id),
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT doctors_user_id_key UNIQUE (user_id),
    CONSTRAINT doctors_license_number_key UNIQUE (license_number)
);
CREATE INDEX doctors_department_idx ON doctors (department_id);
CREATE INDEX doctors_specialization_idx ON doctors (lower(specialization));
