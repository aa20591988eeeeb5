-- Catalogue: who offers what, where, when, and who books it.
-- Identifiers are the portal's own stable text keys (e.g. "moesgaard-vikings-2027-03-02").

CREATE TABLE providers (
    id          text PRIMARY KEY CHECK (id <> ''),
    name        text NOT NULL,
    email       text NOT NULL CHECK (email LIKE '%_@_%'),
    municipality text
);

CREATE TABLE venues (
    id          text PRIMARY KEY CHECK (id <> ''),
    provider_id text NOT NULL REFERENCES providers(id),
    name        text NOT NULL,
    address     text NOT NULL DEFAULT '',
    lat         double precision CHECK (lat BETWEEN -90 AND 90),
    lon         double precision CHECK (lon BETWEEN -180 AND 180)
);

CREATE TABLE resources (
    id          text PRIMARY KEY CHECK (id <> ''),
    provider_id text NOT NULL REFERENCES providers(id),
    kind        text NOT NULL CHECK (kind IN ('room', 'guide', 'equipment', 'bus')),
    name        text NOT NULL
);

CREATE TABLE offerings (
    id           text PRIMARY KEY CHECK (id <> ''),
    provider_id  text NOT NULL REFERENCES providers(id),
    venue_id     text REFERENCES venues(id),   -- NULL for outreach: held at the school
    title        text NOT NULL,
    description  text NOT NULL DEFAULT '',
    target_group text NOT NULL CHECK (target_group IN ('dagtilbud', 'grundskole', 'ungdomsuddannelse')),
    grade_min    int NOT NULL DEFAULT 0 CHECK (grade_min BETWEEN 0 AND 13),
    grade_max    int NOT NULL DEFAULT 10 CHECK (grade_max BETWEEN grade_min AND 13),
    duration_min int NOT NULL CHECK (duration_min > 0)
);

-- The capacity counters are the arbiter: the CHECKs make an oversold
-- session impossible whatever a worker believes.
CREATE TABLE sessions (
    id             text PRIMARY KEY CHECK (id <> ''),
    offering_id    text NOT NULL REFERENCES offerings(id),
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL CHECK (ends_at > starts_at),
    pupil_capacity int NOT NULL CHECK (pupil_capacity >= 0),
    class_capacity int NOT NULL CHECK (class_capacity >= 0),
    pupils_booked  int NOT NULL DEFAULT 0,
    classes_booked int NOT NULL DEFAULT 0,
    CONSTRAINT sessions_pupils_within_capacity CHECK (pupils_booked BETWEEN 0 AND pupil_capacity),
    CONSTRAINT sessions_classes_within_capacity CHECK (classes_booked BETWEEN 0 AND class_capacity)
);
CREATE INDEX sessions_offering_starts ON sessions (offering_id, starts_at);

CREATE TABLE session_resources (
    session_id  text NOT NULL REFERENCES sessions(id),
    resource_id text NOT NULL REFERENCES resources(id),
    PRIMARY KEY (session_id, resource_id)
);

CREATE TABLE schools (
    id           text PRIMARY KEY CHECK (id <> ''),
    name         text NOT NULL,
    municipality text NOT NULL DEFAULT '',
    lat          double precision CHECK (lat BETWEEN -90 AND 90),
    lon          double precision CHECK (lon BETWEEN -180 AND 180),
    day_start    time NOT NULL DEFAULT '08:00',  -- earliest departure
    day_end      time NOT NULL DEFAULT '14:00',  -- latest return
    CHECK (day_end > day_start)
);

CREATE TABLE classes (
    id            text PRIMARY KEY CHECK (id <> ''),
    school_id     text NOT NULL REFERENCES schools(id),
    name          text NOT NULL,
    grade         int NOT NULL CHECK (grade BETWEEN 0 AND 13),
    size          int NOT NULL CHECK (size BETWEEN 1 AND 200),
    teacher_email text NOT NULL CHECK (teacher_email LIKE '%_@_%')
);
