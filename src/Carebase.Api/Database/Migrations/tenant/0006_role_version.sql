-- Roles get a version for ETag / If-Match, like every other resource.
ALTER TABLE roles ADD COLUMN version integer NOT NULL DEFAULT 1;
