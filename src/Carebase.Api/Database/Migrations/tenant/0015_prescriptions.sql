-- Prescriptions: written for a visit (or, later, an admission) by a doctor; DRAFT (editable) -> ISSUED (immutable,
-- coded RX-<year>-<number> from the sequence below) -> PARTIALLY_DISPENSED -> DISPENSED, or CANCELLED with a reason
-- while nothing was dispensed. Items are a stock item or free text. An item's quantity_dispensed never exceeds its
-- quantity (a CHECK): two pharmacists can never dispense the same prescription twice over.

CREATE SEQUENCE prescription_code_seq;

CREATE TABLE prescriptions (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    visit_id uuid REFERENCES visits(id),
    -- Admissions come later; the foreign key is added with them.
    admission_id uuid,
    doctor_id uuid NOT NULL REFERENCES doctors(id),
    status text NOT NULL CONSTRAINT prescriptions_status_check
        CHECK (status IN ('DRAFT','ISSUED','PARTIALLY_DISPENSED','DISPENSED','CANCELLED')),
    code text CONSTRAINT prescriptions_code_key UNIQUE,
    notes text CONSTRAINT prescriptions_notes_check CHECK (length(notes) <= 2000),
    -- The doctor's overrides of allergy and duplicate-therapy conflicts at issue: [{itemIndex, code, detail, reason}].
    overrides jsonb NOT NULL DEFAULT '[]',
    issued_at timestamptz,
    issued_by uuid,
    cancelled_at timestamptz,
    cancelled_by uuid,
    cancel_reason text CONSTRAINT prescriptions_cancel_reason_check CHECK (length(cancel_reason) <= 500),
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT prescriptions_issued_check CHECK (status IN ('DRAFT','CANCELLED') OR (code IS NOT NULL AND issued_at IS NOT NULL)),
    CONSTRAINT prescriptions_cancelled_check CHECK (status <> 'CANCELLED' OR (cancelled_at IS NOT NULL AND length(btrim(cancel_reason)) > 0))
);
CREATE INDEX prescriptions_patient_idx ON prescriptions (patient_id, created_at DESC);
-- The patient's timeline: issued prescriptions newest first (drafts have no issued_at and stay hidden).
CREATE INDEX prescriptions_timeline_idx ON prescriptions (patient_id, issued_at DESC, id DESC);
CREATE INDEX prescriptions_visit_idx ON prescriptions (visit_id) WHERE visit_id IS NOT NULL;
CREATE INDEX prescriptions_doctor_idx ON prescriptions (doctor_id, created_at DESC);
-- The pharmacy's worklist: issued prescriptions waiting to be dispensed, oldest first.
CREATE INDEX prescriptions_to_dispense_idx ON prescriptions (issued_at) WHERE status IN ('ISSUED','PARTIALLY_DISPENSED');

CREATE TABLE prescription_items (
    id uuid PRIMARY KEY,
    prescription_id uuid NOT NULL REFERENCES prescriptions(id),
    position integer NOT NULL CONSTRAINT prescription_items_position_check CHECK (position >= 0),
    -- A medicine of the stock catalog, or free text (medicine only).
    stock_item_id uuid REFERENCES stock_items(id),
    medicine text NOT NULL CONSTRAINT prescription_items_medicine_check CHECK (length(btrim(medicine)) BETWEEN 1 AND 200),
    -- How much per administration: an amount of the item's unit (1 tablet, 5 ml); text for what is not countable.
    dose_amount numeric(10,3) CONSTRAINT prescription_items_dose_amount_check CHECK (dose_amount > 0),
    dose_unit text CONSTRAINT prescription_items_dose_unit_check CHECK (length(dose_unit) <= 30),
    dose text CONSTRAINT prescription_items_dose_check CHECK (length(dose) <= 100),
    -- A frequency code (OD, BID, TID, QID, Q4H, Q6H, Q8H, Q12H, QHS, WEEKLY, PRN, STAT).
    frequency text NOT NULL CONSTRAINT prescription_items_frequency_check CHECK (length(frequency) BETWEEN 1 AND 20),
    route text CONSTRAINT prescription_items_route_check CHECK (length(route) <= 50),
    duration_days integer CONSTRAINT prescription_items_duration_check CHECK (duration_days BETWEEN 1 AND 3650),
    quantity integer NOT NULL CONSTRAINT prescription_items_quantity_check CHECK (quantity BETWEEN 1 AND 100000),
    quantity_dispensed integer NOT NULL DEFAULT 0
        CONSTRAINT prescription_items_dispensed_check CHECK (quantity_dispensed BETWEEN 0 AND quantity),
    instructions text CONSTRAINT prescription_items_instructions_check CHECK (length(instructions) <= 1000),
    CONSTRAINT prescription_items_position_key UNIQUE (prescription_id, position)
);
CREATE INDEX prescription_items_stock_item_idx ON prescription_items (stock_item_id) WHERE stock_item_id IS NOT NULL;
