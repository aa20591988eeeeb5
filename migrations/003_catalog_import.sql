-- rb_catalog_import(doc): validates and upserts a whole catalogue document
-- (docs/catalog.md). Any problem raises SQLSTATE 22023 with a message that
-- starts with the JSON path of the bad field, e.g.
--   offerings[3].grade_max: must be a whole number between 0 and 13
-- and, as it runs inside the caller's transaction, nothing is kept.

-- Raises; declared boolean so it can stand in a WHERE clause.
CREATE FUNCTION rb__bad(path text, problem text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = path || ': ' || problem;
END $$;

CREATE FUNCTION rb__text(obj jsonb, path text, key text, required boolean DEFAULT true,
                         dflt text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE v jsonb := obj -> key;
BEGIN
    IF v IS NULL OR v = 'null'::jsonb THEN
        IF required THEN PERFORM rb__bad(path || '.' || key, 'missing'); END IF;
        RETURN dflt;
    END IF;
    IF jsonb_typeof(v) <> 'string' THEN
        PERFORM rb__bad(path || '.' || key, 'must be a string, not ' || jsonb_typeof(v));
    END IF;
    IF required AND v #>> '{}' = '' THEN
        PERFORM rb__bad(path || '.' || key, 'must not be empty');
    END IF;
    RETURN v #>> '{}';
END $$;

CREATE FUNCTION rb__int(obj jsonb, path text, key text, lo int, hi int, dflt int DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE v jsonb := obj -> key; n numeric;
BEGIN
    IF v IS NULL OR v = 'null'::jsonb THEN
        IF dflt IS NULL THEN PERFORM rb__bad(path || '.' || key, 'missing'); END IF;
        RETURN dflt;
    END IF;
    IF jsonb_typeof(v) <> 'number' THEN
        PERFORM rb__bad(path || '.' || key, 'must be a number, not ' || jsonb_typeof(v));
    END IF;
    n := (v #>> '{}')::numeric;
    IF n <> trunc(n) OR n < lo OR n > hi THEN
        PERFORM rb__bad(path || '.' || key,
                        format('must be a whole number between %s and %s, not %s', lo, hi, n));
    END IF;
    RETURN n::int;
END $$;

CREATE FUNCTION rb__coord(obj jsonb, path text, key text, lim double precision)
RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE v jsonb := obj -> key; d double precision;
BEGIN
    IF v IS NULL OR v = 'null'::jsonb THEN RETURN NULL; END IF;
    IF jsonb_typeof(v) <> 'number' THEN
        PERFORM rb__bad(path || '.' || key, 'must be a number, not ' || jsonb_typeof(v));
    END IF;
    d := (v #>> '{}')::double precision;
    IF d < -lim OR d > lim THEN
        PERFORM rb__bad(path || '.' || key, format('must be between %s and %s', -lim, lim));
    END IF;
    RETURN d;
END $$;

CREATE FUNCTION rb__timestamptz(obj jsonb, path text, key text) RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE s text := rb__text(obj, path, key);
BEGIN
    -- An instant must carry its offset: "2027-03-30T09:00:00+02:00" or "...Z".
    IF s !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:?\d\d)$' THEN
        PERFORM rb__bad(path || '.' || key,
                        'must be an ISO 8601 time with an offset, like 2027-03-30T09:00:00+02:00');
    END IF;
    RETURN s::timestamptz;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    PERFORM rb__bad(path || '.' || key, 'is not a valid time: ' || s);
    RETURN NULL;
END $$;

CREATE FUNCTION rb__time(obj jsonb, path text, key text, dflt time) RETURNS time
LANGUAGE plpgsql AS $$
DECLARE s text := rb__text(obj, path, key, false);
BEGIN
    IF s IS NULL THEN RETURN dflt; END IF;
    IF s !~ '^\d\d:\d\d$' THEN PERFORM rb__bad(path || '.' || key, 'must be HH:MM'); END IF;
    RETURN s::time;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    PERFORM rb__bad(path || '.' || key, 'is not a valid time of day: ' || s);
    RETURN NULL;
END $$;

CREATE FUNCTION rb__array(doc jsonb, key text) RETURNS SETOF jsonb
LANGUAGE plpgsql AS $$
BEGIN
    IF doc -> key IS NULL THEN RETURN; END IF;
    IF jsonb_typeof(doc -> key) <> 'array' THEN
        PERFORM rb__bad(key, 'must be an array');
    END IF;
    RETURN QUERY SELECT e FROM jsonb_array_elements(doc -> key) WITH ORDINALITY AS a(e, n)
        WHERE jsonb_typeof(e) = 'object' OR rb__bad(format('%s[%s]', key, n - 1), 'must be an object');
END $$;

CREATE FUNCTION rb__ref(tbl regclass, id text, path text, what text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE found boolean;
BEGIN
    IF id IS NULL THEN RETURN NULL; END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE id = $1)', tbl) INTO found USING id;
    IF NOT found THEN PERFORM rb__bad(path, format('unknown %s "%s"', what, id)); END IF;
    RETURN id;
END $$;

CREATE FUNCTION rb__import_providers(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'providers') LOOP
        p := format('providers[%s]', i);
        IF rb__text(e, p, 'email') NOT LIKE '%_@_%' THEN
            PERFORM rb__bad(p || '.email', 'is not an e-mail address');
        END IF;
        INSERT INTO providers (id, name, email, municipality)
        VALUES (rb__text(e, p, 'id'), rb__text(e, p, 'name'), rb__text(e, p, 'email'),
                rb__text(e, p, 'municipality', false))
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email,
                                       municipality = EXCLUDED.municipality;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

CREATE FUNCTION rb__import_venues(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'venues') LOOP
        p := format('venues[%s]', i);
        INSERT INTO venues (id, provider_id, name, address, lat, lon)
        VALUES (rb__text(e, p, 'id'),
                rb__ref('providers', rb__text(e, p, 'provider'), p || '.provider', 'provider'),
                rb__text(e, p, 'name'), rb__text(e, p, 'address', false, ''),
                rb__coord(e, p, 'lat', 90), rb__coord(e, p, 'lon', 180))
        ON CONFLICT (id) DO UPDATE SET provider_id = EXCLUDED.provider_id, name = EXCLUDED.name,
            address = EXCLUDED.address, lat = EXCLUDED.lat, lon = EXCLUDED.lon;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

CREATE FUNCTION rb__import_resources(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text; k text;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'resources') LOOP
        p := format('resources[%s]', i);
        k := rb__text(e, p, 'kind');
        IF k NOT IN ('room', 'guide', 'equipment', 'bus') THEN
            PERFORM rb__bad(p || '.kind', 'must be room, guide, equipment or bus, not ' || k);
        END IF;
        INSERT INTO resources (id, provider_id, kind, name)
        VALUES (rb__text(e, p, 'id'),
                rb__ref('providers', rb__text(e, p, 'provider'), p || '.provider', 'provider'),
                k, rb__text(e, p, 'name'))
        ON CONFLICT (id) DO UPDATE SET provider_id = EXCLUDED.provider_id, kind = EXCLUDED.kind,
                                       name = EXCLUDED.name;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

CREATE FUNCTION rb__import_offerings(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text; tg text; gmin int; gmax int;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'offerings') LOOP
        p := format('offerings[%s]', i);
        tg := rb__text(e, p, 'target_group', false, 'grundskole');
        IF tg NOT IN ('dagtilbud', 'grundskole', 'ungdomsuddannelse') THEN
            PERFORM rb__bad(p || '.target_group',
                            'must be dagtilbud, grundskole or ungdomsuddannelse, not ' || tg);
        END IF;
        gmin := rb__int(e, p, 'grade_min', 0, 13, 0);
        gmax := rb__int(e, p, 'grade_max', 0, 13, 10);
        IF gmax < gmin THEN
            PERFORM rb__bad(p || '.grade_max', format('%s is below grade_min %s', gmax, gmin));
        END IF;
        INSERT INTO offerings (id, provider_id, venue_id, title, description, target_group,
                               grade_min, grade_max, duration_min)
        VALUES (rb__text(e, p, 'id'),
                rb__ref('providers', rb__text(e, p, 'provider'), p || '.provider', 'provider'),
                rb__ref('venues', rb__text(e, p, 'venue', false), p || '.venue', 'venue'),
                rb__text(e, p, 'title'), rb__text(e, p, 'description', false, ''), tg,
                gmin, gmax, rb__int(e, p, 'duration_min', 1, 24 * 60))
        ON CONFLICT (id) DO UPDATE SET provider_id = EXCLUDED.provider_id,
            venue_id = EXCLUDED.venue_id, title = EXCLUDED.title,
            description = EXCLUDED.description, target_group = EXCLUDED.target_group,
            grade_min = EXCLUDED.grade_min, grade_max = EXCLUDED.grade_max,
            duration_min = EXCLUDED.duration_min;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

CREATE FUNCTION rb__import_sessions(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text; sid text; t0 timestamptz; t1 timestamptz;
        pc int; cc int; booked record;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'sessions') LOOP
        p := format('sessions[%s]', i);
        sid := rb__text(e, p, 'id');
        t0 := rb__timestamptz(e, p, 'starts_at');
        t1 := rb__timestamptz(e, p, 'ends_at');
        IF t1 <= t0 THEN PERFORM rb__bad(p || '.ends_at', 'must be after starts_at'); END IF;
        pc := rb__int(e, p, 'pupil_capacity', 0, 100000);
        cc := rb__int(e, p, 'class_capacity', 0, 100000);
        SELECT pupils_booked, classes_booked INTO booked FROM sessions WHERE id = sid;
        IF FOUND AND pc < booked.pupils_booked THEN
            PERFORM rb__bad(p || '.pupil_capacity',
                            format('%s is below the %s pupils already booked', pc, booked.pupils_booked));
        END IF;
        IF FOUND AND cc < booked.classes_booked THEN
            PERFORM rb__bad(p || '.class_capacity',
                            format('%s is below the %s classes already booked', cc, booked.classes_booked));
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

CREATE FUNCTION rb__import_schools(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text; d0 time; d1 time;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'schools') LOOP
        p := format('schools[%s]', i);
        d0 := rb__time(e, p, 'day_start', '08:00');
        d1 := rb__time(e, p, 'day_end', '14:00');
        IF d1 <= d0 THEN PERFORM rb__bad(p || '.day_end', 'must be after day_start'); END IF;
        INSERT INTO schools (id, name, municipality, lat, lon, day_start, day_end)
        VALUES (rb__text(e, p, 'id'), rb__text(e, p, 'name'),
                rb__text(e, p, 'municipality', false, ''),
                rb__coord(e, p, 'lat', 90), rb__coord(e, p, 'lon', 180), d0, d1)
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, municipality = EXCLUDED.municipality,
            lat = EXCLUDED.lat, lon = EXCLUDED.lon, day_start = EXCLUDED.day_start,
            day_end = EXCLUDED.day_end;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

CREATE FUNCTION rb__import_classes(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text; mail text;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'classes') LOOP
        p := format('classes[%s]', i);
        mail := rb__text(e, p, 'teacher_email');
        IF mail NOT LIKE '%_@_%' THEN
            PERFORM rb__bad(p || '.teacher_email', 'is not an e-mail address');
        END IF;
        INSERT INTO classes (id, school_id, name, grade, size, teacher_email)
        VALUES (rb__text(e, p, 'id'),
                rb__ref('schools', rb__text(e, p, 'school'), p || '.school', 'school'),
                rb__text(e, p, 'name'), rb__int(e, p, 'grade', 0, 13),
                rb__int(e, p, 'size', 1, 200), mail)
        ON CONFLICT (id) DO UPDATE SET school_id = EXCLUDED.school_id, name = EXCLUDED.name,
            grade = EXCLUDED.grade, size = EXCLUDED.size, teacher_email = EXCLUDED.teacher_email;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

-- Imports in dependency order; returns one row per kind with its count.
CREATE FUNCTION rb_catalog_import(doc jsonb) RETURNS TABLE (kind text, upserted int)
LANGUAGE plpgsql AS $$
DECLARE k text;
BEGIN
    IF jsonb_typeof(doc) <> 'object' THEN
        PERFORM rb__bad('$', 'the catalogue must be a JSON object');
    END IF;
    FOR k IN SELECT jsonb_object_keys(doc) LOOP
        IF k NOT IN ('providers', 'venues', 'resources', 'offerings', 'sessions', 'schools', 'classes') THEN
            PERFORM rb__bad(k, 'unknown section');
        END IF;
    END LOOP;
    kind := 'providers'; upserted := rb__import_providers(doc); RETURN NEXT;
    kind := 'venues'; upserted := rb__import_venues(doc); RETURN NEXT;
    kind := 'resources'; upserted := rb__import_resources(doc); RETURN NEXT;
    kind := 'offerings'; upserted := rb__import_offerings(doc); RETURN NEXT;
    kind := 'sessions'; upserted := rb__import_sessions(doc); RETURN NEXT;
    kind := 'schools'; upserted := rb__import_schools(doc); RETURN NEXT;
    kind := 'classes'; upserted := rb__import_classes(doc); RETURN NEXT;
END $$;
