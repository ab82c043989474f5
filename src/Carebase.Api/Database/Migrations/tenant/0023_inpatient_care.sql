-- Inpatient care: the medication administration record (what nurses and doctors gave, or did not give and why, for
-- each prescription item of an admission).
--
-- The record is append-only: a mistaken entry is never changed or deleted; a correction is a new row naming the one it
-- corrects (corrects_id, at most one correction per row: a unique index), and the corrected row is shown as superseded.
-- A row's prescription item belongs to its prescription, and that prescription to the row's admission (composite
-- foreign keys), so an entry can never point at another admission's medicines.

ALTER TABLE prescription_items ADD CONSTRAINT prescription_items_id_prescription_key UNIQUE (id, prescription_id);
ALTER TABLE prescriptions ADD CONSTRAINT prescriptions_id_admission_key UNIQUE (id, admission_id);
CREATE INDEX prescriptions_admission_idx ON prescriptions (admission_id, created_at DESC) WHERE admission_id IS NOT NULL;
CREATE INDEX lab_orders_admission_idx ON lab_orders (admission_id) WHERE admission_id IS NOT NULL;

CREATE TABLE medication_administrations (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    admission_id uuid NOT NULL REFERENCES admissions(id),
    prescription_id uuid NOT NULL,
    prescription_item_id uuid NOT NULL,
    status text NOT NULL CONSTRAINT medication_administrations_status_check
        CHECK (status IN ('GIVEN','NOT_GIVEN','HELD','REFUSED')),
    -- The dose given: an amount of a unit (1 tablet, 5 ml), or text for what is not countable; only when GIVEN.
    dose_amount numeric(10,3) CONSTRAINT medication_administrations_dose_amount_check CHECK (dose_amount > 0),
    dose_unit text CONSTRAINT medication_administrations_dose_unit_check CHECK (length(btrim(dose_unit)) BETWEEN 1 AND 30),
    dose text CONSTRAINT medication_administrations_dose_text_check CHECK (length(btrim(dose)) BETWEEN 1 AND 100),
    route text CONSTRAINT medication_administrations_route_check CHECK (length(route) <= 50),
    administered_at timestamptz NOT NULL,
    reason text CONSTRAINT medication_administrations_reason_check CHECK (length(reason) <= 500),
    notes text CONSTRAINT medication_administrations_notes_check CHECK (length(notes) <= 1000),
    corrects_id uuid REFERENCES medication_administrations(id),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid,
    CONSTRAINT medication_administrations_item_fkey FOREIGN KEY (prescription_item_id, prescription_id)
        REFERENCES prescription_items (id, prescription_id),
    CONSTRAINT medication_administrations_prescription_fkey FOREIGN KEY (prescription_id, admission_id)
        REFERENCES prescriptions (id, admission_id),
    CONSTRAINT medication_administrations_dose_check CHECK (
        (status = 'GIVEN' AND (dose_amount IS NOT NULL OR dose IS NOT NULL) AND (dose_amount IS NULL OR dose_unit IS NOT NULL))
        OR (status <> 'GIVEN' AND dose_amount IS NULL AND dose_unit IS NULL AND dose IS NULL AND length(btrim(reason)) > 0)),
    CONSTRAINT medication_administrations_not_self CHECK (corrects_id <> id)
);
CREATE UNIQUE INDEX medication_administrations_one_correction ON medication_administrations (corrects_id) WHERE corrects_id IS NOT NULL;
CREATE INDEX medication_administrations_admission_idx ON medication_administrations (admission_id, administered_at DESC, id DESC);
CREATE INDEX medication_administrations_item_idx ON medication_administrations (prescription_item_id, administered_at DESC, id DESC);
-- The patient's timeline reads the record newest first from here.
CREATE INDEX medication_administrations_patient_idx ON medication_administrations (patient_id, administered_at DESC, id DESC);

CREATE FUNCTION medication_administrations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('carebase.patient_merge', true) = OLD.patient_id::text || '>' || NEW.patient_id::text
        AND (to_jsonb(NEW) - 'patient_id') = (to_jsonb(OLD) - 'patient_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'medication administrations are append-only (correct with a new entry): % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER medication_administrations_append_only BEFORE UPDATE OR DELETE ON medication_administrations
    FOR EACH ROW EXECUTE FUNCTION medication_administrations_append_only();
CREATE TRIGGER medication_administrations_no_truncate BEFORE TRUNCATE ON medication_administrations
    FOR EACH STATEMENT EXECUTE FUNCTION medication_administrations_append_only();

-- A clinical note may be written for an admission (ward rounds, nursing notes), as it may for a visit.
ALTER TABLE clinical_notes ADD COLUMN admission_id uuid REFERENCES admissions(id);
CREATE INDEX clinical_notes_admission_idx ON clinical_notes (admission_id, created_at DESC) WHERE admission_id IS NOT NULL;
