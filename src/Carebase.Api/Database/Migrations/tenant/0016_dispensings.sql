-- Dispensings: the pharmacy hands out an issued prescription's medicines from stock. A dispensing has a line per batch
-- taken (first-expiry-first-out, so one prescription item may take two batches); each line's OUT movement in
-- stock_movements (document_type DISPENSING, document_id = the dispensing) is what lowers the batch's on_hand, and the
-- CHECK on on_hand refuses taking more than is there. Returns bring medicine back to the same batch (a RETURN movement)
-- and never exceed what the line handed out (a CHECK).

CREATE TABLE dispensings (
    id uuid PRIMARY KEY,
    prescription_id uuid NOT NULL REFERENCES prescriptions(id),
    -- The prescription's patient, kept on the row: lists filter by it and a merge of the patient moves it.
    patient_id uuid NOT NULL REFERENCES patients(id),
    dispensed_at timestamptz NOT NULL,
    dispensed_by uuid,
    notes text CONSTRAINT dispensings_notes_check CHECK (length(notes) <= 1000)
);
CREATE INDEX dispensings_prescription_idx ON dispensings (prescription_id, dispensed_at);
CREATE INDEX dispensings_patient_idx ON dispensings (patient_id, dispensed_at DESC);
CREATE INDEX dispensings_dispensed_at_idx ON dispensings (dispensed_at DESC);

CREATE TABLE dispensing_lines (
    id uuid PRIMARY KEY,
    dispensing_id uuid NOT NULL REFERENCES dispensings(id),
    prescription_item_id uuid NOT NULL REFERENCES prescription_items(id),
    batch_id uuid NOT NULL REFERENCES stock_batches(id),
    -- What was handed out; when it is not the prescribed stock item, substituted_from is the one prescribed.
    stock_item_id uuid NOT NULL REFERENCES stock_items(id),
    substituted_from uuid REFERENCES stock_items(id),
    quantity integer NOT NULL CONSTRAINT dispensing_lines_quantity_check CHECK (quantity > 0),
    -- The item's sale price when it was dispensed (what billing charges), exact.
    unit_price numeric(12,2) NOT NULL CONSTRAINT dispensing_lines_unit_price_check CHECK (unit_price >= 0),
    quantity_returned integer NOT NULL DEFAULT 0
        CONSTRAINT dispensing_lines_returned_check CHECK (quantity_returned BETWEEN 0 AND quantity),
    CONSTRAINT dispensing_lines_substitute_check CHECK (substituted_from IS NULL OR substituted_from <> stock_item_id)
);
CREATE INDEX dispensing_lines_dispensing_idx ON dispensing_lines (dispensing_id);
CREATE INDEX dispensing_lines_prescription_item_idx ON dispensing_lines (prescription_item_id);
CREATE INDEX dispensing_lines_batch_idx ON dispensing_lines (batch_id);

CREATE TABLE dispensing_returns (
    id uuid PRIMARY KEY,
    dispensing_id uuid NOT NULL REFERENCES dispensings(id),
    line_id uuid NOT NULL REFERENCES dispensing_lines(id),
    quantity integer NOT NULL CONSTRAINT dispensing_returns_quantity_check CHECK (quantity > 0),
    reason text NOT NULL CONSTRAINT dispensing_returns_reason_check CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    returned_at timestamptz NOT NULL,
    returned_by uuid
);
CREATE INDEX dispensing_returns_dispensing_idx ON dispensing_returns (dispensing_id, returned_at);

-- A prescribed medication of the patient's list points at its prescription item, once: dispensing it again refreshes it.
ALTER TABLE medications ADD CONSTRAINT medications_prescription_item_fk FOREIGN KEY (prescription_item_id) REFERENCES prescription_items(id);
CREATE UNIQUE INDEX medications_prescription_item_key ON medications (prescription_item_id)
    WHERE prescription_item_id IS NOT NULL AND deleted_at IS NULL;
