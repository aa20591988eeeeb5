-- The portals that may send commands: each signs with its Ed25519 key and
-- acts only for the schools of its scope (docs/integration.md). A revoked
-- portal keeps its row, so that the audit can still name it.
CREATE TABLE portals (
    name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._-]{1,100}$'),
    scope_kind text NOT NULL CHECK (scope_kind IN ('all', 'municipality', 'school')),
    scope_id text NOT NULL DEFAULT '',
    public_key bytea NOT NULL CHECK (length(public_key) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CONSTRAINT portals_scope CHECK ((scope_kind = 'all') = (scope_id = ''))
);

-- Who sent each command, kept with its decision for the audit: the portal
-- ('' when a worker took it unsigned), the actor's role, the school,
-- provider or municipality the role is for, and the person (erased with
-- their other personal data).
ALTER TABLE commands
    ADD COLUMN portal text NOT NULL DEFAULT '',
    ADD COLUMN actor_role text NOT NULL DEFAULT '',
    ADD COLUMN actor_org text NOT NULL DEFAULT '',
    ADD COLUMN actor_email text NOT NULL DEFAULT '',
    ADD COLUMN actor_name text NOT NULL DEFAULT '';

CREATE INDEX commands_booking ON commands (booking_id) WHERE booking_id IS NOT NULL;

-- A dead letter keeps the portal and signature it came with, so that a
-- replay (rumbookctl dlq replay) is verified as the original would be.
ALTER TABLE outbox_events ADD COLUMN portal text, ADD COLUMN signature text;
