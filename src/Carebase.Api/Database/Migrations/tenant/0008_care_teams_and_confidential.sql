-- Confidential patients are visible only to their care team; anyone else with clinical rights opens the record
-- through a break-glass grant (a reason, a time limit, flagged in the audit trail, reviewed by an admin).
ALTER TABLE patients ADD COLUMN confidential boolean NOT NULL DEFAULT false;

-- Explicit care-team members. Implicit members (the doctors of a patient's appointments, later admissions) are
-- computed from those tables, never copied here.
CREATE TABLE care_team_members (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    user_id uuid NOT NULL REFERENCES platform.users(id),
    role text NOT NULL CONSTRAINT care_team_members_role_check
        CHECK (role IN ('PRIMARY_DOCTOR','DOCTOR','CONSULTANT','NURSE','CARE_COORDINATOR','THERAPIST','OTHER')),
    added_at timestamptz NOT NULL,
    added_by uuid,
    CONSTRAINT care_team_members_patient_user_key UNIQUE (patient_id, user_id)
);
CREATE INDEX care_team_members_user_idx ON care_team_members (user_id);

CREATE TABLE break_glass_grants (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    user_id uuid NOT NULL REFERENCES platform.users(id),
    reason text NOT NULL CONSTRAINT break_glass_grants_reason_check CHECK (length(btrim(reason)) >= 10),
    granted_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL CONSTRAINT break_glass_grants_expiry_check CHECK (expires_at > granted_at),
    reviewed_at timestamptz,
    reviewed_by uuid,
    review_note text,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX break_glass_grants_access_idx ON break_glass_grants (patient_id, user_id, expires_at DESC);
CREATE INDEX break_glass_grants_granted_idx ON break_glass_grants (granted_at DESC);

-- What a user opened under a grant: audit entries written during it carry the grant's id in their changes.
CREATE INDEX audit_log_break_glass_idx ON audit_log ((changes->>'breakGlassGrantId')) WHERE changes ? 'breakGlassGrantId';
