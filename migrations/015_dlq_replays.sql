-- Who replayed which dead letter, when, and where it went (rumbookctl dlq
-- replay). A letter is named by its place on the dead-letter topic; a
-- second replay of one letter is refused unless forced, and recorded too.
CREATE TABLE dlq_replays (
    id             bigserial PRIMARY KEY,
    dlq_topic      text NOT NULL,
    dlq_partition  int NOT NULL CHECK (dlq_partition >= 0),
    dlq_offset     bigint NOT NULL CHECK (dlq_offset >= 0),
    replayed_at    timestamptz NOT NULL DEFAULT now(),
    replayed_by    text NOT NULL CHECK (replayed_by <> ''),
    forced         boolean NOT NULL DEFAULT false,
    to_topic       text NOT NULL,
    to_partition   int NOT NULL,
    to_offset      bigint NOT NULL
);
CREATE INDEX dlq_replays_letter ON dlq_replays (dlq_topic, dlq_partition, dlq_offset);
