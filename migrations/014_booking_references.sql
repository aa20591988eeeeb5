-- A booking's session and class checked once a statement, not once a row.
--
-- The two foreign keys from bookings cost 16 us a booking at full speed
-- (rumbook-bench: 3.6 of the round's 16 s of statement time went to
-- inserting bookings, 1.3 s less without them): a trigger per row, and a
-- KEY SHARE lock written into the class's row, with its WAL, for every
-- booking. The promise stays the same, and in the database:
--
--  * every statement that writes bookings ends with one anti-join of its
--    new rows against sessions and classes (bookings_check_references);
--  * a statement that deletes a session or class, or changes its key,
--    takes SHARE on bookings, waiting for every transaction that writes
--    bookings, and is refused if a booking names the row
--    (bookings_keep_deleted, bookings_keep_key).
--
-- The check is a volatile function: under READ COMMITTED each of its
-- queries reads with a fresh snapshot, after any delete that committed.
-- Under stricter isolation the transaction's snapshot may be older than
-- a committed delete, so there it locks the rows as the foreign key did.

ALTER TABLE bookings DROP CONSTRAINT bookings_class_fkey,
                     DROP CONSTRAINT bookings_session_id_fkey;

CREATE FUNCTION bookings_check_references() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM 1 FROM new_bookings n JOIN sessions s ON s.id = n.session_id
            FOR KEY SHARE OF s;
        PERFORM 1 FROM new_bookings n JOIN classes c ON c.id = n.class_id AND c.no = n.class_no
            FOR KEY SHARE OF c;
    END IF;
    -- Two anti-joins, index probes a row; written with OR in one query the
    -- planner hashes all sessions and classes instead (12 ms a statement).
    IF NOT EXISTS (SELECT 1 FROM new_bookings n
                    WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = n.session_id))
       AND NOT EXISTS (SELECT 1 FROM new_bookings n
                        WHERE NOT EXISTS (SELECT 1 FROM classes c
                                           WHERE c.id = n.class_id AND c.no = n.class_no)) THEN
        RETURN NULL;
    END IF;
    SELECT n.id, n.session_id, n.class_id, n.class_no INTO bad FROM new_bookings n
     WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = n.session_id)
        OR NOT EXISTS (SELECT 1 FROM classes c WHERE c.id = n.class_id AND c.no = n.class_no)
     LIMIT 1;
    RAISE EXCEPTION 'booking % names session "%" and class "%" (number %): no such session or class',
        bad.id, bad.session_id, bad.class_id, bad.class_no
        USING ERRCODE = 'foreign_key_violation';
END $$;

CREATE TRIGGER bookings_references_on_insert AFTER INSERT ON bookings
    REFERENCING NEW TABLE AS new_bookings
    FOR EACH STATEMENT EXECUTE FUNCTION bookings_check_references();
CREATE TRIGGER bookings_references_on_update AFTER UPDATE ON bookings
    REFERENCING NEW TABLE AS new_bookings
    FOR EACH STATEMENT EXECUTE FUNCTION bookings_check_references();

-- Deleting sessions or classes: one look at bookings for the statement's
-- rows, after every transaction writing bookings has finished.
CREATE FUNCTION bookings_keep_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    named text;
BEGIN
    LOCK TABLE bookings IN SHARE MODE;
    IF TG_TABLE_NAME = 'sessions' THEN
        SELECT string_agg(DISTINCT b.session_id, ', ') INTO named FROM bookings b
         WHERE b.session_id IN (SELECT id FROM old_rows);
    ELSE
        SELECT string_agg(DISTINCT b.class_id, ', ') INTO named FROM bookings b
         WHERE (b.class_id, b.class_no) IN (SELECT id, no FROM old_rows);
    END IF;
    IF named IS NOT NULL THEN
        RAISE EXCEPTION 'cannot delete %: bookings name %', TG_TABLE_NAME, named
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

-- Changing a session's or class's key (nothing does; an UPDATE naming the
-- key column and changing it): the old key must be unnamed.
CREATE FUNCTION bookings_keep_key() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    named boolean;
BEGIN
    LOCK TABLE bookings IN SHARE MODE;
    IF TG_TABLE_NAME = 'sessions' THEN
        named := EXISTS (SELECT 1 FROM bookings WHERE session_id = OLD.id);
    ELSE
        named := EXISTS (SELECT 1 FROM bookings WHERE class_id = OLD.id AND class_no = OLD.no);
    END IF;
    IF named THEN
        RAISE EXCEPTION 'cannot change the key of % "%": bookings name it', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER sessions_keep_bookings_on_delete AFTER DELETE ON sessions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bookings_keep_deleted();
CREATE TRIGGER classes_keep_bookings_on_delete AFTER DELETE ON classes
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bookings_keep_deleted();
-- Row triggers on the key columns only: the workers' and imports' updates
-- never name them, so they never fire there.
CREATE TRIGGER sessions_keep_bookings_on_rekey AFTER UPDATE OF id ON sessions
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION bookings_keep_key();
CREATE TRIGGER classes_keep_bookings_on_rekey AFTER UPDATE OF id, no ON classes
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.no IS DISTINCT FROM NEW.no)
    EXECUTE FUNCTION bookings_keep_key();
