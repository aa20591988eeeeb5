-- An offering's language: the invitation e-mail's text is Danish ('da', the
-- default) or English ('en'), as the catalogue says (catalog.md).
ALTER TABLE offerings ADD COLUMN language text NOT NULL DEFAULT 'da'
    CHECK (language IN ('da', 'en'));

-- The import reads it after the rest of each offering.
ALTER FUNCTION rb__import_offerings(jsonb) RENAME TO rb__import_offerings_v1;

CREATE FUNCTION rb__import_offerings(doc jsonb) RETURNS int
LANGUAGE plpgsql AS $$
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
