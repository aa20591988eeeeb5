-- The relay marked every outbox row sent: an UPDATE per event that wrote
-- the row (invitations are 1.7 kB) a second time, with a new index entry,
-- a sixth of the database's time on the benchmark. Events now belong to
-- the worker transaction that wrote them (outbox_batches), and the relay
-- marks the batch sent once the broker has acknowledged all its events.
-- The view outbox keeps the columns operators and tools read, sent_at
-- included.
CREATE TABLE outbox_batches (
    id         bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX outbox_batches_unsent ON outbox_batches (id) WHERE sent_at IS NULL;

ALTER TABLE outbox RENAME TO outbox_events;
ALTER TABLE outbox_events ADD COLUMN batch_id bigint;

-- Rows written before: the sent ones in one batch, the unsent ones in
-- another (published in id order, as before).
DO $$
DECLARE b bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM outbox_events WHERE sent_at IS NOT NULL) THEN
        INSERT INTO outbox_batches (sent_at)
            SELECT max(sent_at) FROM outbox_events RETURNING id INTO b;
        UPDATE outbox_events SET batch_id = b WHERE sent_at IS NOT NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM outbox_events WHERE sent_at IS NULL) THEN
        INSERT INTO outbox_batches DEFAULT VALUES RETURNING id INTO b;
        UPDATE outbox_events SET batch_id = b WHERE sent_at IS NULL;
    END IF;
END $$;

-- No foreign key: the batch and its events are written in one statement,
-- and a check per event would cost what the batches save.
ALTER TABLE outbox_events ALTER COLUMN batch_id SET NOT NULL;
DROP INDEX outbox_unsent;
ALTER TABLE outbox_events DROP COLUMN sent_at;
CREATE INDEX outbox_events_batch ON outbox_events (batch_id, id);

CREATE VIEW outbox AS
    SELECT e.id, e.event_id, e.topic, e.key, e.payload, e.message_type, e.cause, e.source_topic,
           e.source_partition, e.source_offset, e.created_at, b.sent_at, e.batch_id
    FROM outbox_events e JOIN outbox_batches b ON b.id = e.batch_id;
