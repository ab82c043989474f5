-- Tenant schema: runs with search_path = <tenant schema>, public.
CREATE TABLE roles (
    id uuid PRIMARY KEY,
    name citext NOT NULL UNIQUE,
    description text,
    is_system boolean NOT NULL DEFAULT false,
    permissions text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE user_roles (
    user_id uuid NOT NULL REFERENCES platform.users(id) ON DELETE CASCADE,
    role_id uuid NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_idx ON user_roles (role_id);

CREATE TABLE departments (
    id uuid PRIMARY KEY,
    name citext NOT NULL UNIQUE,
    code text,
    description text,
    is_patient_facing boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE user_departments (
    user_id uuid NOT NULL REFERENCES platform.users(id) ON DELETE CASCADE,
    department_id uuid NOT NULL REFERENCES departments(id),
    PRIMARY KEY (user_id, department_id)
);
CREATE INDEX user_departments_department_idx ON user_departments (department_id);

CREATE TABLE audit_log (
    seq bigint PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    occurred_at timestamptz NOT NULL,
    tenant_id uuid,
    user_id uuid,
    user_email text,
    roles text[] NOT NULL DEFAULT '{}',
    action text NOT NULL,
    resource_type text NOT NULL,
    resource_id text,
    changes jsonb,
    outcome text NOT NULL,
    ip text,
    user_agent text,
    request_id text,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL
);
CREATE INDEX audit_log_time_idx ON audit_log (occurred_at);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, occurred_at);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_type, resource_id);
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION platform.audit_chain();
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION platform.audit_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION platform.audit_immutable();
