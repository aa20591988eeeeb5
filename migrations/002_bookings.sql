-- Bookings, decisions, the outbox and the consumed offsets: everything a
-- worker writes in its one transaction per batch.

CREATE TABLE bookings (
    id          uuid PRIMARY KEY,
    command_id  uuid NOT NULL UNIQUE,          -- the book command that made it
    session_id  text NOT NULL REFERENCES sessions(id),
    class_id    text NOT NULL REFERENCES classes(id),
    pupils      int NOT NULL CHECK (pupils > 0),
    status      text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    sequence    int NOT NULL DEFAULT 0 CHECK (sequence >= 0),  -- iCalendar SEQUENCE
    note        text NOT NULL DEFAULT '',
    teacher_email text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- A class holds a session once.
CREATE UNIQUE INDEX bookings_one_active_per_class_session
    ON bookings (session_id, class_id) WHERE status = 'confirmed';
CREATE INDEX bookings_class ON bookings (class_id);

-- One row per command ever decided: the idempotency key and the decision.
CREATE TABLE commands (
    command_id  uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('book', 'cancel', 'reschedule', 'invalid')),
    status      text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'rejected', 'cancelled')),
    booking_id  uuid,
    reasons     text NOT NULL DEFAULT '',      -- reason codes, space-separated, for operators
    decision    bytea NOT NULL,                 -- the BookingDecision as published
    decision_event_id uuid NOT NULL,
    source_topic text NOT NULL,
    source_partition int NOT NULL,
    source_offset bigint NOT NULL,
    decided_at  timestamptz NOT NULL DEFAULT now()
);

-- Events waiting for the relay. sent_at is set once the broker acknowledged.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    topic        text NOT NULL,
    key          bytea,
    payload      bytea NOT NULL,
    message_type text NOT NULL,                 -- e.g. rumbook.v1.BookingDecision
    cause        text,                          -- dead letters: why
    source_topic text,
    source_partition int,
    source_offset bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- The next offset to consume per partition, written in the same
-- transaction as the bookings it covers.
CREATE TABLE consumer_offsets (
    group_id    text NOT NULL,
    topic       text NOT NULL,
    partition   int NOT NULL,
    next_offset bigint NOT NULL CHECK (next_offset >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);
