-- A bus order whose distance cannot be computed waits for staff, as a
-- class waits for a place: in the waitlist table, kind 'review'. When the
-- missing coordinates (or travel time) are added, a worker decides it
-- again; it is confirmed, or rejected for what still stands in the way.
ALTER TABLE waitlist ADD COLUMN kind text NOT NULL DEFAULT 'capacity'
    CHECK (kind IN ('capacity', 'review'));
ALTER TABLE waitlist DROP CONSTRAINT waitlist_status_check;
ALTER TABLE waitlist ADD CONSTRAINT waitlist_status_check
    CHECK (status IN ('waiting', 'promoted', 'expired', 'rejected'));
