-- Reading a class's trips around the sessions it asks for. The gist index
-- behind bookings_class_in_one_place answers that too, but at about 9 us a
-- probe (every level compares a union of ranges); a btree on the trip's
-- start answers in about 3 us, and a batch makes a probe per class asked.
-- A trip lies within one school day: the constraint states what the reads
-- rely on (trips starting up to a day before a window can reach into it).
CREATE INDEX bookings_class_trips ON bookings (class_no, lower(away))
    WHERE status = 'confirmed';
ALTER TABLE bookings ADD CONSTRAINT bookings_trip_within_a_day
    CHECK (upper(away) - lower(away) <= interval '1 day');
