#!/usr/bin/env bash
# A booking names a session and a class that exist, and they stay
# (migration 014): the database refuses a booking of an unknown session or
# class, on insert and on update, and refuses to delete or re-key a session
# or class that a booking names, also while the booking's transaction is
# still open and under REPEATABLE READ.
. "$(dirname "$0")/lib.sh"
setup 4

psql_v() { psql "$RUMBOOK_DSN" -qAtX -v ON_ERROR_STOP=1 -v VERBOSITY=verbose "$@"; }

# refused SQLSTATE SQL: the statement fails with that SQLSTATE.
refused() {
  psql_v -c "$2" >/dev/null 2>"$work/err" && fail "accepted: $2"
  grep -q "ERROR:  $1" "$work/err" || fail "refused otherwise: $2: $(cat "$work/err")"
}

# booking SESSION CLASS CLASS_NO: a confirmed booking's INSERT.
booking() {
  echo "INSERT INTO bookings (id, command_id, session_id, class_id, class_no, pupils, status,
    teacher_email, away) VALUES (gen_random_uuid(), gen_random_uuid(), '$1', '$2', $3, 25,
    'confirmed', 'x@skovvang.example', tstzrange('2027-03-30T08:00+02', '2027-03-30T12:00+02'))"
}
no() { sql "SELECT no FROM classes WHERE id = '$1'"; }

refused 23503 "$(booking nope c1 "$(no c1)")"
refused 23503 "$(booking race nope 999)"
refused 23503 "$(booking race c1 "$(no c2)")" # the number of another class
psql_v -c "$(booking race c1 "$(no c1)")" >/dev/null || fail "a valid booking was refused"
refused 23503 "UPDATE bookings SET session_id = 'nope'"
refused 23503 "DELETE FROM sessions WHERE id = 'race'"
refused 23503 "DELETE FROM classes WHERE id = 'c1'"
refused 23503 "UPDATE sessions SET id = 'race2' WHERE id = 'race'"
refused 23503 "UPDATE classes SET id = 'c1x' WHERE id = 'c1'"
sql "DELETE FROM classes WHERE id = 'c4'" || fail "an unbooked class could not be deleted"

# The booking's transaction is open when the class is deleted: the delete
# waits for it and then sees the booking.
psql_v -c "BEGIN" -c "$(booking big c2 "$(no c2)")" -c "SELECT pg_sleep(2)" -c "COMMIT" \
  >/dev/null 2>"$work/open.err" &
open_pid=$!
wait_until 20 "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(2)'" 1
refused 23503 "DELETE FROM classes WHERE id = 'c2'"
wait "$open_pid" || fail "the open booking was not committed: $(cat "$work/open.err")"

# Under REPEATABLE READ the snapshot predates a delete that committed since.
psql_v -c "BEGIN ISOLATION LEVEL REPEATABLE READ" -c "SELECT count(*) FROM sessions" \
  -c "SELECT pg_sleep(2)" -c "$(booking later c3 "$(no c3)")" -c "COMMIT" \
  >/dev/null 2>"$work/rr.err" &
rr_pid=$!
wait_until 20 "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(2)'" 1
sql "DELETE FROM sessions WHERE id = 'later'" || fail "the unbooked session could not be deleted"
wait "$rr_pid" && fail "a booking of a session deleted meanwhile was accepted"
grep -Eq "ERROR:  (40001|23503)" "$work/rr.err" || fail "refused otherwise: $(cat "$work/rr.err")"

[ "$(sql "SELECT count(*) FROM bookings b WHERE NOT EXISTS (SELECT 1 FROM sessions s
  WHERE s.id = b.session_id) OR NOT EXISTS (SELECT 1 FROM classes c WHERE c.id = b.class_id
  AND c.no = b.class_no)")" = 0 ] || fail "a booking names a missing session or class"
[ "$(sql "SELECT count(*) FROM bookings")" = 2 ] || fail "bookings: $(sql "SELECT count(*) FROM bookings")"
echo "PASS $test_name"
