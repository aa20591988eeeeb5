-- Allocation rounds (docs/allocation.md): while a round's wish window is
-- open, teachers send ranked wishes for its offerings' sessions instead of
-- booking them; when it closes a worker draws an order from a seed
-- committed in advance and places the classes, every hard rule applying.

CREATE TABLE allocation_rounds (
    id text PRIMARY KEY CHECK (id <> ''),
    name text NOT NULL,
    opens_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    max_wishes int NOT NULL DEFAULT 5 CHECK (max_wishes BETWEEN 1 AND 10),
    -- 32 bytes from the server's strong random source, secret until the
    -- draw; its SHA-256 (hex) is public from the start
    seed bytea NOT NULL CHECK (length(seed) = 32),
    seed_sha256 text NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'allocated')),
    allocated_at timestamptz,
    version int NOT NULL DEFAULT 1,
    CHECK (closes_at > opens_at)
);

CREATE TRIGGER allocation_rounds_version BEFORE UPDATE ON allocation_rounds FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION rb__next_version();

-- The round's sessions: its offerings' sessions that start after the
-- window closes.
CREATE TABLE allocation_offerings (
    round_id text NOT NULL REFERENCES allocation_rounds (id) ON DELETE CASCADE,
    offering_id text NOT NULL REFERENCES offerings (id),
    PRIMARY KEY (round_id, offering_id)
);
CREATE INDEX allocation_offerings_offering ON allocation_offerings (offering_id);

-- One live wish per class and round; a new one replaces it.
CREATE TABLE wishes (
    command_id uuid PRIMARY KEY,
    round_id text NOT NULL REFERENCES allocation_rounds (id),
    class_id text NOT NULL,
    school_id text NOT NULL,
    sessions text[] NOT NULL CHECK (cardinality(sessions) BETWEEN 1 AND 10),
    pupils int NOT NULL CHECK (pupils > 0),
    travel_mode text NOT NULL,
    wants int NOT NULL DEFAULT 1 CHECK (wants BETWEEN 1 AND 10),
    wait boolean NOT NULL DEFAULT false,
    note text NOT NULL DEFAULT '',
    actor_email text NOT NULL DEFAULT '',
    actor_name text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'replaced', 'withdrawn', 'allocated')),
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX wishes_one_per_class ON wishes (round_id, class_id) WHERE status = 'received';

-- The draw, as it was made: the drawn position of each class, and per
-- pass (a class that may get two sessions has two) what it got.
CREATE TABLE allocation_results (
    round_id text NOT NULL REFERENCES allocation_rounds (id),
    position int NOT NULL,
    pass int NOT NULL,
    command_id uuid NOT NULL,
    class_id text NOT NULL,
    school_id text NOT NULL,
    draw_key text NOT NULL,          -- hex SHA-256 of seed || class id
    outcome text NOT NULL CHECK (outcome IN ('confirmed', 'waitlisted', 'rejected')),
    choice int,                      -- 1 = first choice; NULL: none
    session_id text,
    booking_id uuid,
    reasons text NOT NULL DEFAULT '',
    PRIMARY KEY (round_id, pass, position)
);

ALTER TABLE commands DROP CONSTRAINT commands_kind_check;
ALTER TABLE commands ADD CONSTRAINT commands_kind_check
    CHECK (kind IN ('book', 'cancel', 'reschedule', 'change', 'withdraw', 'approve', 'refuse',
                    'wish', 'upsert', 'retire', 'cancel_session', 'move_session', 'invalid'));
ALTER TABLE commands DROP CONSTRAINT commands_status_check;
ALTER TABLE commands ADD CONSTRAINT commands_status_check
    CHECK (status IN ('confirmed', 'waitlisted', 'rejected', 'cancelled', 'pending_review',
                      'received', 'applied', 'refused'));

-- Rounds in a catalogue: {"id", "name", "opens_at", "closes_at", "offerings":
-- [ids], "max_wishes"}. The seed is made once, at creation; a round that
-- was allocated cannot change (RB009).
CREATE FUNCTION rb__import_rounds(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text; rid text; t0 timestamptz; t1 timestamptz;
        offs text[]; o text; seed bytea;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'rounds') LOOP
        p := format('rounds[%s]', i);
        rid := rb__text(e, p, 'id');
        t0 := rb__timestamptz(e, p, 'opens_at');
        t1 := rb__timestamptz(e, p, 'closes_at');
        IF t1 <= t0 THEN PERFORM rb__bad(p || '.closes_at', 'must be after opens_at'); END IF;
        offs := rb__id_list(e, p, 'offerings');
        IF offs IS NULL THEN PERFORM rb__bad(p || '.offerings', 'is required'); END IF;
        IF EXISTS (SELECT 1 FROM allocation_rounds WHERE id = rid AND status = 'allocated') THEN
            PERFORM rb__refuse('RB009', format('%s: round "%s" was allocated', p, rid));
        END IF;
        FOREACH o IN ARRAY offs LOOP
            PERFORM rb__ref('offerings', o, p || '.offerings', 'offering');
            IF EXISTS (SELECT 1 FROM allocation_offerings ao JOIN allocation_rounds r ON r.id = ao.round_id
                        WHERE ao.offering_id = o AND r.status = 'open' AND r.id <> rid) THEN
                PERFORM rb__bad(p || '.offerings', format('offering "%s" is in another open round', o));
            END IF;
        END LOOP;
        seed := uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid());
        INSERT INTO allocation_rounds (id, name, opens_at, closes_at, max_wishes, seed, seed_sha256)
        VALUES (rid, rb__text(e, p, 'name'), t0, t1, rb__int(e, p, 'max_wishes', 1, 10, 5),
                seed, encode(sha256(seed), 'hex'))
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, opens_at = EXCLUDED.opens_at,
            closes_at = EXCLUDED.closes_at, max_wishes = EXCLUDED.max_wishes;
        DELETE FROM allocation_offerings WHERE round_id = rid;
        INSERT INTO allocation_offerings SELECT rid, x FROM unnest(offs) x;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

CREATE OR REPLACE FUNCTION rb_catalog_import(doc jsonb) RETURNS TABLE (kind text, upserted int)
LANGUAGE plpgsql AS $$
DECLARE k text;
BEGIN
    IF jsonb_typeof(doc) <> 'object' THEN
        PERFORM rb__bad('$', 'the catalogue must be a JSON object');
    END IF;
    FOR k IN SELECT jsonb_object_keys(doc) LOOP
        IF k NOT IN ('providers', 'venues', 'resources', 'offerings', 'sessions', 'schools',
                     'classes', 'buses', 'quotas', 'settings', 'travel_modes', 'rounds') THEN
            PERFORM rb__bad(k, 'unknown section');
        END IF;
    END LOOP;
    kind := 'providers'; upserted := rb__import_providers(doc); RETURN NEXT;
    kind := 'venues'; upserted := rb__import_venues(doc); RETURN NEXT;
    kind := 'resources'; upserted := rb__import_resources(doc); RETURN NEXT;
    kind := 'offerings'; upserted := rb__import_offerings(doc); RETURN NEXT;
    kind := 'sessions'; upserted := rb__import_sessions(doc); RETURN NEXT;
    PERFORM rb__import_session_resources(doc);
    kind := 'schools'; upserted := rb__import_schools(doc); RETURN NEXT;
    PERFORM rb__import_school_hours(doc);
    kind := 'classes'; upserted := rb__import_classes(doc); RETURN NEXT;
    PERFORM rb__import_class_groups(doc);
    kind := 'buses'; upserted := rb__import_buses(doc); RETURN NEXT;
    kind := 'quotas'; upserted := rb__import_quotas(doc); RETURN NEXT;
    kind := 'settings'; upserted := rb__import_settings(doc); RETURN NEXT;
    kind := 'travel_modes'; upserted := rb__import_travel_modes(doc); RETURN NEXT;
    kind := 'rounds'; upserted := rb__import_rounds(doc); RETURN NEXT;
END $$;

CREATE OR REPLACE FUNCTION rb__catalog_table(kind text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE tbl text := CASE kind WHEN 'provider' THEN 'providers' WHEN 'venue' THEN 'venues'
    WHEN 'resource' THEN 'resources' WHEN 'offering' THEN 'offerings'
    WHEN 'session' THEN 'sessions' WHEN 'school' THEN 'schools' WHEN 'class' THEN 'classes'
    WHEN 'bus' THEN 'buses' WHEN 'quota' THEN 'quotas' WHEN 'round' THEN 'allocation_rounds'
    END;
BEGIN
    IF tbl IS NULL THEN
        PERFORM rb__bad('kind', format('"%s" is no entity kind (provider, venue, resource, '
                                       'offering, session, school, class, bus, quota, round)',
                                       kind));
    END IF;
    RETURN tbl;
END $$;

-- A round's section in a catalogue is "rounds", not its table's name.
CREATE OR REPLACE FUNCTION rb__catalog_section(kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE kind WHEN 'round' THEN 'rounds' ELSE rb__catalog_table(kind) END
$$;


-- Wishes carry the actor's address and name and the teacher's note: the
-- privacy sweep erases them the retention after the round's window
-- closed, and an erasure at once.
ALTER FUNCTION rb_privacy_sweep(int, int) RENAME TO rb__privacy_sweep_v1;
CREATE FUNCTION rb_privacy_sweep(days int, lim int) RETURNS TABLE (what text, n bigint)
LANGUAGE plpgsql AS $$
DECLARE cutoff timestamptz := now() - make_interval(days => days);
BEGIN
    RETURN QUERY SELECT * FROM rb__privacy_sweep_v1(days, lim);
    what := 'wishes';
    WITH e AS (UPDATE wishes SET actor_email = '', actor_name = '', note = '' WHERE command_id IN (
        SELECT w.command_id FROM wishes w JOIN allocation_rounds r ON r.id = w.round_id
        WHERE r.closes_at < cutoff AND (w.actor_email <> '' OR w.actor_name <> '' OR w.note <> '')
        LIMIT lim) RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
END $$;

ALTER FUNCTION rb_privacy_erase(text) RENAME TO rb__privacy_erase_v1;
CREATE FUNCTION rb_privacy_erase(address text) RETURNS TABLE (what text, n bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT * FROM rb__privacy_erase_v1(address);
    what := 'wishes';
    WITH e AS (UPDATE wishes SET actor_email = '', actor_name = '', note = ''
               WHERE lower(actor_email) = lower(btrim(address)) RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
END $$;
