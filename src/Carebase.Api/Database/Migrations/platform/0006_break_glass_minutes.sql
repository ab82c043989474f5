-- How long a break-glass grant opens a confidential patient's record to one user (PATCH /tenant breakGlassMinutes).
ALTER TABLE platform.tenants ADD COLUMN break_glass_minutes integer NOT NULL DEFAULT 60
    CONSTRAINT tenants_break_glass_minutes_check CHECK (break_glass_minutes BETWEEN 5 AND 1440);
