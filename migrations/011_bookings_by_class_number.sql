-- A class's bookings are found by its number (bookings_class_trips, the
-- confirmed ones, which is all the quota count reads); the index on the
-- text id cost every booking an insert and served nothing else. Classes
-- are never deleted, so the foreign key needs no index on this side.
DROP INDEX bookings_class;
