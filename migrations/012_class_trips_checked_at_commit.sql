-- A batch writes its reschedules in one UPDATE, whose rows PostgreSQL
-- applies in no particular order. When one command moves a class's trip
-- away and a later one moves another of its trips into the freed time,
-- the batch is right in its order of decisions, but the constraint,
-- checked row by row, could see the second move before the first and
-- refuse it: the batch was redone and halved until the two stood apart.
-- Checked at commit, the constraint judges the batch's outcome.
ALTER TABLE bookings DROP CONSTRAINT bookings_class_in_one_place;
ALTER TABLE bookings ADD CONSTRAINT bookings_class_in_one_place
    EXCLUDE USING gist (class_no WITH =, away WITH &&) WHERE (status = 'confirmed')
    DEFERRABLE INITIALLY DEFERRED;
