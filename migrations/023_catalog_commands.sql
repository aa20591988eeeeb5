-- Catalogue commands over Kafka (docs/catalog.md, "Catalogue commands"):
-- every catalogue row carries a version that editors name when they change
-- it; a provider can cancel or move a session; one function a command
-- applies it with its checks, raising a stable SQLSTATE the worker turns
-- into a reason code:
--
--   RB001 stale_version          RB005 in_use
--   RB002 unknown_entity         RB006 session_booked
--   RB003 not_authorized         RB007 session_cancelled
--   RB004 capacity_below_booked  RB008 session_started
--   22023 invalid_field (the message starts with the field's path)

ALTER TABLE providers ADD COLUMN version int NOT NULL DEFAULT 1;
ALTER TABLE venues ADD COLUMN version int NOT NULL DEFAULT 1;
ALTER TABLE resources ADD COLUMN version int NOT NULL DEFAULT 1;
ALTER TABLE offerings ADD COLUMN version int NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN version int NOT NULL DEFAULT 1;
ALTER TABLE schools ADD COLUMN version int NOT NULL DEFAULT 1;
ALTER TABLE classes ADD COLUMN version int NOT NULL DEFAULT 1;
ALTER TABLE buses ADD COLUMN version int NOT NULL DEFAULT 1;
ALTER TABLE quotas ADD COLUMN version int NOT NULL DEFAULT 1;

-- A cancelled session stays (its bookings name it), takes no bookings and
-- is offered as no alternative. A moved one was placed by its provider
-- off the offering's schedule: the schedule and duration rules pass it.
ALTER TABLE sessions ADD COLUMN cancelled_at timestamptz,
                     ADD COLUMN cancel_message text NOT NULL DEFAULT '',
                     ADD COLUMN moved boolean NOT NULL DEFAULT false;

-- Any change of a row makes a new version, whoever makes it (an import, a
-- command, an erasure).
CREATE FUNCTION rb__next_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $$;

CREATE TRIGGER providers_version BEFORE UPDATE ON providers FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION rb__next_version();
CREATE TRIGGER venues_version BEFORE UPDATE ON venues FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION rb__next_version();
CREATE TRIGGER resources_version BEFORE UPDATE ON resources FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION rb__next_version();
CREATE TRIGGER offerings_version BEFORE UPDATE ON offerings FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION rb__next_version();
CREATE TRIGGER schools_version BEFORE UPDATE ON schools FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION rb__next_version();
CREATE TRIGGER classes_version BEFORE UPDATE ON classes FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION rb__next_version();
CREATE TRIGGER buses_version BEFORE UPDATE ON buses FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION rb__next_version();
CREATE TRIGGER quotas_version BEFORE UPDATE ON quotas FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION rb__next_version();
-- Sessions: not on the booking counters, which every batch writes.
CREATE TRIGGER sessions_version
    BEFORE UPDATE OF offering_id, starts_at, ends_at, pupil_capacity, class_capacity, cancelled_at
    ON sessions FOR EACH ROW
    WHEN ((OLD.offering_id, OLD.starts_at, OLD.ends_at, OLD.pupil_capacity, OLD.class_capacity,
           OLD.cancelled_at) IS DISTINCT FROM
          (NEW.offering_id, NEW.starts_at, NEW.ends_at, NEW.pupil_capacity, NEW.class_capacity,
           NEW.cancelled_at))
    EXECUTE FUNCTION rb__next_version();

ALTER TABLE commands DROP CONSTRAINT commands_kind_check;
ALTER TABLE commands ADD CONSTRAINT commands_kind_check
    CHECK (kind IN ('book', 'cancel', 'reschedule', 'change', 'withdraw', 'approve', 'refuse',
                    'upsert', 'retire', 'cancel_session', 'move_session', 'invalid'));
ALTER TABLE commands DROP CONSTRAINT commands_status_check;
ALTER TABLE commands ADD CONSTRAINT commands_status_check
    CHECK (status IN ('confirmed', 'waitlisted', 'rejected', 'cancelled', 'pending_review',
                      'applied', 'refused'));

CREATE FUNCTION rb__refuse(code text, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
END $$;

-- The table of an entity kind, and its section in a catalogue document.
CREATE FUNCTION rb__catalog_table(kind text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE tbl text := CASE kind WHEN 'provider' THEN 'providers' WHEN 'venue' THEN 'venues'
    WHEN 'resource' THEN 'resources' WHEN 'offering' THEN 'offerings'
    WHEN 'session' THEN 'sessions' WHEN 'school' THEN 'schools' WHEN 'class' THEN 'classes'
    WHEN 'bus' THEN 'buses' WHEN 'quota' THEN 'quotas' END;
BEGIN
    IF tbl IS NULL THEN
        PERFORM rb__bad('kind', format('"%s" is no entity kind (provider, venue, resource, '
                                       'offering, session, school, class, bus, quota)', kind));
    END IF;
    RETURN tbl;
END $$;

-- The section of a catalogue document an entity of kind goes in.
CREATE FUNCTION rb__catalog_section(kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT rb__catalog_table(kind) $$;

-- The id of the entity in a command's JSON.
CREATE FUNCTION rb__entity_id(kind text, doc jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
        PERFORM rb__bad('entity', 'must be a JSON object');
    END IF;
    RETURN rb__text(doc, 'entity', 'id');
END $$;

-- The provider an entity belongs to: its own id, its provider, or (a
-- session) its offering's. NULL for the kinds that belong to none.
CREATE FUNCTION rb__catalog_provider(kind text, id text, provider text, offering text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE kind WHEN 'provider' THEN id
        WHEN 'venue' THEN provider WHEN 'resource' THEN provider WHEN 'offering' THEN provider
        WHEN 'session' THEN (SELECT o.provider_id FROM offerings o WHERE o.id = offering) END
$$;

-- Municipality staff edit the whole catalogue; provider staff their
-- provider's venues, resources, offerings and sessions (before and after
-- the change). Everyone else: nothing.
CREATE FUNCTION rb__catalog_may(role text, org text, kind text, owners text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE o text;
BEGIN
    IF role = 'municipality_admin' THEN RETURN; END IF;
    IF role <> 'provider_staff' THEN
        PERFORM rb__refuse('RB003', format('a %s may not change the catalogue',
                                           coalesce(nullif(role, ''), 'actor without a role')));
    END IF;
    IF kind NOT IN ('provider', 'venue', 'resource', 'offering', 'session') THEN
        PERFORM rb__refuse('RB003', format('provider staff may not change a %s', kind));
    END IF;
    FOREACH o IN ARRAY owners LOOP
        IF o IS NOT NULL AND o <> org THEN -- NULL: a reference the import refuses
            PERFORM rb__refuse('RB003', format('the %s belongs to provider "%s", not to "%s"',
                                               kind, coalesce(o, '(none)'), org));
        END IF;
    END LOOP;
END $$;

-- Locks the entity's row and checks the version the command names: 0 (or
-- NULL) for one that does not exist yet. Returns the current version, or
-- NULL when there is no such entity.
CREATE FUNCTION rb__catalog_lock(tbl text, kind text, eid text, expected int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE cur int;
BEGIN
    EXECUTE format('SELECT version FROM %I WHERE id = $1 FOR UPDATE', tbl) INTO cur USING eid;
    IF cur IS NULL AND coalesce(expected, 0) <> 0 THEN
        PERFORM rb__refuse('RB002', format('there is no %s "%s"', kind, eid));
    END IF;
    IF cur IS NOT NULL AND coalesce(expected, 0) <> cur THEN
        PERFORM rb__refuse('RB001', format('%s "%s" is at version %s, not %s: read it again',
                                           kind, eid, cur, coalesce(expected, 0)));
    END IF;
    RETURN cur;
END $$;

-- Creates or updates one entity: doc is one element of its catalogue
-- section, validated by the import's own functions. Returns the new version.
CREATE FUNCTION rb_catalog_upsert(kind text, doc jsonb, expected int, role text, org text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE tbl text := rb__catalog_table(kind); eid text; cur int; now_v int;
        owners text[] := '{}'; old_owner text;
BEGIN
    eid := rb__entity_id(kind, doc);
    cur := rb__catalog_lock(tbl, kind, eid, expected);
    IF cur IS NOT NULL AND kind IN ('venue', 'resource', 'offering') THEN
        EXECUTE format('SELECT provider_id FROM %I WHERE id = $1', tbl) INTO old_owner USING eid;
        owners := owners || old_owner;
    ELSIF cur IS NOT NULL AND kind = 'session' THEN
        SELECT o.provider_id INTO old_owner FROM sessions s JOIN offerings o ON o.id = s.offering_id
         WHERE s.id = eid;
        owners := owners || old_owner;
    END IF;
    owners := owners || rb__catalog_provider(kind, eid, doc ->> 'provider', doc ->> 'offering');
    PERFORM rb__catalog_may(role, org, kind, owners);
    PERFORM rb_catalog_import(jsonb_build_object(rb__catalog_section(kind), jsonb_build_array(doc)));
    IF cur IS NULL THEN
        RETURN 1;
    END IF;
    EXECUTE format('SELECT version FROM %I WHERE id = $1', tbl) INTO now_v USING eid;
    IF now_v = cur THEN -- the row is as it was (a session's resources may have changed)
        EXECUTE format('UPDATE %I SET version = $2 WHERE id = $1', tbl) USING eid, cur + 1;
    END IF;
    RETURN cur + 1;
END $$;

-- Deletes one entity that nothing names any more (a session with bookings,
-- even cancelled ones, stays: cancel it instead).
CREATE FUNCTION rb_catalog_retire(kind text, eid text, expected int, role text, org text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE tbl text := rb__catalog_table(kind); cur int; owner text;
BEGIN
    IF coalesce(expected, 0) = 0 THEN
        PERFORM rb__refuse('RB001', format('name the version of %s "%s" to retire', kind, eid));
    END IF;
    cur := rb__catalog_lock(tbl, kind, eid, expected);
    IF kind IN ('venue', 'resource', 'offering') THEN
        EXECUTE format('SELECT provider_id FROM %I WHERE id = $1', tbl) INTO owner USING eid;
    ELSIF kind = 'session' THEN
        SELECT o.provider_id INTO owner FROM sessions s JOIN offerings o ON o.id = s.offering_id
         WHERE s.id = eid;
    ELSIF kind = 'provider' THEN
        owner := eid;
    END IF;
    PERFORM rb__catalog_may(role, org, kind, ARRAY[owner]);
    BEGIN
        IF kind = 'session' THEN
            DELETE FROM session_resources WHERE session_id = eid;
        ELSIF kind = 'school' THEN
            DELETE FROM school_hours WHERE school_id = eid;
        END IF;
        EXECUTE format('DELETE FROM %I WHERE id = $1', tbl) USING eid;
    EXCEPTION WHEN foreign_key_violation THEN
        PERFORM rb__refuse('RB005', format('%s "%s" is still named by %s: retire those first',
            kind, eid, coalesce(substring(SQLERRM FROM 'on table "([^"]+)"$'),
                                CASE WHEN SQLERRM LIKE '%bookings name%' THEN 'bookings' END, 'other rows')));
    END;
    RETURN cur;
END $$;

-- Locks a session for cancel_session and move_session and checks it may be.
CREATE FUNCTION rb__session_for_change(sid text, expected int, role text, org text)
RETURNS sessions LANGUAGE plpgsql AS $$
DECLARE s sessions; owner text;
BEGIN
    SELECT * INTO s FROM sessions WHERE id = sid FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM rb__refuse('RB002', format('there is no session "%s"', sid));
    END IF;
    IF coalesce(expected, 0) <> 0 AND expected <> s.version THEN
        PERFORM rb__refuse('RB001', format('session "%s" is at version %s, not %s: read it again',
                                           sid, s.version, expected));
    END IF;
    SELECT provider_id INTO owner FROM offerings WHERE id = s.offering_id;
    PERFORM rb__catalog_may(role, org, 'session', ARRAY[owner]);
    IF s.cancelled_at IS NOT NULL THEN
        PERFORM rb__refuse('RB007', format('session "%s" was cancelled', sid));
    END IF;
    IF s.starts_at <= now() THEN
        PERFORM rb__refuse('RB008', format('session "%s" has started or is over', sid));
    END IF;
    RETURN s;
END $$;

-- Cancels a session; the worker cancels its bookings and settles its
-- waiting list in the same transaction. Returns the new version.
CREATE FUNCTION rb_session_cancel(sid text, expected int, message text, role text, org text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE s sessions := rb__session_for_change(sid, expected, role, org); v int;
BEGIN
    UPDATE sessions SET cancelled_at = now(), cancel_message = coalesce(message, '')
     WHERE id = sid RETURNING version INTO v;
    RETURN v;
END $$;

-- Moves a session to a new start (and end: by default the same length);
-- the worker decides each booking again at the new time.
CREATE FUNCTION rb_session_move(sid text, expected int, starts_at timestamptz,
                                ends_at timestamptz, role text, org text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE s sessions := rb__session_for_change(sid, expected, role, org); t1 timestamptz; v int;
BEGIN
    IF starts_at IS NULL THEN
        PERFORM rb__bad('starts_at', 'is required');
    END IF;
    IF starts_at <= now() THEN
        PERFORM rb__bad('starts_at', 'must be in the future');
    END IF;
    t1 := coalesce(ends_at, starts_at + (s.ends_at - s.starts_at));
    IF t1 <= starts_at THEN
        PERFORM rb__bad('ends_at', 'must be after starts_at');
    END IF;
    IF (starts_at, t1) = (s.starts_at, s.ends_at) THEN
        PERFORM rb__bad('starts_at', 'the session already takes place then');
    END IF;
    UPDATE sessions SET starts_at = rb_session_move.starts_at, ends_at = t1, moved = true
     WHERE id = sid RETURNING version INTO v;
    -- The waiting classes wait for the new time, until its notice period.
    UPDATE waitlist SET expires_at = expires_at + (rb_session_move.starts_at - s.starts_at)
     WHERE session_id = sid AND status = 'waiting';
    RETURN v;
END $$;

-- The import's sessions, with what a booked session must keep: its
-- capacity at least what is booked (capacity_below_booked), its times
-- (moving it is move_session's, which decides its bookings again), and a
-- cancelled one stays cancelled.
CREATE OR REPLACE FUNCTION rb__import_sessions(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text; sid text; t0 timestamptz; t1 timestamptz;
        pc int; cc int; old record;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'sessions') LOOP
        p := format('sessions[%s]', i);
        sid := rb__text(e, p, 'id');
        t0 := rb__timestamptz(e, p, 'starts_at');
        t1 := rb__timestamptz(e, p, 'ends_at');
        IF t1 <= t0 THEN PERFORM rb__bad(p || '.ends_at', 'must be after starts_at'); END IF;
        pc := rb__int(e, p, 'pupil_capacity', 0, 100000);
        cc := rb__int(e, p, 'class_capacity', 0, 100000);
        SELECT pupils_booked, classes_booked, starts_at, ends_at, cancelled_at INTO old
          FROM sessions WHERE id = sid;
        IF FOUND AND old.cancelled_at IS NOT NULL THEN
            PERFORM rb__refuse('RB007', format('%s: session "%s" was cancelled', p, sid));
        END IF;
        IF FOUND AND pc < old.pupils_booked THEN
            PERFORM rb__refuse('RB004', format('%s.pupil_capacity: %s is below the %s pupils already booked',
                                               p, pc, old.pupils_booked));
        END IF;
        IF FOUND AND cc < old.classes_booked THEN
            PERFORM rb__refuse('RB004', format('%s.class_capacity: %s is below the %s classes already booked',
                                               p, cc, old.classes_booked));
        END IF;
        IF FOUND AND old.classes_booked > 0 AND (t0, t1) <> (old.starts_at, old.ends_at) THEN
            PERFORM rb__refuse('RB006', format('%s.starts_at: session "%s" has %s booked classes: move it with move_session',
                                               p, sid, old.classes_booked));
        END IF;
        INSERT INTO sessions (id, offering_id, starts_at, ends_at, pupil_capacity, class_capacity)
        VALUES (sid, rb__ref('offerings', rb__text(e, p, 'offering'), p || '.offering', 'offering'),
                t0, t1, pc, cc)
        ON CONFLICT (id) DO UPDATE SET offering_id = EXCLUDED.offering_id,
            starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
            pupil_capacity = EXCLUDED.pupil_capacity, class_capacity = EXCLUDED.class_capacity;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

-- The bookings a catalogue command settled (cancelled, or moved with its
-- session) and how: its own commands row names none, and the audit of a
-- booking lists it with the booking's other commands.
CREATE TABLE command_bookings (
    command_id uuid NOT NULL REFERENCES commands (command_id),
    booking_id uuid NOT NULL,
    status text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    reasons text NOT NULL DEFAULT '',
    PRIMARY KEY (booking_id, command_id)
);
