-- Read paths of the patient record at volume (a patient with 1,000 visits and 20,000 history items).
--
-- The timeline merges its sources newest first: each source's index now ends with id (the tie-breaker of the
-- timeline's order and cursor), so PostgreSQL reads each source in order and merges them (a Merge Append that stops
-- after one page) instead of reading and sorting every event of the patient. Immunizations and procedures are placed
-- at noon UTC of their date (a calendar date lands on the same day in every hospital's zone), an immutable
-- expression that an index can hold.
--
-- The summary's counts read those same indexes only (deleted_at, and staff_only for notes, are carried in the index),
-- and its capped lists of active conditions and medications read a partial index in the order they are shown.

DROP INDEX visits_patient_idx;
CREATE INDEX visits_patient_idx ON visits (patient_id, started_at DESC, id DESC);
DROP INDEX visit_diagnoses_patient_idx;
CREATE INDEX visit_diagnoses_patient_idx ON visit_diagnoses (patient_id, created_at DESC, id DESC) INCLUDE (deleted_at);
DROP INDEX vitals_patient_idx;
CREATE INDEX vitals_patient_idx ON vitals (patient_id, recorded_at DESC, id DESC) INCLUDE (deleted_at);
DROP INDEX allergies_patient_idx;
CREATE INDEX allergies_patient_idx ON allergies (patient_id, created_at DESC, id DESC) INCLUDE (deleted_at);
DROP INDEX conditions_patient_idx;
CREATE INDEX conditions_patient_idx ON conditions (patient_id, created_at DESC, id DESC) INCLUDE (deleted_at);
CREATE INDEX conditions_active_idx ON conditions (patient_id, onset_date DESC NULLS LAST, created_at DESC)
    WHERE deleted_at IS NULL AND status IN ('ACTIVE','RECURRENCE','RELAPSE');
DROP INDEX medications_patient_idx;
CREATE INDEX medications_patient_idx ON medications (patient_id, created_at DESC, id DESC) INCLUDE (deleted_at);
CREATE INDEX medications_active_idx ON medications (patient_id, name) WHERE deleted_at IS NULL AND status = 'ACTIVE';
DROP INDEX immunizations_patient_idx;
CREATE INDEX immunizations_patient_idx ON immunizations (patient_id, date_given DESC) INCLUDE (deleted_at);
CREATE INDEX immunizations_timeline_idx ON immunizations (patient_id, ((date_given + time '12:00') AT TIME ZONE 'UTC') DESC, id DESC);
DROP INDEX procedures_patient_idx;
CREATE INDEX procedures_patient_idx ON procedures (patient_id, created_at DESC) INCLUDE (deleted_at);
CREATE INDEX procedures_timeline_idx ON procedures
    (patient_id, coalesce((performed_on + time '12:00') AT TIME ZONE 'UTC', created_at) DESC, id DESC);
DROP INDEX clinical_notes_patient_idx;
CREATE INDEX clinical_notes_patient_idx ON clinical_notes (patient_id, created_at DESC, id DESC) INCLUDE (deleted_at, staff_only);
DROP INDEX documents_patient_idx;
CREATE INDEX documents_patient_idx ON documents (patient_id, created_at DESC, id DESC) INCLUDE (deleted_at);
