-- Billing: invoices and their lines, gapless invoice numbers, and an append-only ledger of payments and refunds.
-- Money is numeric (never floating point), already rounded to the invoice currency's minor unit (0, 2 or 3 decimals)
-- by the service; the database keeps what money depends on: paid never exceeds the total nor goes below zero, a status
-- agrees with what is paid, one source document is billed once, refunds never exceed the payment they reverse, and
-- payments are never edited or deleted.

-- The hospital's billing settings (one row): default tax rates in percent per line kind, and whether dispensing waits
-- for a paid invoice (read by the pharmacy).
CREATE TABLE billing_settings (
    id boolean PRIMARY KEY DEFAULT true CONSTRAINT billing_settings_one_row CHECK (id),
    consultation_tax_rate numeric(7,4) NOT NULL DEFAULT 0,
    medicine_tax_rate numeric(7,4) NOT NULL DEFAULT 0,
    lab_tax_rate numeric(7,4) NOT NULL DEFAULT 0,
    procedure_tax_rate numeric(7,4) NOT NULL DEFAULT 0,
    bed_tax_rate numeric(7,4) NOT NULL DEFAULT 0,
    other_tax_rate numeric(7,4) NOT NULL DEFAULT 0,
    dispensing_requires_paid_invoice boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT billing_settings_rates_check CHECK (
        consultation_tax_rate BETWEEN 0 AND 100 AND medicine_tax_rate BETWEEN 0 AND 100 AND lab_tax_rate BETWEEN 0 AND 100
        AND procedure_tax_rate BETWEEN 0 AND 100 AND bed_tax_rate BETWEEN 0 AND 100 AND other_tax_rate BETWEEN 0 AND 100)
);
INSERT INTO billing_settings DEFAULT VALUES;

CREATE TABLE invoices (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients(id),
    visit_id uuid REFERENCES visits(id),
    admission_id uuid,
    -- INV-2026-000123: assigned at issue, gapless per year (invoice_number_counters); a voided number stays used.
    number text CONSTRAINT invoices_number_key UNIQUE,
    year integer,
    status text NOT NULL CONSTRAINT invoices_status_check CHECK (status IN ('DRAFT','ISSUED','PARTIALLY_PAID','PAID','VOID')),
    currency char(3) NOT NULL,
    discount_kind text CONSTRAINT invoices_discount_kind_check CHECK (discount_kind IN ('PERCENT','AMOUNT')),
    discount_value numeric(14,4) CONSTRAINT invoices_discount_value_check CHECK (discount_value >= 0
        AND (discount_kind <> 'PERCENT' OR discount_value <= 100)),
    subtotal numeric(16,3) NOT NULL DEFAULT 0,
    discount_total numeric(16,3) NOT NULL DEFAULT 0,
    tax_total numeric(16,3) NOT NULL DEFAULT 0,
    total numeric(16,3) NOT NULL DEFAULT 0,
    paid numeric(16,3) NOT NULL DEFAULT 0,
    notes text CONSTRAINT invoices_notes_check CHECK (length(notes) <= 2000),
    void_reason text CONSTRAINT invoices_void_reason_check CHECK (length(void_reason) <= 500),
    issued_at timestamptz,
    issued_by uuid,
    voided_at timestamptz,
    voided_by uuid,
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT invoices_amounts_check CHECK (subtotal >= 0 AND discount_total >= 0 AND tax_total >= 0 AND total >= 0
        AND total = subtotal - discount_total + tax_total),
    CONSTRAINT invoices_paid_not_negative CHECK (paid >= 0),
    CONSTRAINT invoices_paid_within_total CHECK (paid <= total),
    CONSTRAINT invoices_discount_check CHECK ((discount_kind IS NULL) = (discount_value IS NULL)),
    CONSTRAINT invoices_number_check CHECK ((number IS NULL) = (year IS NULL)
        AND (status <> 'DRAFT' OR number IS NULL) AND (status NOT IN ('ISSUED','PARTIALLY_PAID','PAID') OR number IS NOT NULL)),
    CONSTRAINT invoices_status_paid_check CHECK (
        (status IN ('DRAFT','ISSUED','VOID') AND paid = 0)
        OR (status = 'PARTIALLY_PAID' AND paid > 0 AND paid < total)
        OR (status = 'PAID' AND paid = total)),
    CONSTRAINT invoices_void_check CHECK ((status = 'VOID') = (void_reason IS NOT NULL))
);
CREATE INDEX invoices_patient_idx ON invoices (patient_id, created_at DESC);
CREATE INDEX invoices_created_idx ON invoices (created_at DESC, id);
CREATE INDEX invoices_visit_idx ON invoices (visit_id) WHERE visit_id IS NOT NULL;

-- The last number given per year. Issuing takes the next one with an upsert as its last statement, so the row is
-- locked only until that transaction commits, and a rolled-back issue rolls its number back too: no gaps.
CREATE TABLE invoice_number_counters (
    year integer PRIMARY KEY,
    last_number integer NOT NULL CONSTRAINT invoice_number_counters_last_number_check CHECK (last_number > 0)
);

CREATE TABLE invoice_lines (
    id uuid PRIMARY KEY,
    invoice_id uuid NOT NULL REFERENCES invoices(id),
    position integer NOT NULL,
    kind text NOT NULL CONSTRAINT invoice_lines_kind_check CHECK (kind IN ('CONSULTATION','MEDICINE','LAB','PROCEDURE','BED','OTHER')),
    description text NOT NULL CONSTRAINT invoice_lines_description_check CHECK (length(btrim(description)) BETWEEN 1 AND 500),
    -- The document the line bills (a visit's consultation, a dispensing line, a lab order item): billed once.
    source_type text CONSTRAINT invoice_lines_source_type_check CHECK (length(source_type) <= 30),
    source_id uuid,
    quantity numeric(12,3) NOT NULL CONSTRAINT invoice_lines_quantity_check CHECK (quantity > 0),
    unit_price numeric(14,4) NOT NULL CONSTRAINT invoice_lines_unit_price_check CHECK (unit_price >= 0),
    discount_kind text CONSTRAINT invoice_lines_discount_kind_check CHECK (discount_kind IN ('PERCENT','AMOUNT')),
    discount_value numeric(14,4) CONSTRAINT invoice_lines_discount_value_check CHECK (discount_value >= 0
        AND (discount_kind <> 'PERCENT' OR discount_value <= 100)),
    tax_rate numeric(7,4) NOT NULL CONSTRAINT invoice_lines_tax_rate_check CHECK (tax_rate BETWEEN 0 AND 100),
    -- Computed by the service (InvoiceMath), each rounded to the currency's minor unit.
    gross numeric(16,3) NOT NULL,
    line_discount numeric(16,3) NOT NULL,
    invoice_discount numeric(16,3) NOT NULL,
    net numeric(16,3) NOT NULL,
    tax numeric(16,3) NOT NULL,
    total numeric(16,3) NOT NULL,
    -- Set when the invoice is voided: its sources may be billed again.
    invoice_voided boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    created_by uuid,
    CONSTRAINT invoice_lines_source_check CHECK ((source_type IS NULL) = (source_id IS NULL)),
    CONSTRAINT invoice_lines_discount_check CHECK ((discount_kind IS NULL) = (discount_value IS NULL)),
    CONSTRAINT invoice_lines_amounts_check CHECK (gross >= 0 AND line_discount >= 0 AND invoice_discount >= 0 AND net >= 0 AND tax >= 0
        AND net = gross - line_discount - invoice_discount AND total = net + tax)
);
CREATE INDEX invoice_lines_invoice_idx ON invoice_lines (invoice_id, position);
CREATE UNIQUE INDEX invoice_lines_source_key ON invoice_lines (source_type, source_id) WHERE source_id IS NOT NULL AND NOT invoice_voided;

CREATE SEQUENCE payment_receipt_numbers;

-- The ledger: a PAYMENT adds to the invoice's paid amount, a REFUND (negative) reverses part or all of one payment.
CREATE TABLE payments (
    id uuid PRIMARY KEY,
    invoice_id uuid NOT NULL REFERENCES invoices(id),
    kind text NOT NULL CONSTRAINT payments_kind_check CHECK (kind IN ('PAYMENT','REFUND')),
    method text NOT NULL CONSTRAINT payments_method_check CHECK (method IN ('CASH','CARD','UPI','BANK_TRANSFER','INSURANCE')),
    amount numeric(16,3) NOT NULL,
    refunds_payment_id uuid REFERENCES payments(id),
    claim_reference text CONSTRAINT payments_claim_reference_check CHECK (length(btrim(claim_reference)) BETWEEN 1 AND 100),
    reference text CONSTRAINT payments_reference_check CHECK (length(reference) <= 100),
    reason text CONSTRAINT payments_reason_check CHECK (length(reason) <= 500),
    receipt_number text NOT NULL DEFAULT ('RCP-' || lpad(nextval('payment_receipt_numbers')::text, 8, '0'))
        CONSTRAINT payments_receipt_number_key UNIQUE,
    received_at timestamptz NOT NULL,
    received_by uuid,
    CONSTRAINT payments_amount_check CHECK ((kind = 'PAYMENT' AND amount > 0) OR (kind = 'REFUND' AND amount < 0)),
    CONSTRAINT payments_refund_check CHECK ((kind = 'REFUND') = (refunds_payment_id IS NOT NULL) AND (kind <> 'REFUND' OR reason IS NOT NULL)),
    CONSTRAINT payments_insurance_claim_check CHECK (kind <> 'PAYMENT' OR method <> 'INSURANCE' OR claim_reference IS NOT NULL)
);
CREATE INDEX payments_invoice_idx ON payments (invoice_id, received_at, id);
CREATE INDEX payments_refunds_idx ON payments (refunds_payment_id) WHERE refunds_payment_id IS NOT NULL;
CREATE INDEX payments_received_idx ON payments (received_at DESC);

-- A refund reverses a payment of the same invoice, and the refunds of a payment never add up to more than it. The
-- service locks the invoice row first, which serialises every payment and refund of that invoice.
CREATE FUNCTION payments_refund_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    original payments%ROWTYPE;
    refunded numeric;
BEGIN
    IF NEW.kind <> 'REFUND' THEN RETURN NEW; END IF;
    SELECT * INTO original FROM payments WHERE id = NEW.refunds_payment_id;
    IF original.kind <> 'PAYMENT' OR original.invoice_id <> NEW.invoice_id THEN
        RAISE EXCEPTION 'a refund reverses a payment of the same invoice'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payments_refund_of_payment';
    END IF;
    SELECT coalesce(-sum(amount), 0) INTO refunded FROM payments WHERE refunds_payment_id = NEW.refunds_payment_id;
    IF refunded - NEW.amount > original.amount THEN
        RAISE EXCEPTION 'refunds exceed the payment they reverse'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payments_refund_within_payment';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payments_refund_guard BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION payments_refund_guard();

-- Only the demo's freshen (shifting every date forward, flag set for its transaction) may move when an entry was received.
CREATE FUNCTION payments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('carebase.shift_dates', true) = 'on'
        AND (to_jsonb(NEW) - 'received_at') = (to_jsonb(OLD) - 'received_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'payments are append-only: a refund is a new, negative entry' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments FOR EACH ROW EXECUTE FUNCTION payments_append_only();

-- An issued invoice is immutable: its amounts, discount, number and lines stay as issued (only payments, the status
-- they imply and a void change it; a patient merge may still move it to the surviving record).
CREATE FUNCTION invoices_issued_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'DRAFT' AND (NEW.subtotal, NEW.discount_total, NEW.tax_total, NEW.total, NEW.discount_kind, NEW.discount_value,
            NEW.number, NEW.year, NEW.currency, NEW.visit_id)
        IS DISTINCT FROM (OLD.subtotal, OLD.discount_total, OLD.tax_total, OLD.total, OLD.discount_kind, OLD.discount_value,
            OLD.number, OLD.year, OLD.currency, OLD.visit_id) THEN
        RAISE EXCEPTION 'an issued invoice is immutable' USING ERRCODE = 'check_violation', CONSTRAINT = 'invoices_issued_immutable';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoices_issued_immutable BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_issued_immutable();

CREATE FUNCTION invoice_lines_draft_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT status FROM invoices WHERE id = CASE TG_OP WHEN 'INSERT' THEN NEW.invoice_id ELSE OLD.invoice_id END) <> 'DRAFT'
        AND (TG_OP <> 'UPDATE' OR (to_jsonb(NEW) - 'invoice_voided') IS DISTINCT FROM (to_jsonb(OLD) - 'invoice_voided')) THEN
        RAISE EXCEPTION 'the lines of an issued invoice are immutable' USING ERRCODE = 'check_violation', CONSTRAINT = 'invoices_issued_immutable';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER invoice_lines_draft_only BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines FOR EACH ROW EXECUTE FUNCTION invoice_lines_draft_only();
