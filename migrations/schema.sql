-- The schema after every migration in this folder, as deploy/schema.sh prints it.
-- Read this for the current tables; the numbered files are how it came to be.
-- tests/integration/test_schema.sh fails when a fresh migrate gives anything else.
--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: btree_gist; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

--
-- Name: bookings_check_references(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.bookings_check_references() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: bookings_keep_deleted(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.bookings_keep_deleted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: bookings_keep_key(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.bookings_keep_key() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__array(jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__array(doc jsonb, key text) RETURNS SETOF jsonb
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF doc -> key IS NULL THEN RETURN; END IF;
    IF jsonb_typeof(doc -> key) <> 'array' THEN
        PERFORM rb__bad(key, 'must be an array');
    END IF;
    RETURN QUERY SELECT e FROM jsonb_array_elements(doc -> key) WITH ORDINALITY AS a(e, n)
        WHERE jsonb_typeof(e) = 'object' OR rb__bad(format('%s[%s]', key, n - 1), 'must be an object');
END $$;

--
-- Name: rb__bad(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__bad(path text, problem text) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = path || ': ' || problem;
END $$;

--
-- Name: rb__catalog_lock(text, text, text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__catalog_lock(tbl text, kind text, eid text, expected integer) RETURNS integer
    LANGUAGE plpgsql
    AS $_$
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
END $_$;

--
-- Name: rb__catalog_may(text, text, text, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__catalog_may(role text, org text, kind text, owners text[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__catalog_provider(text, text, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__catalog_provider(kind text, id text, provider text, offering text) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE kind WHEN 'provider' THEN id
        WHEN 'venue' THEN provider WHEN 'resource' THEN provider WHEN 'offering' THEN provider
        WHEN 'session' THEN (SELECT o.provider_id FROM offerings o WHERE o.id = offering) END
$$;

--
-- Name: rb__catalog_section(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__catalog_section(kind text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE kind WHEN 'round' THEN 'rounds' WHEN 'closure' THEN 'closures'
                     ELSE rb__catalog_table(kind) END
$$;

--
-- Name: rb__catalog_table(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__catalog_table(kind text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE tbl text := CASE kind WHEN 'provider' THEN 'providers' WHEN 'venue' THEN 'venues'
    WHEN 'resource' THEN 'resources' WHEN 'offering' THEN 'offerings'
    WHEN 'session' THEN 'sessions' WHEN 'school' THEN 'schools' WHEN 'class' THEN 'classes'
    WHEN 'bus' THEN 'buses' WHEN 'quota' THEN 'quotas' WHEN 'round' THEN 'allocation_rounds'
    WHEN 'closure' THEN 'closures'
    END;
BEGIN
    IF tbl IS NULL THEN
        PERFORM rb__bad('kind', format('"%s" is no entity kind (provider, venue, resource, '
                                       'offering, session, school, class, bus, quota, round, closure)',
                                       kind));
    END IF;
    RETURN tbl;
END $$;

--
-- Name: rb__coord(jsonb, text, text, double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__coord(obj jsonb, path text, key text, lim double precision) RETURNS double precision
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__entity_id(text, jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__entity_id(kind text, doc jsonb) RETURNS text
    LANGUAGE plpgsql
    AS $$
DECLARE sc text[];
BEGIN
    IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
        PERFORM rb__bad('entity', 'must be a JSON object');
    END IF;
    IF kind <> 'closure' THEN
        RETURN rb__text(doc, 'entity', 'id');
    END IF;
    sc := rb__scope(doc, 'entity');
    RETURN CASE WHEN sc[1] = 'all' THEN 'all' ELSE sc[1] || ':' || sc[2] END
           || '/' || rb__text(doc, 'entity', 'id');
END $$;

--
-- Name: rb__id_list(jsonb, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__id_list(obj jsonb, path text, key text) RETURNS text[]
    LANGUAGE plpgsql
    AS $_$
DECLARE v jsonb := obj -> key; e jsonb; n int := 0; out text[] := '{}';
BEGIN
    IF v IS NULL OR v = 'null'::jsonb THEN RETURN NULL; END IF;
    IF jsonb_typeof(v) <> 'array' THEN PERFORM rb__bad(path || '.' || key, 'must be an array'); END IF;
    FOR e IN SELECT * FROM jsonb_array_elements(v) LOOP
        IF jsonb_typeof(e) <> 'string' OR e #>> '{}' !~ '^[^[:cntrl:]]{1,200}$' THEN
            PERFORM rb__bad(format('%s.%s[%s]', path, key, n),
                            'must be an id: 1-200 characters, no control characters');
        END IF;
        out := out || (e #>> '{}');
        n := n + 1;
    END LOOP;
    IF n = 0 THEN PERFORM rb__bad(path || '.' || key, 'must not be empty (leave it out for none)'); END IF;
    RETURN out;
END $_$;

--
-- Name: rb__import_buses(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_buses(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_class_groups(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_class_groups(doc jsonb) RETURNS void
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_classes(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_classes(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_closures(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_closures(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE e jsonb; i int := 0; p text; sc text[]; uid text; d0 date; d1 date; v int;
BEGIN
    FOR e IN SELECT * FROM rb__array(doc, 'closures') LOOP
        p := format('closures[%s]', i);
        sc := rb__scope(e, p);
        uid := rb__text(e, p, 'id');
        BEGIN
            d0 := (rb__text(e, p, 'first_day'))::date;
            d1 := (rb__text(e, p, 'last_day'))::date;
        EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
            PERFORM rb__bad(p || '.first_day', 'first_day and last_day must be dates like 2027-02-15');
        END;
        IF d1 < d0 THEN PERFORM rb__bad(p || '.last_day', 'must not be before first_day'); END IF;
        SELECT max(version) INTO v FROM closures
         WHERE scope_kind = sc[1] AND scope_id = sc[2] AND source_uid = uid;
        DELETE FROM closures WHERE scope_kind = sc[1] AND scope_id = sc[2] AND source_uid = uid;
        INSERT INTO closures (scope_kind, scope_id, source_uid, summary, first_day, last_day, version)
        VALUES (sc[1], sc[2], uid, coalesce(rb__text(e, p, 'summary', false), ''), d0, d1,
                coalesce(v + 1, 1));
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;

--
-- Name: rb__import_offerings(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_offerings(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    n int := rb__import_offerings_v2(doc);
    e jsonb;
    a jsonb;
    p text;
    i int := 0;
BEGIN
    FOR e IN SELECT * FROM jsonb_array_elements(coalesce(doc -> 'offerings', '[]')) LOOP
        p := format('offerings[%s].audience', i);
        a := e -> 'audience';
        IF a IS NOT NULL AND a <> 'null'::jsonb THEN
            IF jsonb_typeof(a) <> 'object' THEN
                PERFORM rb__bad(p, 'must be an object with "municipalities" and/or "schools"');
            END IF;
            IF EXISTS (SELECT 1 FROM jsonb_object_keys(a) k WHERE k NOT IN ('municipalities', 'schools')) THEN
                PERFORM rb__bad(p, 'may hold only "municipalities" and "schools"');
            END IF;
            IF coalesce(a -> 'municipalities', 'null'::jsonb) = 'null'::jsonb
               AND coalesce(a -> 'schools', 'null'::jsonb) = 'null'::jsonb THEN
                PERFORM rb__bad(p, 'names no municipality and no school (leave it out: open to everyone)');
            END IF;
        END IF;
        UPDATE offerings
           SET audience_municipalities = rb__id_list(a, p, 'municipalities'),
               audience_schools = rb__id_list(a, p, 'schools')
         WHERE id = e ->> 'id';
        i := i + 1;
    END LOOP;
    RETURN n;
END $$;

--
-- Name: rb__import_offerings_v1(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_offerings_v1(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $_$
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
END $_$;

--
-- Name: rb__import_offerings_v2(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_offerings_v2(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    n int := rb__import_offerings_v1(doc);
    e jsonb;
    i int := 0;
BEGIN
    FOR e IN SELECT * FROM jsonb_array_elements(coalesce(doc -> 'offerings', '[]')) LOOP
        IF e ? 'language' AND coalesce(e ->> 'language', '') NOT IN ('da', 'en') THEN
            PERFORM rb__bad('offerings[' || i || '].language', 'must be "da" or "en"');
        END IF;
        UPDATE offerings SET language = coalesce(e ->> 'language', 'da') WHERE id = e ->> 'id';
        i := i + 1;
    END LOOP;
    RETURN n;
END $$;

--
-- Name: rb__import_providers(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_providers(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_quotas(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_quotas(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_resources(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_resources(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_rounds(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_rounds(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_school_hours(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_school_hours(doc jsonb) RETURNS void
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_schools(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_schools(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_session_resources(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_session_resources(doc jsonb) RETURNS void
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_sessions(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_sessions(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_settings(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_settings(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_travel_modes(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_travel_modes(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__import_venues(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__import_venues(doc jsonb) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__int(jsonb, text, text, integer, integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__int(obj jsonb, path text, key text, lo integer, hi integer, dflt integer DEFAULT NULL::integer) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__local_times(jsonb, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__local_times(obj jsonb, path text, key text) RETURNS text
    LANGUAGE plpgsql
    AS $_$
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
END $_$;

--
-- Name: rb__next_version(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__next_version() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $$;

--
-- Name: rb__num(jsonb, text, text, numeric, numeric, numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__num(obj jsonb, path text, key text, lo numeric, hi numeric, dflt numeric) RETURNS numeric
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__opt_timestamptz(jsonb, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__opt_timestamptz(obj jsonb, path text, key text) RETURNS timestamp with time zone
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF obj -> key IS NULL OR obj -> key = 'null'::jsonb THEN RETURN NULL; END IF;
    RETURN rb__timestamptz(obj, path, key);
END $$;

--
-- Name: rb__privacy_erase_v1(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__privacy_erase_v1(address text) RETURNS TABLE(what text, n bigint)
    LANGUAGE plpgsql
    AS $_$
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
END $_$;

--
-- Name: rb__privacy_sweep_v1(integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__privacy_sweep_v1(days integer, lim integer) RETURNS TABLE(what text, n bigint)
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__ref(regclass, text, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__ref(tbl regclass, id text, path text, what text) RETURNS text
    LANGUAGE plpgsql
    AS $_$
DECLARE found boolean;
BEGIN
    IF id IS NULL THEN RETURN NULL; END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE id = $1)', tbl) INTO found USING id;
    IF NOT found THEN PERFORM rb__bad(path, format('unknown %s "%s"', what, id)); END IF;
    RETURN id;
END $_$;

--
-- Name: rb__refuse(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__refuse(code text, message text) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
END $$;

--
-- Name: rb__scope(jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__scope(obj jsonb, p text) RETURNS text[]
    LANGUAGE plpgsql
    AS $_$
DECLARE s text := rb__text(obj, p, 'scope');
BEGIN
    IF s = 'all' THEN RETURN ARRAY['all', '']; END IF;
    IF s !~ '^(municipality|school|provider|venue):.+$' THEN
        PERFORM rb__bad(p || '.scope', 'must be all, municipality:NAME, school:ID, provider:ID or venue:ID');
    END IF;
    RETURN ARRAY[split_part(s, ':', 1), substr(s, strpos(s, ':') + 1)];
END $_$;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    id text NOT NULL,
    offering_id text NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    pupil_capacity integer NOT NULL,
    class_capacity integer NOT NULL,
    pupils_booked integer DEFAULT 0 NOT NULL,
    classes_booked integer DEFAULT 0 NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    cancelled_at timestamp with time zone,
    cancel_message text DEFAULT ''::text NOT NULL,
    moved boolean DEFAULT false NOT NULL,
    CONSTRAINT sessions_check CHECK ((ends_at > starts_at)),
    CONSTRAINT sessions_class_capacity_check CHECK ((class_capacity >= 0)),
    CONSTRAINT sessions_classes_within_capacity CHECK (((classes_booked >= 0) AND (classes_booked <= class_capacity))),
    CONSTRAINT sessions_id_check CHECK ((id <> ''::text)),
    CONSTRAINT sessions_pupil_capacity_check CHECK ((pupil_capacity >= 0)),
    CONSTRAINT sessions_pupils_within_capacity CHECK (((pupils_booked >= 0) AND (pupils_booked <= pupil_capacity)))
);

--
-- Name: rb__session_for_change(text, integer, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__session_for_change(sid text, expected integer, role text, org text) RETURNS public.sessions
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__text(jsonb, text, text, boolean, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__text(obj jsonb, path text, key text, required boolean DEFAULT true, dflt text DEFAULT NULL::text) RETURNS text
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb__time(jsonb, text, text, time without time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__time(obj jsonb, path text, key text, dflt time without time zone) RETURNS time without time zone
    LANGUAGE plpgsql
    AS $_$
DECLARE s text := rb__text(obj, path, key, false);
BEGIN
    IF s IS NULL THEN RETURN dflt; END IF;
    IF s !~ '^\d\d:\d\d$' THEN PERFORM rb__bad(path || '.' || key, 'must be HH:MM'); END IF;
    RETURN s::time;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    PERFORM rb__bad(path || '.' || key, 'is not a valid time of day: ' || s);
    RETURN NULL;
END $_$;

--
-- Name: rb__timestamptz(jsonb, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb__timestamptz(obj jsonb, path text, key text) RETURNS timestamp with time zone
    LANGUAGE plpgsql
    AS $_$
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
END $_$;

--
-- Name: rb_catalog_import(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb_catalog_import(doc jsonb) RETURNS TABLE(kind text, upserted integer)
    LANGUAGE plpgsql
    AS $_$
DECLARE k text;
BEGIN
    IF jsonb_typeof(doc) <> 'object' THEN
        PERFORM rb__bad('$', 'the catalogue must be a JSON object');
    END IF;
    FOR k IN SELECT jsonb_object_keys(doc) LOOP
        IF k NOT IN ('providers', 'venues', 'resources', 'offerings', 'sessions', 'schools',
                     'classes', 'buses', 'quotas', 'settings', 'travel_modes', 'rounds', 'closures') THEN
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
    kind := 'closures'; upserted := rb__import_closures(doc); RETURN NEXT;
END $_$;

--
-- Name: rb_catalog_retire(text, text, integer, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb_catalog_retire(kind text, eid text, expected integer, role text, org text) RETURNS integer
    LANGUAGE plpgsql
    AS $_$
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
END $_$;

--
-- Name: rb_catalog_upsert(text, jsonb, integer, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb_catalog_upsert(kind text, doc jsonb, expected integer, role text, org text) RETURNS integer
    LANGUAGE plpgsql
    AS $_$
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
END $_$;

--
-- Name: rb_period_start(text, date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb_period_start(period text, d date) RETURNS date
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE WHEN extract(month FROM d) >= 8 THEN make_date(extract(year FROM d)::int, 8, 1)
                WHEN period = 'term' THEN make_date(extract(year FROM d)::int, 1, 1)
                ELSE make_date(extract(year FROM d)::int - 1, 8, 1) END
$$;

--
-- Name: rb_privacy_erase(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb_privacy_erase(address text) RETURNS TABLE(what text, n bigint)
    LANGUAGE plpgsql
    AS $$
BEGIN
    RETURN QUERY SELECT * FROM rb__privacy_erase_v1(address);
    what := 'wishes';
    WITH e AS (UPDATE wishes SET actor_email = '', actor_name = '', note = ''
               WHERE lower(actor_email) = lower(btrim(address)) RETURNING 1)
    SELECT count(*) INTO n FROM e;
    RETURN NEXT;
END $$;

--
-- Name: rb_privacy_sweep(integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb_privacy_sweep(days integer, lim integer) RETURNS TABLE(what text, n bigint)
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rb_session_cancel(text, integer, text, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb_session_cancel(sid text, expected integer, message text, role text, org text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE s sessions := rb__session_for_change(sid, expected, role, org); v int;
BEGIN
    UPDATE sessions SET cancelled_at = now(), cancel_message = coalesce(message, '')
     WHERE id = sid RETURNING version INTO v;
    RETURN v;
END $$;

--
-- Name: rb_session_move(text, integer, timestamp with time zone, timestamp with time zone, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rb_session_move(sid text, expected integer, starts_at timestamp with time zone, ends_at timestamp with time zone, role text, org text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: allocation_offerings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.allocation_offerings (
    round_id text NOT NULL,
    offering_id text NOT NULL
);

--
-- Name: allocation_results; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.allocation_results (
    round_id text NOT NULL,
    "position" integer NOT NULL,
    pass integer NOT NULL,
    command_id uuid NOT NULL,
    class_id text NOT NULL,
    school_id text NOT NULL,
    draw_key text NOT NULL,
    outcome text NOT NULL,
    choice integer,
    session_id text,
    booking_id uuid,
    reasons text DEFAULT ''::text NOT NULL,
    CONSTRAINT allocation_results_outcome_check CHECK ((outcome = ANY (ARRAY['confirmed'::text, 'waitlisted'::text, 'rejected'::text])))
);

--
-- Name: allocation_rounds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.allocation_rounds (
    id text NOT NULL,
    name text NOT NULL,
    opens_at timestamp with time zone NOT NULL,
    closes_at timestamp with time zone NOT NULL,
    max_wishes integer DEFAULT 5 NOT NULL,
    seed bytea NOT NULL,
    seed_sha256 text NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    allocated_at timestamp with time zone,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT allocation_rounds_check CHECK ((closes_at > opens_at)),
    CONSTRAINT allocation_rounds_id_check CHECK ((id <> ''::text)),
    CONSTRAINT allocation_rounds_max_wishes_check CHECK (((max_wishes >= 1) AND (max_wishes <= 10))),
    CONSTRAINT allocation_rounds_seed_check CHECK ((length(seed) = 32)),
    CONSTRAINT allocation_rounds_status_check CHECK ((status = ANY (ARRAY['open'::text, 'allocated'::text])))
);

--
-- Name: bookings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bookings (
    id uuid NOT NULL,
    command_id uuid NOT NULL,
    session_id text NOT NULL,
    class_id text NOT NULL,
    pupils integer NOT NULL,
    status text NOT NULL,
    sequence integer DEFAULT 0 NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    teacher_email text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    travel_mode text DEFAULT 'public_transport'::text NOT NULL,
    away tstzrange NOT NULL,
    class_no integer NOT NULL,
    CONSTRAINT bookings_pupils_check CHECK ((pupils > 0)),
    CONSTRAINT bookings_sequence_check CHECK ((sequence >= 0)),
    CONSTRAINT bookings_status_check CHECK ((status = ANY (ARRAY['confirmed'::text, 'cancelled'::text]))),
    CONSTRAINT bookings_travel_mode_check CHECK ((travel_mode = ANY (ARRAY['walk'::text, 'bike'::text, 'public_transport'::text, 'bus'::text]))),
    CONSTRAINT bookings_trip_within_a_day CHECK (((upper(away) - lower(away)) <= '1 day'::interval))
);

--
-- Name: bus_holds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bus_holds (
    bus_id text NOT NULL,
    booking_id uuid NOT NULL,
    during tstzrange NOT NULL
);

--
-- Name: buses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.buses (
    id text NOT NULL,
    name text NOT NULL,
    seats integer NOT NULL,
    municipality text DEFAULT ''::text NOT NULL,
    depot_lat double precision,
    depot_lon double precision,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT buses_depot_lat_check CHECK (((depot_lat >= ('-90'::integer)::double precision) AND (depot_lat <= (90)::double precision))),
    CONSTRAINT buses_depot_lon_check CHECK (((depot_lon >= ('-180'::integer)::double precision) AND (depot_lon <= (180)::double precision))),
    CONSTRAINT buses_id_check CHECK ((id <> ''::text)),
    CONSTRAINT buses_seats_check CHECK (((seats >= 1) AND (seats <= 100)))
);

--
-- Name: classes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.classes (
    id text NOT NULL,
    school_id text NOT NULL,
    name text NOT NULL,
    grade integer NOT NULL,
    size integer NOT NULL,
    teacher_email text NOT NULL,
    target_group text DEFAULT 'grundskole'::text NOT NULL,
    no integer NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT classes_grade_check CHECK (((grade >= 0) AND (grade <= 13))),
    CONSTRAINT classes_id_check CHECK ((id <> ''::text)),
    CONSTRAINT classes_size_check CHECK (((size >= 1) AND (size <= 200))),
    CONSTRAINT classes_target_group_check CHECK ((target_group = ANY (ARRAY['dagtilbud'::text, 'grundskole'::text, 'ungdomsuddannelse'::text]))),
    CONSTRAINT classes_teacher_email_check CHECK (((teacher_email = ''::text) OR (teacher_email ~~ '%_@_%'::text)))
);

--
-- Name: classes_no_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.classes ALTER COLUMN no ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.classes_no_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: closures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.closures (
    scope_kind text NOT NULL,
    scope_id text DEFAULT ''::text NOT NULL,
    first_day date NOT NULL,
    last_day date NOT NULL,
    summary text DEFAULT ''::text NOT NULL,
    source_uid text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    id text GENERATED ALWAYS AS (((
CASE
    WHEN (scope_kind = 'all'::text) THEN 'all'::text
    ELSE ((scope_kind || ':'::text) || scope_id)
END || '/'::text) || source_uid)) STORED,
    CONSTRAINT closures_check CHECK ((last_day >= first_day)),
    CONSTRAINT closures_check1 CHECK (((scope_kind = 'all'::text) = (scope_id = ''::text))),
    CONSTRAINT closures_scope_kind_check CHECK ((scope_kind = ANY (ARRAY['all'::text, 'municipality'::text, 'school'::text, 'provider'::text, 'venue'::text])))
);

--
-- Name: command_bookings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.command_bookings (
    command_id uuid NOT NULL,
    booking_id uuid NOT NULL,
    status text NOT NULL,
    reasons text DEFAULT ''::text NOT NULL,
    CONSTRAINT command_bookings_status_check CHECK ((status = ANY (ARRAY['confirmed'::text, 'cancelled'::text])))
);

--
-- Name: commands; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.commands (
    command_id uuid NOT NULL,
    kind text NOT NULL,
    status text NOT NULL,
    booking_id uuid,
    reasons text DEFAULT ''::text NOT NULL,
    decision bytea NOT NULL,
    decision_event_id uuid NOT NULL,
    source_topic text NOT NULL,
    source_partition integer NOT NULL,
    source_offset bigint NOT NULL,
    decided_at timestamp with time zone DEFAULT now() NOT NULL,
    portal text DEFAULT ''::text NOT NULL,
    actor_role text DEFAULT ''::text NOT NULL,
    actor_org text DEFAULT ''::text NOT NULL,
    actor_email text DEFAULT ''::text NOT NULL,
    actor_name text DEFAULT ''::text NOT NULL,
    CONSTRAINT commands_kind_check CHECK ((kind = ANY (ARRAY['book'::text, 'cancel'::text, 'reschedule'::text, 'change'::text, 'withdraw'::text, 'approve'::text, 'refuse'::text, 'wish'::text, 'upsert'::text, 'retire'::text, 'cancel_session'::text, 'move_session'::text, 'invalid'::text]))),
    CONSTRAINT commands_status_check CHECK ((status = ANY (ARRAY['confirmed'::text, 'waitlisted'::text, 'rejected'::text, 'cancelled'::text, 'pending_review'::text, 'received'::text, 'applied'::text, 'refused'::text])))
);

--
-- Name: consumer_offsets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consumer_offsets (
    group_id text NOT NULL,
    topic text NOT NULL,
    partition integer NOT NULL,
    next_offset bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT consumer_offsets_next_offset_check CHECK ((next_offset >= 0))
);

--
-- Name: deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.deliveries (
    event_id uuid NOT NULL,
    recipient text NOT NULL,
    booking_id uuid NOT NULL,
    uid text NOT NULL,
    sequence integer NOT NULL,
    method text NOT NULL,
    message bytea NOT NULL,
    state text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    last_answer text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    sent_at timestamp with time zone,
    CONSTRAINT deliveries_method_check CHECK ((method = ANY (ARRAY['REQUEST'::text, 'CANCEL'::text]))),
    CONSTRAINT deliveries_recipient_check CHECK ((recipient <> ''::text)),
    CONSTRAINT deliveries_sequence_check CHECK ((sequence >= 0)),
    CONSTRAINT deliveries_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'sent'::text, 'failed'::text])))
);

--
-- Name: dlq_replays; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dlq_replays (
    id bigint NOT NULL,
    dlq_topic text NOT NULL,
    dlq_partition integer NOT NULL,
    dlq_offset bigint NOT NULL,
    replayed_at timestamp with time zone DEFAULT now() NOT NULL,
    replayed_by text NOT NULL,
    forced boolean DEFAULT false NOT NULL,
    to_topic text NOT NULL,
    to_partition integer NOT NULL,
    to_offset bigint NOT NULL,
    CONSTRAINT dlq_replays_dlq_offset_check CHECK ((dlq_offset >= 0)),
    CONSTRAINT dlq_replays_dlq_partition_check CHECK ((dlq_partition >= 0)),
    CONSTRAINT dlq_replays_replayed_by_check CHECK ((replayed_by <> ''::text))
);

--
-- Name: dlq_replays_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.dlq_replays_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: dlq_replays_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.dlq_replays_id_seq OWNED BY public.dlq_replays.id;

--
-- Name: feed_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feed_tokens (
    id bigint NOT NULL,
    scope_kind text NOT NULL,
    scope_id text NOT NULL,
    token_hash bytea NOT NULL,
    label text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    CONSTRAINT feed_tokens_scope_id_check CHECK ((scope_id <> ''::text)),
    CONSTRAINT feed_tokens_scope_kind_check CHECK ((scope_kind = ANY (ARRAY['school'::text, 'provider'::text]))),
    CONSTRAINT feed_tokens_token_hash_check CHECK ((length(token_hash) = 32))
);

--
-- Name: feed_tokens_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.feed_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: feed_tokens_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.feed_tokens_id_seq OWNED BY public.feed_tokens.id;

--
-- Name: offerings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.offerings (
    id text NOT NULL,
    provider_id text NOT NULL,
    venue_id text,
    title text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    target_group text NOT NULL,
    grade_min integer DEFAULT 0 NOT NULL,
    grade_max integer DEFAULT 10 NOT NULL,
    duration_min integer NOT NULL,
    category text,
    sales_open timestamp with time zone,
    sales_close timestamp with time zone,
    notice_days integer DEFAULT 0 NOT NULL,
    setup_min integer DEFAULT 0 NOT NULL,
    cleanup_min integer DEFAULT 0 NOT NULL,
    schedule_start text,
    schedule_rrule text,
    schedule_rdates text,
    schedule_exdates text,
    language text DEFAULT 'da'::text NOT NULL,
    audience_municipalities text[],
    audience_schools text[],
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT offerings_category_check CHECK ((category <> ''::text)),
    CONSTRAINT offerings_check CHECK (((grade_max >= grade_min) AND (grade_max <= 13))),
    CONSTRAINT offerings_cleanup_min_check CHECK (((cleanup_min >= 0) AND (cleanup_min <= 720))),
    CONSTRAINT offerings_duration_min_check CHECK ((duration_min > 0)),
    CONSTRAINT offerings_grade_min_check CHECK (((grade_min >= 0) AND (grade_min <= 13))),
    CONSTRAINT offerings_id_check CHECK ((id <> ''::text)),
    CONSTRAINT offerings_language_check CHECK ((language = ANY (ARRAY['da'::text, 'en'::text]))),
    CONSTRAINT offerings_notice_days_check CHECK (((notice_days >= 0) AND (notice_days <= 365))),
    CONSTRAINT offerings_sales_window CHECK ((sales_close > sales_open)),
    CONSTRAINT offerings_schedule_needs_start CHECK (((schedule_start IS NOT NULL) OR ((schedule_rrule IS NULL) AND (schedule_rdates IS NULL)))),
    CONSTRAINT offerings_setup_min_check CHECK (((setup_min >= 0) AND (setup_min <= 720))),
    CONSTRAINT offerings_target_group_check CHECK ((target_group = ANY (ARRAY['dagtilbud'::text, 'grundskole'::text, 'ungdomsuddannelse'::text])))
);

--
-- Name: outbox_batches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox_batches (
    id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    sent_at timestamp with time zone
);

--
-- Name: outbox_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox_events (
    id bigint NOT NULL,
    event_id uuid NOT NULL,
    topic text NOT NULL,
    key bytea,
    payload bytea NOT NULL,
    message_type text NOT NULL,
    cause text,
    source_topic text,
    source_partition integer,
    source_offset bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    batch_id bigint NOT NULL,
    portal text,
    signature text
);

--
-- Name: outbox; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.outbox AS
 SELECT e.id,
    e.event_id,
    e.topic,
    e.key,
    e.payload,
    e.message_type,
    e.cause,
    e.source_topic,
    e.source_partition,
    e.source_offset,
    e.created_at,
    b.sent_at,
    e.batch_id
   FROM (public.outbox_events e
     JOIN public.outbox_batches b ON ((b.id = e.batch_id)));

--
-- Name: outbox_batches_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.outbox_batches_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: outbox_batches_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.outbox_batches_id_seq OWNED BY public.outbox_batches.id;

--
-- Name: outbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: outbox_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.outbox_id_seq OWNED BY public.outbox_events.id;

--
-- Name: portals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.portals (
    name text NOT NULL,
    scope_kind text NOT NULL,
    scope_id text DEFAULT ''::text NOT NULL,
    public_key bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    CONSTRAINT portals_name_check CHECK ((name ~ '^[A-Za-z0-9._-]{1,100}$'::text)),
    CONSTRAINT portals_public_key_check CHECK ((length(public_key) = 32)),
    CONSTRAINT portals_scope CHECK (((scope_kind = 'all'::text) = (scope_id = ''::text))),
    CONSTRAINT portals_scope_kind_check CHECK ((scope_kind = ANY (ARRAY['all'::text, 'municipality'::text, 'school'::text])))
);

--
-- Name: providers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.providers (
    id text NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    municipality text,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT providers_email_check CHECK ((email ~~ '%_@_%'::text)),
    CONSTRAINT providers_id_check CHECK ((id <> ''::text))
);

--
-- Name: quotas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.quotas (
    id text NOT NULL,
    scope_kind text NOT NULL,
    scope_id text NOT NULL,
    period text NOT NULL,
    offering_id text,
    category text,
    counts text DEFAULT 'bookings'::text NOT NULL,
    max_count integer NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT quotas_counts_check CHECK ((counts = ANY (ARRAY['bookings'::text, 'bus_trips'::text]))),
    CONSTRAINT quotas_id_check CHECK ((id <> ''::text)),
    CONSTRAINT quotas_max_count_check CHECK ((max_count >= 0)),
    CONSTRAINT quotas_period_check CHECK ((period = ANY (ARRAY['term'::text, 'school_year'::text]))),
    CONSTRAINT quotas_scope_kind_check CHECK ((scope_kind = ANY (ARRAY['school'::text, 'class'::text])))
);

--
-- Name: resource_holds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.resource_holds (
    resource_id text NOT NULL,
    session_id text NOT NULL,
    during tstzrange NOT NULL,
    lat double precision,
    lon double precision
);

--
-- Name: resources; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.resources (
    id text NOT NULL,
    provider_id text NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT resources_id_check CHECK ((id <> ''::text)),
    CONSTRAINT resources_kind_check CHECK ((kind = ANY (ARRAY['room'::text, 'guide'::text, 'equipment'::text, 'bus'::text])))
);

--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: school_hours; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.school_hours (
    school_id text NOT NULL,
    grade_min integer NOT NULL,
    grade_max integer NOT NULL,
    earliest_departure time without time zone NOT NULL,
    latest_return time without time zone NOT NULL,
    CONSTRAINT school_hours_check CHECK (((grade_max >= grade_min) AND (grade_max <= 13))),
    CONSTRAINT school_hours_check1 CHECK ((latest_return > earliest_departure)),
    CONSTRAINT school_hours_grade_min_check CHECK (((grade_min >= 0) AND (grade_min <= 13)))
);

--
-- Name: schools; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schools (
    id text NOT NULL,
    name text NOT NULL,
    municipality text DEFAULT ''::text NOT NULL,
    lat double precision,
    lon double precision,
    day_start time without time zone DEFAULT '08:00:00'::time without time zone NOT NULL,
    day_end time without time zone DEFAULT '14:00:00'::time without time zone NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT schools_check CHECK ((day_end > day_start)),
    CONSTRAINT schools_id_check CHECK ((id <> ''::text)),
    CONSTRAINT schools_lat_check CHECK (((lat >= ('-90'::integer)::double precision) AND (lat <= (90)::double precision))),
    CONSTRAINT schools_lon_check CHECK (((lon >= ('-180'::integer)::double precision) AND (lon <= (180)::double precision)))
);

--
-- Name: session_resources; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.session_resources (
    session_id text NOT NULL,
    resource_id text NOT NULL
);

--
-- Name: settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.settings (
    key text NOT NULL,
    value numeric NOT NULL,
    CONSTRAINT settings_key_check CHECK ((key = ANY (ARRAY['bus_notice_days'::text, 'bus_min_km'::text, 'bus_min_grade'::text, 'bus_adults'::text, 'max_alternatives'::text, 'retention_days'::text]))),
    CONSTRAINT settings_value_check CHECK (((value >= (0)::numeric) AND (value <= (1000)::numeric)))
);

--
-- Name: travel_modes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.travel_modes (
    mode text NOT NULL,
    road_factor double precision NOT NULL,
    speed_kmh double precision NOT NULL,
    overhead_min integer NOT NULL,
    CONSTRAINT travel_modes_mode_check CHECK ((mode = ANY (ARRAY['walk'::text, 'bike'::text, 'public_transport'::text, 'bus'::text, 'car'::text]))),
    CONSTRAINT travel_modes_overhead_min_check CHECK (((overhead_min >= 0) AND (overhead_min <= 240))),
    CONSTRAINT travel_modes_road_factor_check CHECK (((road_factor >= (1)::double precision) AND (road_factor <= (5)::double precision))),
    CONSTRAINT travel_modes_speed_kmh_check CHECK (((speed_kmh > (0)::double precision) AND (speed_kmh <= (200)::double precision)))
);

--
-- Name: travel_times; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.travel_times (
    school_id text NOT NULL,
    venue_id text NOT NULL,
    mode text NOT NULL,
    minutes integer NOT NULL,
    CONSTRAINT travel_times_minutes_check CHECK (((minutes >= 0) AND (minutes <= 600))),
    CONSTRAINT travel_times_mode_check CHECK ((mode = ANY (ARRAY['walk'::text, 'bike'::text, 'public_transport'::text, 'bus'::text])))
);

--
-- Name: venues; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.venues (
    id text NOT NULL,
    provider_id text NOT NULL,
    name text NOT NULL,
    address text DEFAULT ''::text NOT NULL,
    lat double precision,
    lon double precision,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT venues_id_check CHECK ((id <> ''::text)),
    CONSTRAINT venues_lat_check CHECK (((lat >= ('-90'::integer)::double precision) AND (lat <= (90)::double precision))),
    CONSTRAINT venues_lon_check CHECK (((lon >= ('-180'::integer)::double precision) AND (lon <= (180)::double precision)))
);

--
-- Name: waitlist; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.waitlist (
    id bigint NOT NULL,
    command_id uuid NOT NULL,
    session_id text NOT NULL,
    class_id text NOT NULL,
    pupils integer NOT NULL,
    travel_mode text NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    actor_email text DEFAULT ''::text NOT NULL,
    actor_name text DEFAULT ''::text NOT NULL,
    status text DEFAULT 'waiting'::text NOT NULL,
    booking_id uuid,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    resolved_at timestamp with time zone,
    kind text DEFAULT 'capacity'::text NOT NULL,
    CONSTRAINT waitlist_kind_check CHECK ((kind = ANY (ARRAY['capacity'::text, 'review'::text]))),
    CONSTRAINT waitlist_pupils_check CHECK ((pupils > 0)),
    CONSTRAINT waitlist_status_check CHECK ((status = ANY (ARRAY['waiting'::text, 'promoted'::text, 'expired'::text, 'rejected'::text, 'withdrawn'::text])))
);

--
-- Name: waitlist_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.waitlist_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: waitlist_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.waitlist_id_seq OWNED BY public.waitlist.id;

--
-- Name: wishes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.wishes (
    command_id uuid NOT NULL,
    round_id text NOT NULL,
    class_id text NOT NULL,
    school_id text NOT NULL,
    sessions text[] NOT NULL,
    pupils integer NOT NULL,
    travel_mode text NOT NULL,
    wants integer DEFAULT 1 NOT NULL,
    wait boolean DEFAULT false NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    actor_email text DEFAULT ''::text NOT NULL,
    actor_name text DEFAULT ''::text NOT NULL,
    status text DEFAULT 'received'::text NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT wishes_pupils_check CHECK ((pupils > 0)),
    CONSTRAINT wishes_sessions_check CHECK (((cardinality(sessions) >= 1) AND (cardinality(sessions) <= 10))),
    CONSTRAINT wishes_status_check CHECK ((status = ANY (ARRAY['received'::text, 'replaced'::text, 'withdrawn'::text, 'allocated'::text]))),
    CONSTRAINT wishes_wants_check CHECK (((wants >= 1) AND (wants <= 10)))
);

--
-- Name: dlq_replays id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dlq_replays ALTER COLUMN id SET DEFAULT nextval('public.dlq_replays_id_seq'::regclass);

--
-- Name: feed_tokens id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feed_tokens ALTER COLUMN id SET DEFAULT nextval('public.feed_tokens_id_seq'::regclass);

--
-- Name: outbox_batches id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_batches ALTER COLUMN id SET DEFAULT nextval('public.outbox_batches_id_seq'::regclass);

--
-- Name: outbox_events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_events ALTER COLUMN id SET DEFAULT nextval('public.outbox_id_seq'::regclass);

--
-- Name: waitlist id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.waitlist ALTER COLUMN id SET DEFAULT nextval('public.waitlist_id_seq'::regclass);

--
-- Name: allocation_offerings allocation_offerings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.allocation_offerings
    ADD CONSTRAINT allocation_offerings_pkey PRIMARY KEY (round_id, offering_id);

--
-- Name: allocation_results allocation_results_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.allocation_results
    ADD CONSTRAINT allocation_results_pkey PRIMARY KEY (round_id, pass, "position");

--
-- Name: allocation_rounds allocation_rounds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.allocation_rounds
    ADD CONSTRAINT allocation_rounds_pkey PRIMARY KEY (id);

--
-- Name: bookings bookings_class_in_one_place; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookings
    ADD CONSTRAINT bookings_class_in_one_place EXCLUDE USING gist (class_no WITH =, away WITH &&) WHERE ((status = 'confirmed'::text)) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: bookings bookings_command_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookings
    ADD CONSTRAINT bookings_command_id_key UNIQUE (command_id);

--
-- Name: bookings bookings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookings
    ADD CONSTRAINT bookings_pkey PRIMARY KEY (id);

--
-- Name: bus_holds bus_holds_no_overlap; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bus_holds
    ADD CONSTRAINT bus_holds_no_overlap EXCLUDE USING gist (bus_id WITH =, during WITH &&);

--
-- Name: bus_holds bus_holds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bus_holds
    ADD CONSTRAINT bus_holds_pkey PRIMARY KEY (bus_id, booking_id);

--
-- Name: buses buses_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.buses
    ADD CONSTRAINT buses_pkey PRIMARY KEY (id);

--
-- Name: classes classes_id_no; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.classes
    ADD CONSTRAINT classes_id_no UNIQUE (id, no);

--
-- Name: classes classes_no_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.classes
    ADD CONSTRAINT classes_no_unique UNIQUE (no);

--
-- Name: classes classes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.classes
    ADD CONSTRAINT classes_pkey PRIMARY KEY (id);

--
-- Name: closures closures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.closures
    ADD CONSTRAINT closures_pkey PRIMARY KEY (scope_kind, scope_id, source_uid, first_day);

--
-- Name: command_bookings command_bookings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.command_bookings
    ADD CONSTRAINT command_bookings_pkey PRIMARY KEY (booking_id, command_id);

--
-- Name: commands commands_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.commands
    ADD CONSTRAINT commands_pkey PRIMARY KEY (command_id);

--
-- Name: consumer_offsets consumer_offsets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consumer_offsets
    ADD CONSTRAINT consumer_offsets_pkey PRIMARY KEY (group_id, topic, partition);

--
-- Name: deliveries deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deliveries
    ADD CONSTRAINT deliveries_pkey PRIMARY KEY (event_id, recipient);

--
-- Name: dlq_replays dlq_replays_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dlq_replays
    ADD CONSTRAINT dlq_replays_pkey PRIMARY KEY (id);

--
-- Name: feed_tokens feed_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feed_tokens
    ADD CONSTRAINT feed_tokens_pkey PRIMARY KEY (id);

--
-- Name: feed_tokens feed_tokens_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feed_tokens
    ADD CONSTRAINT feed_tokens_token_hash_key UNIQUE (token_hash);

--
-- Name: offerings offerings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.offerings
    ADD CONSTRAINT offerings_pkey PRIMARY KEY (id);

--
-- Name: outbox_batches outbox_batches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_batches
    ADD CONSTRAINT outbox_batches_pkey PRIMARY KEY (id);

--
-- Name: outbox_events outbox_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_events
    ADD CONSTRAINT outbox_events_pkey PRIMARY KEY (batch_id, id);

--
-- Name: portals portals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.portals
    ADD CONSTRAINT portals_pkey PRIMARY KEY (name);

--
-- Name: providers providers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.providers
    ADD CONSTRAINT providers_pkey PRIMARY KEY (id);

--
-- Name: quotas quotas_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.quotas
    ADD CONSTRAINT quotas_pkey PRIMARY KEY (id);

--
-- Name: resource_holds resource_holds_no_overlap; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.resource_holds
    ADD CONSTRAINT resource_holds_no_overlap EXCLUDE USING gist (resource_id WITH =, during WITH &&);

--
-- Name: resource_holds resource_holds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.resource_holds
    ADD CONSTRAINT resource_holds_pkey PRIMARY KEY (resource_id, session_id);

--
-- Name: resources resources_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.resources
    ADD CONSTRAINT resources_pkey PRIMARY KEY (id);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

--
-- Name: school_hours school_hours_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.school_hours
    ADD CONSTRAINT school_hours_pkey PRIMARY KEY (school_id, grade_min);

--
-- Name: schools schools_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schools
    ADD CONSTRAINT schools_pkey PRIMARY KEY (id);

--
-- Name: session_resources session_resources_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_resources
    ADD CONSTRAINT session_resources_pkey PRIMARY KEY (session_id, resource_id);

--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);

--
-- Name: settings settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.settings
    ADD CONSTRAINT settings_pkey PRIMARY KEY (key);

--
-- Name: travel_modes travel_modes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.travel_modes
    ADD CONSTRAINT travel_modes_pkey PRIMARY KEY (mode);

--
-- Name: travel_times travel_times_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.travel_times
    ADD CONSTRAINT travel_times_pkey PRIMARY KEY (school_id, venue_id, mode);

--
-- Name: venues venues_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.venues
    ADD CONSTRAINT venues_pkey PRIMARY KEY (id);

--
-- Name: waitlist waitlist_command_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.waitlist
    ADD CONSTRAINT waitlist_command_id_key UNIQUE (command_id);

--
-- Name: waitlist waitlist_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.waitlist
    ADD CONSTRAINT waitlist_pkey PRIMARY KEY (id);

--
-- Name: wishes wishes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.wishes
    ADD CONSTRAINT wishes_pkey PRIMARY KEY (command_id);

--
-- Name: allocation_offerings_offering; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX allocation_offerings_offering ON public.allocation_offerings USING btree (offering_id);

--
-- Name: bookings_class_trips; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookings_class_trips ON public.bookings USING btree (class_no, lower(away)) WHERE (status = 'confirmed'::text);

--
-- Name: bookings_one_active_per_class_session; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX bookings_one_active_per_class_session ON public.bookings USING btree (session_id, class_id) WHERE (status = 'confirmed'::text);

--
-- Name: bus_holds_booking; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bus_holds_booking ON public.bus_holds USING btree (booking_id);

--
-- Name: closures_days; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX closures_days ON public.closures USING gist (daterange(first_day, last_day, '[]'::text));

--
-- Name: closures_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX closures_id ON public.closures USING btree (id);

--
-- Name: commands_booking; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX commands_booking ON public.commands USING btree (booking_id) WHERE (booking_id IS NOT NULL);

--
-- Name: deliveries_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX deliveries_due ON public.deliveries USING btree (created_at) WHERE (state = 'pending'::text);

--
-- Name: deliveries_pending_uid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX deliveries_pending_uid ON public.deliveries USING btree (uid, recipient, sequence) WHERE (state = 'pending'::text);

--
-- Name: dlq_replays_letter; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dlq_replays_letter ON public.dlq_replays USING btree (dlq_topic, dlq_partition, dlq_offset);

--
-- Name: feed_tokens_scope; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feed_tokens_scope ON public.feed_tokens USING btree (scope_kind, scope_id) WHERE (revoked_at IS NULL);

--
-- Name: outbox_batches_unsent; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_batches_unsent ON public.outbox_batches USING btree (id) WHERE (sent_at IS NULL);

--
-- Name: quotas_scope; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX quotas_scope ON public.quotas USING btree (scope_kind, scope_id);

--
-- Name: sessions_offering_starts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_offering_starts ON public.sessions USING btree (offering_id, starts_at);

--
-- Name: waitlist_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX waitlist_expiry ON public.waitlist USING btree (expires_at) WHERE (status = 'waiting'::text);

--
-- Name: waitlist_once_per_class; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX waitlist_once_per_class ON public.waitlist USING btree (session_id, class_id) WHERE (status = 'waiting'::text);

--
-- Name: wishes_one_per_class; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX wishes_one_per_class ON public.wishes USING btree (round_id, class_id) WHERE (status = 'received'::text);

--
-- Name: allocation_rounds allocation_rounds_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER allocation_rounds_version BEFORE UPDATE ON public.allocation_rounds FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION public.rb__next_version();

--
-- Name: bookings bookings_references_on_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bookings_references_on_insert AFTER INSERT ON public.bookings REFERENCING NEW TABLE AS new_bookings FOR EACH STATEMENT EXECUTE FUNCTION public.bookings_check_references();

--
-- Name: bookings bookings_references_on_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bookings_references_on_update AFTER UPDATE ON public.bookings REFERENCING NEW TABLE AS new_bookings FOR EACH STATEMENT EXECUTE FUNCTION public.bookings_check_references();

--
-- Name: buses buses_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER buses_version BEFORE UPDATE ON public.buses FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION public.rb__next_version();

--
-- Name: classes classes_keep_bookings_on_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER classes_keep_bookings_on_delete AFTER DELETE ON public.classes REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.bookings_keep_deleted();

--
-- Name: classes classes_keep_bookings_on_rekey; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER classes_keep_bookings_on_rekey AFTER UPDATE OF id, no ON public.classes FOR EACH ROW WHEN (((old.id IS DISTINCT FROM new.id) OR (old.no IS DISTINCT FROM new.no))) EXECUTE FUNCTION public.bookings_keep_key();

--
-- Name: classes classes_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER classes_version BEFORE UPDATE ON public.classes FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION public.rb__next_version();

--
-- Name: offerings offerings_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER offerings_version BEFORE UPDATE ON public.offerings FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION public.rb__next_version();

--
-- Name: providers providers_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER providers_version BEFORE UPDATE ON public.providers FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION public.rb__next_version();

--
-- Name: quotas quotas_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER quotas_version BEFORE UPDATE ON public.quotas FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION public.rb__next_version();

--
-- Name: resources resources_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER resources_version BEFORE UPDATE ON public.resources FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION public.rb__next_version();

--
-- Name: schools schools_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER schools_version BEFORE UPDATE ON public.schools FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION public.rb__next_version();

--
-- Name: sessions sessions_keep_bookings_on_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER sessions_keep_bookings_on_delete AFTER DELETE ON public.sessions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.bookings_keep_deleted();

--
-- Name: sessions sessions_keep_bookings_on_rekey; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER sessions_keep_bookings_on_rekey AFTER UPDATE OF id ON public.sessions FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.bookings_keep_key();

--
-- Name: sessions sessions_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER sessions_version BEFORE UPDATE OF offering_id, starts_at, ends_at, pupil_capacity, class_capacity, cancelled_at ON public.sessions FOR EACH ROW WHEN (((((((old.offering_id IS DISTINCT FROM new.offering_id) OR (old.starts_at IS DISTINCT FROM new.starts_at)) OR (old.ends_at IS DISTINCT FROM new.ends_at)) OR (old.pupil_capacity IS DISTINCT FROM new.pupil_capacity)) OR (old.class_capacity IS DISTINCT FROM new.class_capacity)) OR (old.cancelled_at IS DISTINCT FROM new.cancelled_at))) EXECUTE FUNCTION public.rb__next_version();

--
-- Name: venues venues_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER venues_version BEFORE UPDATE ON public.venues FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION public.rb__next_version();

--
-- Name: allocation_offerings allocation_offerings_offering_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.allocation_offerings
    ADD CONSTRAINT allocation_offerings_offering_id_fkey FOREIGN KEY (offering_id) REFERENCES public.offerings(id);

--
-- Name: allocation_offerings allocation_offerings_round_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.allocation_offerings
    ADD CONSTRAINT allocation_offerings_round_id_fkey FOREIGN KEY (round_id) REFERENCES public.allocation_rounds(id) ON DELETE CASCADE;

--
-- Name: allocation_results allocation_results_round_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.allocation_results
    ADD CONSTRAINT allocation_results_round_id_fkey FOREIGN KEY (round_id) REFERENCES public.allocation_rounds(id);

--
-- Name: bus_holds bus_holds_booking_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bus_holds
    ADD CONSTRAINT bus_holds_booking_id_fkey FOREIGN KEY (booking_id) REFERENCES public.bookings(id);

--
-- Name: bus_holds bus_holds_bus_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bus_holds
    ADD CONSTRAINT bus_holds_bus_id_fkey FOREIGN KEY (bus_id) REFERENCES public.buses(id);

--
-- Name: classes classes_school_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.classes
    ADD CONSTRAINT classes_school_id_fkey FOREIGN KEY (school_id) REFERENCES public.schools(id);

--
-- Name: command_bookings command_bookings_command_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.command_bookings
    ADD CONSTRAINT command_bookings_command_id_fkey FOREIGN KEY (command_id) REFERENCES public.commands(command_id);

--
-- Name: offerings offerings_provider_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.offerings
    ADD CONSTRAINT offerings_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id);

--
-- Name: offerings offerings_venue_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.offerings
    ADD CONSTRAINT offerings_venue_id_fkey FOREIGN KEY (venue_id) REFERENCES public.venues(id);

--
-- Name: quotas quotas_offering_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.quotas
    ADD CONSTRAINT quotas_offering_id_fkey FOREIGN KEY (offering_id) REFERENCES public.offerings(id);

--
-- Name: resource_holds resource_holds_resource_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.resource_holds
    ADD CONSTRAINT resource_holds_resource_id_fkey FOREIGN KEY (resource_id) REFERENCES public.resources(id);

--
-- Name: resource_holds resource_holds_session_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.resource_holds
    ADD CONSTRAINT resource_holds_session_id_fkey FOREIGN KEY (session_id) REFERENCES public.sessions(id);

--
-- Name: resources resources_provider_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.resources
    ADD CONSTRAINT resources_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id);

--
-- Name: school_hours school_hours_school_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.school_hours
    ADD CONSTRAINT school_hours_school_id_fkey FOREIGN KEY (school_id) REFERENCES public.schools(id);

--
-- Name: session_resources session_resources_resource_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_resources
    ADD CONSTRAINT session_resources_resource_id_fkey FOREIGN KEY (resource_id) REFERENCES public.resources(id);

--
-- Name: session_resources session_resources_session_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_resources
    ADD CONSTRAINT session_resources_session_id_fkey FOREIGN KEY (session_id) REFERENCES public.sessions(id);

--
-- Name: sessions sessions_offering_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_offering_id_fkey FOREIGN KEY (offering_id) REFERENCES public.offerings(id);

--
-- Name: travel_times travel_times_school_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.travel_times
    ADD CONSTRAINT travel_times_school_id_fkey FOREIGN KEY (school_id) REFERENCES public.schools(id);

--
-- Name: travel_times travel_times_venue_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.travel_times
    ADD CONSTRAINT travel_times_venue_id_fkey FOREIGN KEY (venue_id) REFERENCES public.venues(id);

--
-- Name: venues venues_provider_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.venues
    ADD CONSTRAINT venues_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id);

--
-- Name: waitlist waitlist_booking_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.waitlist
    ADD CONSTRAINT waitlist_booking_id_fkey FOREIGN KEY (booking_id) REFERENCES public.bookings(id);

--
-- Name: waitlist waitlist_class_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.waitlist
    ADD CONSTRAINT waitlist_class_id_fkey FOREIGN KEY (class_id) REFERENCES public.classes(id);

--
-- Name: waitlist waitlist_session_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.waitlist
    ADD CONSTRAINT waitlist_session_id_fkey FOREIGN KEY (session_id) REFERENCES public.sessions(id);

--
-- Name: wishes wishes_round_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.wishes
    ADD CONSTRAINT wishes_round_id_fkey FOREIGN KEY (round_id) REFERENCES public.allocation_rounds(id);

--
-- PostgreSQL database dump complete
--

