#!/usr/bin/env bash
# A mailer killed with SIGKILL in the middle of 500 invitations and started
# again: every invitation reaches its teacher; a second copy can only be one
# of the claim in flight at the kill (at most 8). Prints how many there were.
. "$(dirname "$0")/lib.sh"
setup 500
start_smtp_sink

start_worker a
wait_assigned a
for i in $(seq 1 500); do
  printf '{"action":"book","session":"big","class":"c%d","pupils":10,"key":"k%d"}\n' "$i" "$i"
done >"$work/commands.jsonl"
"$ctl" submit --json "$work/commands.jsonl" >/dev/null || fail "submit"
wait_until 120 "SELECT count(*) FROM commands WHERE status = 'confirmed'" 500
start_mailer
deadline=$((SECONDS + 120))
until [ "$(ls "$work/mail" | wc -l)" -ge 100 ]; do
  [ $SECONDS -lt $deadline ] || fail "the mailer sent fewer than 100 in 120 s"
  sleep 0.05
done
kill -9 "$mailer_pid"
wait "$mailer_pid" 2>/dev/null || true
at_kill=$(ls "$work/mail" | wc -l)
[ "$at_kill" -lt 500 ] || fail "everything was sent before the kill; nothing was tested"
start_mailer
wait_until 180 "SELECT count(*) FROM deliveries WHERE state = 'sent'" 500
sleep 1
files=$(ls "$work/mail" | wc -l)
teachers=$(ls "$work/mail" | sed 's/^[0-9]*-//' | sort -u | wc -l)
[ "$teachers" = 500 ] || fail "$teachers of 500 teachers got their invitation"
[ "$(sql "SELECT count(*) FROM deliveries")" = 500 ] || fail "not one delivery per invitation"
copies=$((files - 500))
[ "$copies" -le 8 ] || fail "$copies second copies: more than the one claim (8) in flight at the kill"
echo "PASS $test_name: killed after $at_kill of 500 were sent; all 500 teachers got theirs;" \
  "$copies second copies"
