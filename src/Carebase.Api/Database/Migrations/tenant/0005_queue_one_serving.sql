-- A doctor sees one patient at a time, and every change of the queue is announced by the database itself.

-- Until now POST /queue/next could leave a doctor with several patients SERVING. The doctor had moved on from
-- each of them when the next one was called, so all but the last one called on a day are closed as SERVED at
-- that moment, each with its audit entry.
WITH moved_on AS (
    SELECT id, lead(called_at) OVER (PARTITION BY doctor_id, local_date ORDER BY called_at, number) AS at
    FROM queue_tokens WHERE status = 'SERVING'
), closed AS (
    UPDATE queue_tokens t SET status = 'SERVED', served_at = m.at, updated_at = m.at
    FROM moved_on m WHERE t.id = m.id AND m.at IS NOT NULL
    RETURNING t.id, t.doctor_id, t.number, m.at
)
INSERT INTO audit_log (id, occurred_at, tenant_id, action, resource_type, resource_id, changes, outcome)
SELECT gen_random_uuid(), now(), (SELECT id FROM platform.tenants WHERE schema_name = current_schema()), 'QUEUE_SERVED',
    'QUEUE_TOKEN', c.id::text,
    jsonb_build_object('from', 'SERVING', 'to', 'SERVED', 'doctorId', c.doctor_id, 'number', c.number, 'servedAt', c.at,
        'reason', 'Closed by migration 0005: the next patient had been called'),
    'SUCCESS'
FROM closed c ORDER BY c.at, c.id;

-- The rule itself: at most one SERVING token per doctor and day. POST /queue/next checks first and answers 409;
-- this index is what makes two racing calls unable to both succeed.
CREATE UNIQUE INDEX queue_tokens_one_serving ON queue_tokens (doctor_id, local_date) WHERE status = 'SERVING';

-- Every new token and every change of a token's status is announced on 'carebase_queue' (the payload of
-- QueueChange) by the statement that makes it: PostgreSQL delivers it when, and only if, that transaction
-- commits. Whoever moves a token (the queue, an appointment step, a visit) cannot forget it, and it costs no
-- round trip of its own.
CREATE FUNCTION queue_tokens_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('carebase_queue', json_build_object(
        'tenantId', (SELECT id FROM platform.tenants WHERE schema_name = TG_TABLE_SCHEMA),
        'doctorId', NEW.doctor_id,
        'date', NEW.local_date,
        'tokenId', NEW.id,
        'event', CASE
            WHEN TG_OP = 'INSERT' THEN CASE WHEN NEW.appointment_id IS NULL THEN 'walked_in' ELSE 'checked_in' END
            WHEN NEW.status = 'SERVING' THEN 'called'
            WHEN NEW.status = 'SERVED' THEN 'served'
            WHEN NEW.status = 'SKIPPED' THEN 'skipped'
            WHEN NEW.status = 'WAITING' THEN 'recalled'
            ELSE 'left'
        END)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER queue_tokens_notify_insert AFTER INSERT ON queue_tokens
    FOR EACH ROW EXECUTE FUNCTION queue_tokens_notify();
CREATE TRIGGER queue_tokens_notify_update AFTER UPDATE OF status ON queue_tokens
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION queue_tokens_notify();
