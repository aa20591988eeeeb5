-- Who may book an offering: everyone (both NULL, the default), or the
-- schools of some municipalities and/or some listed schools (a free
-- municipal offer, a pilot with named schools). catalog.md, "Audience".
ALTER TABLE offerings
    ADD COLUMN audience_municipalities text[],
    ADD COLUMN audience_schools text[];

-- A list of ids: strings without control characters (the engine joins
-- them with the unit separator), at least one.
CREATE FUNCTION rb__id_list(obj jsonb, path text, key text) RETURNS text[]
LANGUAGE plpgsql AS $$
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
END $$;

ALTER FUNCTION rb__import_offerings(jsonb) RENAME TO rb__import_offerings_v2;

CREATE FUNCTION rb__import_offerings(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
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
