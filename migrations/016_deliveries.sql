-- The mailer's record of every invitation e-mail: one row per (event,
-- recipient), made when the invitation is consumed (so a redelivered event
-- adds nothing) and holding the rendered message (so a retry sends the very
-- same bytes). pending rows are sent in order of creation, a booking's
-- lower sequence first; temporary failures wait next_attempt_at.
CREATE TABLE deliveries (
    event_id        uuid NOT NULL,
    recipient       text NOT NULL CHECK (recipient <> ''),
    booking_id      uuid NOT NULL,
    uid             text NOT NULL,
    sequence        int NOT NULL CHECK (sequence >= 0),
    method          text NOT NULL CHECK (method IN ('REQUEST', 'CANCEL')),
    message         bytea NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_answer     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    PRIMARY KEY (event_id, recipient)
);
CREATE INDEX deliveries_due ON deliveries (created_at) WHERE state = 'pending';
-- "an earlier message of this booking to this recipient still pending?"
CREATE INDEX deliveries_pending_uid ON deliveries (uid, recipient, sequence)
    WHERE state = 'pending';
