-- Staff accounts get a version for ETag / If-Match, like every other resource (Identity's concurrency stamp
-- also changes on sign-in, which would fail an admin's edit for no reason).
ALTER TABLE platform.users ADD COLUMN version integer NOT NULL DEFAULT 1;
