-- Failed sign-ins with an email that has no account, counted the way Identity counts an account's own
-- (access_failed_count, lockout_end), so an unknown email answers exactly like a known one with a wrong
-- password, lockout included, and the answers do not tell which emails exist. In the database rather than
-- in memory so every instance and a restart see the same counts, as they do for real accounts.
-- Rows without a failure for a day are deleted by the sign-in that adds one, which keeps the table small.
CREATE TABLE platform.unknown_sign_in_failures (
    normalized_email text PRIMARY KEY,
    failed_count integer NOT NULL,
    lockout_end timestamptz,
    last_failed_at timestamptz NOT NULL
);
CREATE INDEX unknown_sign_in_failures_last_failed_at ON platform.unknown_sign_in_failures (last_failed_at);
