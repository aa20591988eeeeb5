-- Closed days in the catalogue (docs/catalog.md): besides the iCalendar
-- import, a closure is an entity of its own, {"id": UID, "scope":
-- "municipality:Aarhus", "first_day", "last_day", "summary"}, whose
-- catalogue id is SCOPE/UID ("all/UID" for everyone); versioned like the
-- others. An iCalendar event's days (a recurring one has several rows) are
-- the closure SCOPE/its UID, and retiring that id removes them all.
ALTER TABLE closures ADD COLUMN version int NOT NULL DEFAULT 1,
    ADD COLUMN id text GENERATED ALWAYS AS
        (CASE WHEN scope_kind = 'all' THEN 'all' ELSE scope_kind || ':' || scope_id END
         || '/' || source_uid) STORED;
CREATE INDEX closures_id ON closures (id);

-- "all", "municipality:Aarhus", ... for closure p; raises naming the field.
CREATE FUNCTION rb__scope(obj jsonb, p text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE s text := rb__text(obj, p, 'scope');
BEGIN
    IF s = 'all' THEN RETURN ARRAY['all', '']; END IF;
    IF s !~ '^(municipality|school|provider|venue):.+$' THEN
        PERFORM rb__bad(p || '.scope', 'must be all, municipality:NAME, school:ID, provider:ID or venue:ID');
    END IF;
    RETURN ARRAY[split_part(s, ':', 1), substr(s, strpos(s, ':') + 1)];
END $$;

-- The catalogue id of an entity in a command: its id, or for a closure
-- SCOPE/UID.
CREATE OR REPLACE FUNCTION rb__entity_id(kind text, doc jsonb) RETURNS text
LANGUAGE plpgsql AS $$
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

CREATE FUNCTION rb__import_closures(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION rb_catalog_import(doc jsonb) RETURNS TABLE (kind text, upserted int)
LANGUAGE plpgsql AS $$
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
END $$;

CREATE OR REPLACE FUNCTION rb__catalog_table(kind text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
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

CREATE OR REPLACE FUNCTION rb__catalog_section(kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE kind WHEN 'round' THEN 'rounds' WHEN 'closure' THEN 'closures'
                     ELSE rb__catalog_table(kind) END
$$;
