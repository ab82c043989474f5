-- Amendments: a patient (or staff on their behalf) asks for a correction of an item of the record; staff with history
-- write permission accept it (the correction is appended as a clinical note linked to the request; the original stays)
-- or refuse it with a reason.
CREATE TABLE amendments (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    target_type text NOT NULL CONSTRAINT amendments_target_type_check
        CHECK (target_type IN ('VISIT','VITALS','DIAGNOSIS','ALLERGY','CONDITION','MEDICATION','IMMUNIZATION','PROCEDURE','NOTE','DOCUMENT')),
    target_id uuid NOT NULL,
    text text NOT NULL CONSTRAINT amendments_text_check CHECK (length(btrim(text)) BETWEEN 1 AND 4000),
    status text NOT NULL CONSTRAINT amendments_status_check CHECK (status IN ('REQUESTED','ACCEPTED','REFUSED')),
    requested_at timestamptz NOT NULL,
    requested_by uuid,
    decided_at timestamptz,
    decided_by uuid,
    refusal_reason text,
    correction_note_id uuid REFERENCES clinical_notes(id),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT amendments_decision_check CHECK ((status = 'REQUESTED') = (decided_at IS NULL)),
    CONSTRAINT amendments_refusal_check CHECK ((status = 'REFUSED') = (refusal_reason IS NOT NULL)),
    CONSTRAINT amendments_accepted_check CHECK ((status = 'ACCEPTED') = (correction_note_id IS NOT NULL))
);
CREATE INDEX amendments_patient_idx ON amendments (patient_id, requested_at DESC);
CREATE INDEX amendments_target_idx ON amendments (target_type, target_id);
