-- New commands (docs/integration.md): a teacher changes a booking in place
-- (change); a class gives up its waiting place (withdraw); staff settle a
-- bus order waiting for review (approve, refuse). The entry's new end:
-- withdrawn.
ALTER TABLE commands DROP CONSTRAINT commands_kind_check;
ALTER TABLE commands ADD CONSTRAINT commands_kind_check
    CHECK (kind IN ('book', 'cancel', 'reschedule', 'change', 'withdraw', 'approve', 'refuse',
                    'invalid'));
ALTER TABLE waitlist DROP CONSTRAINT waitlist_status_check;
ALTER TABLE waitlist ADD CONSTRAINT waitlist_status_check
    CHECK (status IN ('waiting', 'promoted', 'expired', 'rejected', 'withdrawn'));
