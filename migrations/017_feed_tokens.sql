-- Tokens for the subscribable calendar feeds (rumbookctl feed token): only
-- their SHA-256 is kept, so a database dump gives no one a working feed URL.
CREATE TABLE feed_tokens (
    id          bigserial PRIMARY KEY,
    scope_kind  text NOT NULL CHECK (scope_kind IN ('school', 'provider')),
    scope_id    text NOT NULL CHECK (scope_id <> ''),
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    label       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX feed_tokens_scope ON feed_tokens (scope_kind, scope_id) WHERE revoked_at IS NULL;
