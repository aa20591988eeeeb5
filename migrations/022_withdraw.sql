-- A class gives up its waiting place: the withdraw command (a new kind)
-- and the entry's new end (docs/integration.md).
ALTER TABLE commands DROP CONSTRAINT commands_kind_check;
ALTER TABLE commands ADD CONSTRAINT commands_kind_check
    CHECK (kind IN ('book', 'cancel', 'reschedule', 'withdraw', 'invalid'));
ALTER TABLE waitlist DROP CONSTRAINT waitlist_status_check;
ALTER TABLE waitlist ADD CONSTRAINT waitlist_status_check
    CHECK (status IN ('waiting', 'promoted', 'expired', 'rejected', 'withdrawn'));
