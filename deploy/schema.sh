#!/usr/bin/env bash
# Prints the schema of a migrated database the way migrations/schema.sql
# holds it: pg_dump --schema-only without owners, privileges, the server's
# version or psql's restrict keys, so that two dumps of the same schema agree.
#   deploy/schema.sh DSN > migrations/schema.sql
set -euo pipefail
dsn=${1:?usage: schema.sh DSN}
bindir=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v pg_dump)")
{
  echo "-- The schema after every migration in this folder, as deploy/schema.sh prints it."
  echo "-- Read this for the current tables; the numbered files are how it came to be."
  echo "-- tests/integration/test_schema.sh fails when a fresh migrate gives anything else."
  "$bindir/pg_dump" --schema-only --no-owner --no-privileges --no-comments "$dsn" |
    grep -v -e '^-- Dumped from database version' -e '^-- Dumped by pg_dump version' \
      -e '^\\restrict' -e '^\\unrestrict' |
    cat -s
}
