-- Scheduling rules (docs/scheduling.md): offering schedules and booking
-- windows, closures, travel times, resources held over time, buses,
-- quotas and waiting lists. Every "never twice at once" is an exclusion
-- constraint here, whatever a worker believes.

CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE offerings
    ADD COLUMN category         text CHECK (category <> ''),
    ADD COLUMN sales_open       timestamptz,
    ADD COLUMN sales_close      timestamptz,
    ADD COLUMN notice_days      int NOT NULL DEFAULT 0 CHECK (notice_days BETWEEN 0 AND 365),
    ADD COLUMN setup_min        int NOT NULL DEFAULT 0 CHECK (setup_min BETWEEN 0 AND 720),
    ADD COLUMN cleanup_min      int NOT NULL DEFAULT 0 CHECK (cleanup_min BETWEEN 0 AND 720),
    -- The recurrence, in Europe/Copenhagen wall-clock time:
    ADD COLUMN schedule_start   text,   -- "2027-01-05T09:00"
    ADD COLUMN schedule_rrule   text,   -- "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270624"
    ADD COLUMN schedule_rdates  text,   -- space-separated local times
    ADD COLUMN schedule_exdates text,
    ADD CONSTRAINT offerings_sales_window CHECK (sales_close > sales_open),
    ADD CONSTRAINT offerings_schedule_needs_start
        CHECK (schedule_start IS NOT NULL OR (schedule_rrule IS NULL AND schedule_rdates IS NULL));

ALTER TABLE classes
    ADD COLUMN target_group text NOT NULL DEFAULT 'grundskole'
        CHECK (target_group IN ('dagtilbud', 'grundskole', 'ungdomsuddannelse'));

-- The school day by grade, where it differs from the school's default.
CREATE TABLE school_hours (
    school_id          text NOT NULL REFERENCES schools(id),
    grade_min          int NOT NULL CHECK (grade_min BETWEEN 0 AND 13),
    grade_max          int NOT NULL CHECK (grade_max BETWEEN grade_min AND 13),
    earliest_departure time NOT NULL,
    latest_return      time NOT NULL CHECK (latest_return > earliest_departure),
    PRIMARY KEY (school_id, grade_min)
);

-- A booking's trip: the class is away from school over `away`, and a
-- class is in one place at a time.
ALTER TABLE bookings
    ADD COLUMN travel_mode text NOT NULL DEFAULT 'public_transport'
        CHECK (travel_mode IN ('walk', 'bike', 'public_transport', 'bus')),
    ADD COLUMN away tstzrange;
UPDATE bookings b SET away = tstzrange(s.starts_at, s.ends_at) FROM sessions s
    WHERE s.id = b.session_id;
ALTER TABLE bookings
    ALTER COLUMN away SET NOT NULL,
    ADD CONSTRAINT bookings_class_in_one_place
        EXCLUDE USING gist (class_id WITH =, away WITH &&) WHERE (status = 'confirmed');

ALTER TABLE commands DROP CONSTRAINT commands_status_check;
ALTER TABLE commands ADD CONSTRAINT commands_status_check
    CHECK (status IN ('confirmed', 'waitlisted', 'rejected', 'cancelled', 'pending_review'));

-- A session that has a class holds its resources for its time plus the
-- offering's set-up and clean-up; place is where (outreach: the school).
CREATE TABLE resource_holds (
    resource_id text NOT NULL REFERENCES resources(id),
    session_id  text NOT NULL REFERENCES sessions(id),
    during      tstzrange NOT NULL,
    lat         double precision,
    lon         double precision,
    PRIMARY KEY (resource_id, session_id),
    CONSTRAINT resource_holds_no_overlap EXCLUDE USING gist (resource_id WITH =, during WITH &&)
);

-- The municipality's bus fleet ('' serves every municipality).
CREATE TABLE buses (
    id           text PRIMARY KEY CHECK (id <> ''),
    name         text NOT NULL,
    seats        int NOT NULL CHECK (seats BETWEEN 1 AND 100),
    municipality text NOT NULL DEFAULT '',
    depot_lat    double precision CHECK (depot_lat BETWEEN -90 AND 90),
    depot_lon    double precision CHECK (depot_lon BETWEEN -180 AND 180)
);

-- A bus is busy from leaving its depot until it is back.
CREATE TABLE bus_holds (
    bus_id     text NOT NULL REFERENCES buses(id),
    booking_id uuid NOT NULL REFERENCES bookings(id),
    during     tstzrange NOT NULL,
    PRIMARY KEY (bus_id, booking_id),
    CONSTRAINT bus_holds_no_overlap EXCLUDE USING gist (bus_id WITH =, during WITH &&)
);
CREATE INDEX bus_holds_booking ON bus_holds (booking_id);

-- Closed days from imported calendars (rumbookctl calendar import).
CREATE TABLE closures (
    scope_kind text NOT NULL CHECK (scope_kind IN ('all', 'municipality', 'school', 'provider', 'venue')),
    scope_id   text NOT NULL DEFAULT '',
    first_day  date NOT NULL,
    last_day   date NOT NULL CHECK (last_day >= first_day),
    summary    text NOT NULL DEFAULT '',
    source_uid text NOT NULL,
    PRIMARY KEY (scope_kind, scope_id, source_uid, first_day),
    CHECK ((scope_kind = 'all') = (scope_id = ''))
);
CREATE INDEX closures_days ON closures USING gist (daterange(first_day, last_day, '[]'));

-- Minutes from school to venue by mode (rumbookctl travel import).
CREATE TABLE travel_times (
    school_id text NOT NULL REFERENCES schools(id),
    venue_id  text NOT NULL REFERENCES venues(id),
    mode      text NOT NULL CHECK (mode IN ('walk', 'bike', 'public_transport', 'bus')),
    minutes   int NOT NULL CHECK (minutes BETWEEN 0 AND 600),
    PRIMARY KEY (school_id, venue_id, mode)
);

-- How a missing pair is estimated: distance * road_factor / speed + overhead.
CREATE TABLE travel_modes (
    mode         text PRIMARY KEY CHECK (mode IN ('walk', 'bike', 'public_transport', 'bus', 'car')),
    road_factor  double precision NOT NULL CHECK (road_factor >= 1 AND road_factor <= 5),
    speed_kmh    double precision NOT NULL CHECK (speed_kmh > 0 AND speed_kmh <= 200),
    overhead_min int NOT NULL CHECK (overhead_min BETWEEN 0 AND 240)
);
INSERT INTO travel_modes VALUES
    ('walk', 1.3, 4.0, 5), ('bike', 1.3, 13.0, 10), ('public_transport', 1.4, 25.0, 15),
    ('bus', 1.3, 50.0, 10), ('car', 1.3, 60.0, 10);

CREATE TABLE settings (
    key   text PRIMARY KEY CHECK (key IN ('bus_notice_days', 'bus_min_km', 'bus_min_grade',
                                          'bus_adults', 'max_alternatives')),
    value numeric NOT NULL CHECK (value >= 0 AND value <= 1000)
);
INSERT INTO settings VALUES ('bus_notice_days', 12), ('bus_min_km', 6), ('bus_min_grade', 6),
    ('bus_adults', 2), ('max_alternatives', 3);

CREATE TABLE quotas (
    id          text PRIMARY KEY CHECK (id <> ''),
    scope_kind  text NOT NULL CHECK (scope_kind IN ('school', 'class')),
    scope_id    text NOT NULL,
    period      text NOT NULL CHECK (period IN ('term', 'school_year')),
    offering_id text REFERENCES offerings(id),
    category    text,
    counts      text NOT NULL DEFAULT 'bookings' CHECK (counts IN ('bookings', 'bus_trips')),
    max_count   int NOT NULL CHECK (max_count >= 0)
);
CREATE INDEX quotas_scope ON quotas (scope_kind, scope_id);

-- First day of the term or school year holding d (as engine/quotas.c).
CREATE FUNCTION rb_period_start(period text, d date) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN extract(month FROM d) >= 8 THEN make_date(extract(year FROM d)::int, 8, 1)
                WHEN period = 'term' THEN make_date(extract(year FROM d)::int, 1, 1)
                ELSE make_date(extract(year FROM d)::int - 1, 8, 1) END
$$;

-- Classes waiting for a place, in the order they asked.
CREATE TABLE waitlist (
    id            bigserial PRIMARY KEY,
    command_id    uuid NOT NULL UNIQUE,
    session_id    text NOT NULL REFERENCES sessions(id),
    class_id      text NOT NULL REFERENCES classes(id),
    pupils        int NOT NULL CHECK (pupils > 0),
    travel_mode   text NOT NULL,
    note          text NOT NULL DEFAULT '',
    actor_email   text NOT NULL DEFAULT '',
    actor_name    text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'waiting'
                  CHECK (status IN ('waiting', 'promoted', 'expired')),
    booking_id    uuid REFERENCES bookings(id),
    expires_at    timestamptz NOT NULL,   -- the session's notice period begins
    created_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz
);
CREATE UNIQUE INDEX waitlist_once_per_class ON waitlist (session_id, class_id) WHERE status = 'waiting';
CREATE INDEX waitlist_expiry ON waitlist (expires_at) WHERE status = 'waiting';
