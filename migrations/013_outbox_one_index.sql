-- One index on the outbox's events instead of two: the relay reads them
-- by (batch_id, id), and that pair is unique wherever id is (ids come from
-- outbox_id_seq). The primary key on id alone cost an index entry for
-- every event written.
ALTER TABLE outbox_events DROP CONSTRAINT outbox_pkey;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_pkey PRIMARY KEY (batch_id, id);
DROP INDEX outbox_events_batch;
