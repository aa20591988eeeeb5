-- The catalogue format grows the scheduling facts (docs/catalog.md):
-- offering schedules, booking windows and buffers, session resources,
-- school hours by grade, class target groups, buses, quotas, settings and
-- travel modes. Same rules as before: a path-named error, nothing kept.

CREATE FUNCTION rb__opt_timestamptz(obj jsonb, path text, key text) RETURNS timestamptz
LANGUAGE plpgsql AS $$
BEGIN
    IF obj -> key IS NULL OR obj -> key = 'null'::jsonb THEN RETURN NULL; END IF;
    RETURN rb__timestamptz(obj, path, key);
END $$;

CREATE FUNCTION rb__num(obj jsonb, path text, key text, lo numeric, hi numeric, dflt numeric)
RETURNS numeric
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
    IF n < lo OR n > hi THEN
        PERFORM rb__bad(path || '.' || key, format('must be between %s and %s, not %s', lo, hi, n));
    END IF;
    RETURN n;
END $$;

-- A list of local times "2027-03-02T09:00" as the space-separated text the engine reads.
CREATE FUNCTION rb__local_times(obj jsonb, path text, key text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE v jsonb := obj -> key; e jsonb; n int := 0; out text[] := '{}';
BEGIN
    IF v IS NULL OR v = 'null'::jsonb THEN RETURN NULL; END IF;
    IF jsonb_typeof(v) <> 'array' THEN PERFORM rb__bad(path || '.' || key, 'must be an array'); END IF;
    FOR e IN SELECT * FROM jsonb_array_elements(v) LOOP
        IF jsonb_typeof(e) <> 'string' OR e #>> '{}' !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d$' THEN
            PERFORM rb__bad(format('%s.%s[%s]', path, key, n),
                            'must be a local time like 2027-03-02T09:00');
        END IF;
        out := out || (e #>> '{}');
        n := n + 1;
    END LOOP;
    RETURN nullif(array_to_string(out, ' '), '');
END $$;

CREATE OR REPLACE FUNCTION rb__import_offerings(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; sch jsonb; i int := 0; p text; tg text; gmin int; gmax int;
        s_start text; s_rule text;
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
        sch := e -> 'schedule';
        s_start := NULL; s_rule := NULL;
        IF sch IS NOT NULL AND sch <> 'null'::jsonb THEN
            IF jsonb_typeof(sch) <> 'object' THEN PERFORM rb__bad(p || '.schedule', 'must be an object'); END IF;
            s_start := rb__text(sch, p || '.schedule', 'start');
            IF s_start !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d$' THEN
                PERFORM rb__bad(p || '.schedule.start', 'must be a local time like 2027-03-02T09:00');
            END IF;
            s_rule := rb__text(sch, p || '.schedule', 'rrule', false);
        END IF;
        IF rb__opt_timestamptz(e, p, 'sales_close') <= rb__opt_timestamptz(e, p, 'sales_open') THEN
            PERFORM rb__bad(p || '.sales_close', 'must be after sales_open');
        END IF;
        INSERT INTO offerings (id, provider_id, venue_id, title, description, target_group,
                               grade_min, grade_max, duration_min, category, sales_open,
                               sales_close, notice_days, setup_min, cleanup_min, schedule_start,
                               schedule_rrule, schedule_rdates, schedule_exdates)
        VALUES (rb__text(e, p, 'id'),
                rb__ref('providers', rb__text(e, p, 'provider'), p || '.provider', 'provider'),
                rb__ref('venues', rb__text(e, p, 'venue', false), p || '.venue', 'venue'),
                rb__text(e, p, 'title'), rb__text(e, p, 'description', false, ''), tg,
                gmin, gmax, rb__int(e, p, 'duration_min', 1, 24 * 60),
                rb__text(e, p, 'category', false),
                rb__opt_timestamptz(e, p, 'sales_open'), rb__opt_timestamptz(e, p, 'sales_close'),
                rb__int(e, p, 'notice_days', 0, 365, 0), rb__int(e, p, 'setup_min', 0, 720, 0),
                rb__int(e, p, 'cleanup_min', 0, 720, 0), s_start, s_rule,
                CASE WHEN s_start IS NULL THEN NULL ELSE rb__local_times(sch, p || '.schedule', 'rdates') END,
                CASE WHEN s_start IS NULL THEN NULL ELSE rb__local_times(sch, p || '.schedule', 'exdates') END)
        ON CONFLICT (id) DO UPDATE SET provider_id = EXCLUDED.provider_id,
            venue_id = EXCLUDED.venue_id, title = EXCLUDED.title,
            description = EXCLUDED.description, target_group = EXCLUDED.target_group,
            grade_min = EXCLUDED.grade_min, grade_max = EXCLUDED.grade_max,
            duration_min = EXCLUDED.duration_min, category = EXCLUDED.category,
            sales_open = EXCLUDED.sales_open, sales_close = EXCLUDED.sales_close,
            notice_days = EXCLUDED.notice_days, setup_min = EXCLUDED.setup_min,
            cleanup_min = EXCLUDED.cleanup_min, schedule_start = EXCLUDED.schedule_start,
            schedule_rrule = EXCLUDED.schedule_rrule, schedule_rdates = EXCLUDED.schedule_rdates,
            schedule_exdates = EXCLUDED.schedule_exdates;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

-- Session resources: sessions[i].resources lists resource ids; given, it
-- replaces the session's list.
CREATE FUNCTION rb__import_session_resources(doc jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE e jsonb; r jsonb; i int := 0; k int; p text; sid text;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'sessions') LOOP
        p := format('sessions[%s]', i);
        i := i + 1;
        CONTINUE WHEN e -> 'resources' IS NULL;
        IF jsonb_typeof(e -> 'resources') <> 'array' THEN
            PERFORM rb__bad(p || '.resources', 'must be an array of resource ids');
        END IF;
        sid := e ->> 'id';
        DELETE FROM session_resources WHERE session_id = sid;
        k := 0;
        FOR r IN SELECT * FROM jsonb_array_elements(e -> 'resources') LOOP
            IF jsonb_typeof(r) <> 'string' THEN
                PERFORM rb__bad(format('%s.resources[%s]', p, k), 'must be a resource id');
            END IF;
            INSERT INTO session_resources (session_id, resource_id)
            VALUES (sid, rb__ref('resources', r #>> '{}', format('%s.resources[%s]', p, k), 'resource'))
            ON CONFLICT DO NOTHING;
            k := k + 1;
        END LOOP;
    END LOOP;
END $$;

CREATE FUNCTION rb__import_school_hours(doc jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE e jsonb; h jsonb; i int := 0; k int; p text; q text; d0 time; d1 time; gmin int;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'schools') LOOP
        p := format('schools[%s]', i);
        i := i + 1;
        CONTINUE WHEN e -> 'hours' IS NULL;
        IF jsonb_typeof(e -> 'hours') <> 'array' THEN
            PERFORM rb__bad(p || '.hours', 'must be an array');
        END IF;
        DELETE FROM school_hours WHERE school_id = e ->> 'id';
        k := 0;
        FOR h IN SELECT * FROM jsonb_array_elements(e -> 'hours') LOOP
            q := format('%s.hours[%s]', p, k);
            d0 := rb__time(h, q, 'earliest_departure', NULL);
            d1 := rb__time(h, q, 'latest_return', NULL);
            IF d0 IS NULL OR d1 IS NULL OR d1 <= d0 THEN
                PERFORM rb__bad(q, 'needs earliest_departure before latest_return');
            END IF;
            gmin := rb__int(h, q, 'grade_min', 0, 13, 0);
            INSERT INTO school_hours VALUES (e ->> 'id', gmin,
                rb__int(h, q, 'grade_max', gmin, 13, 13), d0, d1);
            k := k + 1;
        END LOOP;
    END LOOP;
END $$;

CREATE FUNCTION rb__import_class_groups(doc jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text; tg text;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'classes') LOOP
        p := format('classes[%s]', i);
        i := i + 1;
        tg := rb__text(e, p, 'target_group', false, 'grundskole');
        IF tg NOT IN ('dagtilbud', 'grundskole', 'ungdomsuddannelse') THEN
            PERFORM rb__bad(p || '.target_group',
                            'must be dagtilbud, grundskole or ungdomsuddannelse, not ' || tg);
        END IF;
        UPDATE classes SET target_group = tg WHERE id = e ->> 'id';
    END LOOP;
END $$;

CREATE FUNCTION rb__import_buses(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'buses') LOOP
        p := format('buses[%s]', i);
        INSERT INTO buses (id, name, seats, municipality, depot_lat, depot_lon)
        VALUES (rb__text(e, p, 'id'), rb__text(e, p, 'name'), rb__int(e, p, 'seats', 1, 100),
                rb__text(e, p, 'municipality', false, ''),
                rb__coord(e, p, 'depot_lat', 90), rb__coord(e, p, 'depot_lon', 180))
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, seats = EXCLUDED.seats,
            municipality = EXCLUDED.municipality, depot_lat = EXCLUDED.depot_lat,
            depot_lon = EXCLUDED.depot_lon;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

CREATE FUNCTION rb__import_quotas(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text; kind text; per text; counts text;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'quotas') LOOP
        p := format('quotas[%s]', i);
        kind := rb__text(e, p, 'scope');
        IF kind NOT IN ('school', 'class') THEN
            PERFORM rb__bad(p || '.scope', 'must be school or class, not ' || kind);
        END IF;
        per := rb__text(e, p, 'period');
        IF per NOT IN ('term', 'school_year') THEN
            PERFORM rb__bad(p || '.period', 'must be term or school_year, not ' || per);
        END IF;
        counts := rb__text(e, p, 'counts', false, 'bookings');
        IF counts NOT IN ('bookings', 'bus_trips') THEN
            PERFORM rb__bad(p || '.counts', 'must be bookings or bus_trips, not ' || counts);
        END IF;
        INSERT INTO quotas (id, scope_kind, scope_id, period, offering_id, category, counts, max_count)
        VALUES (rb__text(e, p, 'id'), kind,
                rb__ref(CASE kind WHEN 'school' THEN 'schools' ELSE 'classes' END::regclass,
                        rb__text(e, p, 'scope_id'), p || '.scope_id', kind),
                per, rb__ref('offerings', rb__text(e, p, 'offering', false), p || '.offering', 'offering'),
                rb__text(e, p, 'category', false), counts, rb__int(e, p, 'max', 0, 100000))
        ON CONFLICT (id) DO UPDATE SET scope_kind = EXCLUDED.scope_kind,
            scope_id = EXCLUDED.scope_id, period = EXCLUDED.period,
            offering_id = EXCLUDED.offering_id, category = EXCLUDED.category,
            counts = EXCLUDED.counts, max_count = EXCLUDED.max_count;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

CREATE FUNCTION rb__import_settings(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE k text; i int := 0;
BEGIN
    IF doc -> 'settings' IS NULL THEN RETURN 0; END IF;
    IF jsonb_typeof(doc -> 'settings') <> 'object' THEN PERFORM rb__bad('settings', 'must be an object'); END IF;
    FOR k IN SELECT jsonb_object_keys(doc -> 'settings') LOOP
        IF k NOT IN ('bus_notice_days', 'bus_min_km', 'bus_min_grade', 'bus_adults', 'max_alternatives') THEN
            PERFORM rb__bad('settings.' || k, 'unknown setting');
        END IF;
        INSERT INTO settings VALUES (k, rb__num(doc -> 'settings', 'settings', k, 0, 1000, NULL))
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

CREATE FUNCTION rb__import_travel_modes(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE e jsonb; i int := 0; p text; m text;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'travel_modes') LOOP
        p := format('travel_modes[%s]', i);
        m := rb__text(e, p, 'mode');
        IF m NOT IN ('walk', 'bike', 'public_transport', 'bus', 'car') THEN
            PERFORM rb__bad(p || '.mode', 'must be walk, bike, public_transport, bus or car, not ' || m);
        END IF;
        INSERT INTO travel_modes VALUES (m, rb__num(e, p, 'road_factor', 1, 5, NULL),
            rb__num(e, p, 'speed_kmh', 0.1, 200, NULL), rb__int(e, p, 'overhead_min', 0, 240))
        ON CONFLICT (mode) DO UPDATE SET road_factor = EXCLUDED.road_factor,
            speed_kmh = EXCLUDED.speed_kmh, overhead_min = EXCLUDED.overhead_min;
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
                     'classes', 'buses', 'quotas', 'settings', 'travel_modes') THEN
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
END $$;
