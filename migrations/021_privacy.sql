-- Personal data is kept only as long as needed (docs/operations.md,
-- "Personal data"): teachers' e-mail addresses and names and their notes
-- are erased retention_days after the session (a setting, default 365),
-- and one person's data at once on request (rb_privacy_erase).
ALTER TABLE settings DROP CONSTRAINT settings_key_check;
ALTER TABLE settings ADD CONSTRAINT settings_key_check
    CHECK (key IN ('bus_notice_days', 'bus_min_km', 'bus_min_grade', 'bus_adults',
                   'max_alternatives', 'retention_days'));
INSERT INTO settings VALUES ('retention_days', 365);

CREATE OR REPLACE FUNCTION rb__import_settings(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE k text; i int := 0;
BEGIN
    IF doc -> 'settings' IS NULL THEN RETURN 0; END IF;
    IF jsonb_typeof(doc -> 'settings') <> 'object' THEN PERFORM rb__bad('settings', 'must be an object'); END IF;
    FOR k IN SELECT jsonb_object_keys(doc -> 'settings') LOOP
        IF k NOT IN ('bus_notice_days', 'bus_min_km', 'bus_min_grade', 'bus_adults',
                     'max_alternatives', 'retention_days') THEN
            PERFORM rb__bad('settings.' || k, 'unknown setting');
        END IF;
        INSERT INTO settings VALUES (k, rb__num(doc -> 'settings', 'settings', k, 0, 1000, NULL))
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

-- A class whose teacher's address was erased has none: its bookings are
-- decided as before, with no invitation to send.
ALTER TABLE classes DROP CONSTRAINT classes_teacher_email_check;
ALTER TABLE classes ADD CONSTRAINT classes_teacher_email_check
    CHECK (teacher_email = '' OR teacher_email LIKE '%_@_%');

-- What retention allows no longer: at most lim rows a table a call, so a
-- call stays short; the caller repeats while anything was erased. Sent
-- outbox events (invitations and dead letters carry addresses, names and
-- notes) go when older than the retention; unsent ones wait for the relay.
CREATE FUNCTION rb_privacy_sweep(days int, lim int) RETURNS TABLE (what text, n bigint)
LANGUAGE plpgsql AS $$
DECLARE cutoff timestamptz := now() - make_interval(days => days);
BEGIN
    -- one sweeper at a time: two would wait on each other's rows
    IF NOT pg_try_advisory_xact_lock(7227, 2) THEN RETURN; END IF;
    what := 'bookings';
    WITH e AS (UPDATE bookings SET teacher_email = '', note = '' WHERE id IN (
        SELECT b.id FROM bookings b JOIN sessions s ON s.id = b.session_id
        WHERE s.ends_at < cutoff AND (b.teacher_email <> '' OR b.note <> '') LIMIT lim)
        RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
    what := 'waitlist';
    WITH e AS (UPDATE waitlist SET actor_email = '', actor_name = '', note = '' WHERE id IN (
        SELECT w.id FROM waitlist w JOIN sessions s ON s.id = w.session_id
        WHERE s.ends_at < cutoff AND (w.actor_email <> '' OR w.actor_name <> '' OR w.note <> '')
        LIMIT lim) RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
    -- a command that booked nothing is needed no longer than one that did
    what := 'commands';
    WITH e AS (UPDATE commands SET actor_email = '', actor_name = '' WHERE command_id IN (
        SELECT c.command_id FROM commands c
        LEFT JOIN bookings b ON b.id = c.booking_id LEFT JOIN sessions s ON s.id = b.session_id
        WHERE (c.actor_email <> '' OR c.actor_name <> '')
          AND coalesce(s.ends_at, c.decided_at) < cutoff LIMIT lim) RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
    what := 'deliveries';
    WITH e AS (DELETE FROM deliveries WHERE event_id IN (
        SELECT d.event_id FROM deliveries d JOIN bookings b ON b.id = d.booking_id
        JOIN sessions s ON s.id = b.session_id
        WHERE s.ends_at < cutoff AND d.state <> 'pending' LIMIT lim) RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
    what := 'outbox_events';
    WITH e AS (DELETE FROM outbox_events WHERE id IN (
        SELECT o.id FROM outbox_events o JOIN outbox_batches ob ON ob.id = o.batch_id
        WHERE ob.sent_at IS NOT NULL AND o.created_at < cutoff LIMIT lim) RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
END $$;

-- The right to erasure: every trace of one address (compared without
-- case), and the names and notes that came with it, now. Events that carry
-- it are deleted, sent or not: an erased person gets no more mail.
CREATE FUNCTION rb_privacy_erase(address text) RETURNS TABLE (what text, n bigint)
LANGUAGE plpgsql AS $$
DECLARE a text := lower(btrim(address)); needle bytea := convert_to(lower(btrim(address)), 'UTF8');
BEGIN
    IF a !~ '^[^@[:space:]]+@[^@[:space:]]+$' THEN
        RAISE EXCEPTION 'not an e-mail address: "%"', address USING ERRCODE = '22023';
    END IF;
    what := 'bookings';
    WITH e AS (UPDATE bookings SET teacher_email = '', note = ''
               WHERE lower(teacher_email) = a RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
    what := 'classes';
    WITH e AS (UPDATE classes SET teacher_email = '' WHERE lower(teacher_email) = a RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
    what := 'waitlist';
    WITH e AS (UPDATE waitlist SET actor_email = '', actor_name = '', note = ''
               WHERE lower(actor_email) = a RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
    what := 'commands';
    WITH e AS (UPDATE commands SET actor_email = '', actor_name = ''
               WHERE lower(actor_email) = a RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
    what := 'deliveries';
    WITH e AS (DELETE FROM deliveries WHERE lower(recipient) = a RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
    -- invitations, dead letters: the address is in the bytes (mailto:, recipients)
    what := 'outbox_events';
    WITH e AS (DELETE FROM outbox_events
               WHERE position(needle IN payload) > 0
                  OR position(convert_to(btrim(address), 'UTF8') IN payload) > 0 RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
END $$;
