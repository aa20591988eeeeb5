#!/usr/bin/env bash
# migrations/schema.sql is what a fresh migrate gives: the one readable
# schema stays in step with the numbered migrations.
. "$(dirname "$0")/lib.sh"
root=$(cd "$here/../.." && pwd)

psql "$RUMBOOK_TEST_PG/postgres" -qc "CREATE DATABASE \"rb_$uniq\"" >/dev/null
"$ctl" migrate >/dev/null || fail "migrate"
"$root/deploy/schema.sh" "$RUMBOOK_DSN" >"$work/schema.sql" || fail "schema dump"
if ! diff -u "$root/migrations/schema.sql" "$work/schema.sql" >"$work/schema.diff"; then
  head -n 60 "$work/schema.diff" >&2
  fail "migrations/schema.sql differs from a fresh migrate; after checking the change, run
  deploy/schema.sh DSN > migrations/schema.sql on a freshly migrated database"
fi
echo "PASS $test_name: migrations/schema.sql matches a fresh migrate ($(grep -c '^CREATE TABLE' "$work/schema.sql") tables)"
