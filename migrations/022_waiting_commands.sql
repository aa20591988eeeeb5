-- Commands about a waiting entry (docs/integration.md): a class gives up
-- its place (withdraw); staff settle a bus order waiting for review
-- (approve, refuse). The entry's new end: withdrawn.
ALTER TABLE commands DROP CONSTRAINT commands_kind_check;
ALTER TABLE commands ADD CONSTRAINT commands_kind_check
    CHECK (kind IN ('book', 'cancel', 'reschedule', 'withdraw', 'approve', 'refuse', 'invalid'));
ALTER TABLE waitlist DROP CONSTRAINT waitlist_status_check;
ALTER TABLE waitlist ADD CONSTRAINT waitlist_status_check
    CHECK (status IN ('waiting', 'promoted', 'expired', 'rejected', 'withdrawn'));
