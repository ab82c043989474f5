-- Pharmacy stock: the catalog of stock items, their batches and the ledger of every change of quantity.
-- A batch's on_hand is never written directly: it is the running sum of its stock_movements, kept by the trigger
-- below in the same statement that appends the movement, and the CHECK on on_hand refuses a movement that would take
-- it below zero (whatever wrote it: the API, a job or raw SQL). Movements are append-only.

CREATE TABLE stock_items (
    id uuid PRIMARY KEY,
    kind text NOT NULL CONSTRAINT stock_items_kind_check CHECK (kind IN ('MEDICINE','EQUIPMENT','CONSUMABLE')),
    name citext NOT NULL CONSTRAINT stock_items_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- Medicines: the generic (non-proprietary) name, the brand, form, strength and route; active ingredients and the
    -- drug class are what the allergy and duplicate-therapy checks match against.
    generic_name text CONSTRAINT stock_items_generic_name_check CHECK (length(generic_name) <= 200),
    brand_name text CONSTRAINT stock_items_brand_name_check CHECK (length(brand_name) <= 200),
    form text CONSTRAINT stock_items_form_check CHECK (length(form) <= 50),
    strength text CONSTRAINT stock_items_strength_check CHECK (length(strength) <= 100),
    route text CONSTRAINT stock_items_route_check CHECK (length(route) <= 50),
    active_ingredients text[] NOT NULL DEFAULT '{}',
    drug_class text CONSTRAINT stock_items_drug_class_check CHECK (length(drug_class) <= 100),
    unit text NOT NULL CONSTRAINT stock_items_unit_check CHECK (length(btrim(unit)) BETWEEN 1 AND 30),
    reorder_level integer NOT NULL DEFAULT 0 CONSTRAINT stock_items_reorder_level_check CHECK (reorder_level >= 0),
    sale_price numeric(12,2) NOT NULL CONSTRAINT stock_items_sale_price_check CHECK (sale_price >= 0),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    created_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT stock_items_name_key UNIQUE (name),
    CONSTRAINT stock_items_medicine_check CHECK (kind <> 'MEDICINE' OR generic_name IS NOT NULL)
);
CREATE INDEX stock_items_name_trgm_idx ON stock_items USING gin ((name::text) gin_trgm_ops);

CREATE TABLE stock_batches (
    id uuid PRIMARY KEY,
    stock_item_id uuid NOT NULL REFERENCES stock_items(id),
    batch_number text NOT NULL CONSTRAINT stock_batches_batch_number_check CHECK (length(btrim(batch_number)) BETWEEN 1 AND 50),
    expiry_date date,
    quantity_received integer NOT NULL CONSTRAINT stock_batches_quantity_received_check CHECK (quantity_received > 0),
    on_hand integer NOT NULL DEFAULT 0 CONSTRAINT stock_batches_on_hand_check CHECK (on_hand >= 0),
    unit_cost numeric(12,4) NOT NULL CONSTRAINT stock_batches_unit_cost_check CHECK (unit_cost >= 0),
    supplier text CONSTRAINT stock_batches_supplier_check CHECK (length(supplier) <= 200),
    status text NOT NULL DEFAULT 'ACTIVE' CONSTRAINT stock_batches_status_check CHECK (status IN ('ACTIVE','EXPIRED')),
    received_at timestamptz NOT NULL,
    received_by uuid,
    updated_at timestamptz NOT NULL,
    updated_by uuid,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT stock_batches_number_key UNIQUE (stock_item_id, batch_number)
);
-- First-expiry-first-out: the batches an item can still be taken from, earliest expiry first.
CREATE INDEX stock_batches_fefo_idx ON stock_batches (stock_item_id, expiry_date NULLS LAST, received_at)
    WHERE status = 'ACTIVE' AND on_hand > 0;
-- The expiry job's scan: active batches by expiry date.
CREATE INDEX stock_batches_expiry_idx ON stock_batches (expiry_date) WHERE status = 'ACTIVE';

CREATE TABLE stock_movements (
    id uuid PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    batch_id uuid NOT NULL REFERENCES stock_batches(id),
    stock_item_id uuid NOT NULL REFERENCES stock_items(id),
    kind text NOT NULL CONSTRAINT stock_movements_kind_check CHECK (kind IN ('IN','OUT','ADJUSTMENT','EXPIRED','RETURN')),
    -- Signed: what the movement adds to the batch's on_hand.
    quantity integer NOT NULL CONSTRAINT stock_movements_quantity_check CHECK (
        quantity <> 0
        AND (kind NOT IN ('IN','RETURN') OR quantity > 0)
        AND (kind NOT IN ('OUT','EXPIRED') OR quantity < 0)),
    reason text CONSTRAINT stock_movements_reason_check CHECK (length(reason) <= 500),
    -- The document the movement belongs to (a dispensing, a return, a batch receipt), for tracing and reports.
    document_type text CONSTRAINT stock_movements_document_type_check CHECK (length(document_type) <= 30),
    document_id uuid,
    occurred_at timestamptz NOT NULL,
    recorded_by uuid,
    CONSTRAINT stock_movements_adjustment_reason_check CHECK (kind <> 'ADJUSTMENT' OR length(btrim(reason)) > 0)
);
CREATE INDEX stock_movements_batch_idx ON stock_movements (batch_id, seq);
CREATE INDEX stock_movements_item_idx ON stock_movements (stock_item_id, occurred_at DESC);
CREATE INDEX stock_movements_occurred_idx ON stock_movements (occurred_at DESC);
CREATE INDEX stock_movements_document_idx ON stock_movements (document_id) WHERE document_id IS NOT NULL;

-- on_hand follows the ledger: each appended movement adds its quantity to its batch in the same statement (so the
-- batch row is locked by whoever moves stock, and the CHECK above refuses going below zero).
CREATE FUNCTION stock_movements_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stock_batches SET on_hand = on_hand + NEW.quantity WHERE id = NEW.batch_id;
    RETURN NEW;
END $$;
CREATE TRIGGER stock_movements_apply AFTER INSERT ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION stock_movements_apply();

CREATE FUNCTION stock_movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock movements are append-only' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION stock_movements_append_only();

-- on_hand changes only through a movement: a direct UPDATE of on_hand outside the trigger is refused.
CREATE FUNCTION stock_batches_on_hand_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.on_hand IS DISTINCT FROM OLD.on_hand AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'a batch''s on_hand changes only through stock_movements' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER stock_batches_on_hand_guard BEFORE UPDATE OF on_hand ON stock_batches
    FOR EACH ROW EXECUTE FUNCTION stock_batches_on_hand_guard();
CREATE FUNCTION stock_batches_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.on_hand <> 0 THEN
        RAISE EXCEPTION 'a batch starts empty; receiving it is an IN movement' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER stock_batches_insert_guard BEFORE INSERT ON stock_batches
    FOR EACH ROW EXECUTE FUNCTION stock_batches_insert_guard();
