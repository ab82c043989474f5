-- Platform schema: what every tenant shares (tenants, accounts, sessions, keys, outbox, audit).
-- Extensions live in public so tenant schemas (search_path = tenant, public) see them.
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

CREATE TABLE platform.tenants (
    id uuid PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9-]{1,39}$'),
    name text NOT NULL,
    schema_name text NOT NULL UNIQUE,
    status text NOT NULL CHECK (status IN ('PENDING','VERIFIED','ACTIVE','SUSPENDED','INACTIVE')),
    status_reason text,
    timezone text NOT NULL,
    currency char(3) NOT NULL,
    slot_minutes integer NOT NULL DEFAULT 15 CHECK (slot_minutes BETWEEN 5 AND 240),
    idle_timeout_minutes integer NOT NULL DEFAULT 30 CHECK (idle_timeout_minutes BETWEEN 1 AND 1440),
    contact_email text,
    contact_phone text,
    address text,
    max_users integer CHECK (max_users > 0),
    max_patients integer CHECK (max_patients > 0),
    allow_patient_self_registration boolean NOT NULL DEFAULT false,
    is_demo boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    verified_at timestamptz,
    activated_at timestamptz,
    suspended_at timestamptz,
    version integer NOT NULL DEFAULT 1
);

-- ASP.NET Core Identity user store (users, claims, logins, tokens), extended with tenancy.
CREATE TABLE platform.users (
    id uuid PRIMARY KEY,
    tenant_id uuid REFERENCES platform.tenants(id),
    user_name text,
    normalized_user_name text UNIQUE,
    email text,
    normalized_email text UNIQUE,
    email_confirmed boolean NOT NULL DEFAULT false,
    password_hash text,
    security_stamp text,
    concurrency_stamp text,
    phone_number text,
    phone_number_confirmed boolean NOT NULL DEFAULT false,
    two_factor_enabled boolean NOT NULL DEFAULT false,
    lockout_end timestamptz,
    lockout_enabled boolean NOT NULL DEFAULT true,
    access_failed_count integer NOT NULL DEFAULT 0,
    first_name text NOT NULL,
    last_name text NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    is_super_admin boolean NOT NULL DEFAULT false,
    must_change_password boolean NOT NULL DEFAULT false,
    patient_id uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    last_login_at timestamptz,
    password_changed_at timestamptz,
    CHECK (is_super_admin OR tenant_id IS NOT NULL)
);
CREATE INDEX users_tenant_idx ON platform.users (tenant_id, last_name, first_name);

CREATE TABLE platform.user_claims (
    id serial PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES platform.users(id) ON DELETE CASCADE,
    claim_type text,
    claim_value text
);
CREATE INDEX user_claims_user_idx ON platform.user_claims (user_id);

CREATE TABLE platform.user_logins (
    login_provider text NOT NULL,
    provider_key text NOT NULL,
    provider_display_name text,
    user_id uuid NOT NULL REFERENCES platform.users(id) ON DELETE CASCADE,
    PRIMARY KEY (login_provider, provider_key)
);

CREATE TABLE platform.user_tokens (
    user_id uuid NOT NULL REFERENCES platform.users(id) ON DELETE CASCADE,
    login_provider text NOT NULL,
    name text NOT NULL,
    value text,
    PRIMARY KEY (user_id, login_provider, name)
);

CREATE TABLE platform.password_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES platform.users(id) ON DELETE CASCADE,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX password_history_user_idx ON platform.password_history (user_id, id DESC);

-- One row per sign-in. The refresh token names the current refresh_id; rotating it is one
-- conditional UPDATE, so a refresh token works exactly once even when two refreshes race.
CREATE TABLE platform.sessions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES platform.users(id) ON DELETE CASCADE,
    refresh_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason text,
    ip text,
    user_agent text
);
CREATE INDEX sessions_user_open_idx ON platform.sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE platform.data_protection_keys (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text NOT NULL UNIQUE,
    xml text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE platform.permissions (
    code text PRIMARY KEY,
    area text NOT NULL,
    description text NOT NULL
);

-- Messages written in the same transaction as the change that causes them; a worker
-- claims them with SKIP LOCKED and delivers each once.
CREATE TABLE platform.outbox_messages (
    id uuid PRIMARY KEY,
    tenant_id uuid REFERENCES platform.tenants(id),
    channel text NOT NULL DEFAULT 'EMAIL',
    kind text NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING','SENDING','SENT','FAILED')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    locked_until timestamptz,
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    last_error text
);
CREATE INDEX outbox_due_idx ON platform.outbox_messages (next_attempt_at) WHERE status IN ('PENDING','SENDING');

-- Audit: a hash chain per audit table. The trigger serialises appends per table with a
-- transaction-scoped advisory lock, numbers the row and links it to its predecessor.
CREATE FUNCTION platform.audit_hash(
    prev bytea, seq bigint, occurred_at timestamptz, tenant_id uuid, user_id uuid, user_email text,
    roles text[], action text, resource_type text, resource_id text, changes jsonb, outcome text,
    ip text, user_agent text, request_id text)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(convert_to(concat_ws(E'\x1f',
        encode(prev, 'hex'), seq::text,
        to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(tenant_id::text, ''), coalesce(user_id::text, ''), coalesce(user_email, ''),
        array_to_string(roles, ','), action, resource_type, coalesce(resource_id, ''),
        coalesce(changes::text, ''), outcome, coalesce(ip, ''), coalesce(user_agent, ''),
        coalesce(request_id, '')), 'UTF8'))
$$;

CREATE FUNCTION platform.audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME));
    EXECUTE format('SELECT seq, hash FROM %I.%I ORDER BY seq DESC LIMIT 1', TG_TABLE_SCHEMA, TG_TABLE_NAME)
        INTO last_seq, last_hash;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, '\x'::bytea);
    NEW.hash := platform.audit_hash(NEW.prev_hash, NEW.seq, NEW.occurred_at, NEW.tenant_id, NEW.user_id,
        NEW.user_email, NEW.roles, NEW.action, NEW.resource_type, NEW.resource_id, NEW.changes,
        NEW.outcome, NEW.ip, NEW.user_agent, NEW.request_id);
    RETURN NEW;
END $$;

CREATE FUNCTION platform.audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % is not allowed on %.%', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TABLE platform.audit_log (
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
CREATE INDEX audit_log_time_idx ON platform.audit_log (occurred_at);
CREATE TRIGGER audit_log_chain BEFORE INSERT ON platform.audit_log FOR EACH ROW EXECUTE FUNCTION platform.audit_chain();
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON platform.audit_log FOR EACH ROW EXECUTE FUNCTION platform.audit_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON platform.audit_log FOR EACH STATEMENT EXECUTE FUNCTION platform.audit_immutable();
