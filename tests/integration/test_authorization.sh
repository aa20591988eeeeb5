#!/usr/bin/env bash
# Who may act for whom, against a real worker: portals sign (PyNaCl signs as
# docs/wire-protocol.md shows), a worker refuses unsigned, tampered, unknown
# and revoked senders and keeps going; actors act only for their school,
# provider or municipality, and portals only inside their scope. Every
# refusal is not_authorized, alone, with nothing changed.
. "$(dirname "$0")/lib.sh"

{
  echo '{"providers":[{"id":"p1","name":"Naturskolen","email":"booking@naturskolen.example"},'
  echo '  {"id":"p2","name":"Museet","email":"booking@museet.example"}],'
  echo '"venues":[{"id":"v1","provider":"p1","name":"Naturskolen","lat":56.15,"lon":10.2}],'
  echo '"offerings":[{"id":"o1","provider":"p1","venue":"v1","title":"Skovbunden","duration_min":120},'
  echo '  {"id":"free","provider":"p1","venue":"v1","title":"Gratis for Aarhus","duration_min":60,'
  echo '   "audience":{"municipalities":["Aarhus"]}},'
  echo '  {"id":"pilot","provider":"p1","venue":"v1","title":"Pilot","duration_min":60,"audience":{"schools":["t1","s2"]}}],'
  echo '"sessions":['
  echo '{"id":"f","offering":"free","starts_at":"2027-04-13T11:00:00+02:00","ends_at":"2027-04-13T12:00:00+02:00","pupil_capacity":200,"class_capacity":8},'
  echo '{"id":"p","offering":"pilot","starts_at":"2027-04-13T09:00:00+02:00","ends_at":"2027-04-13T10:00:00+02:00","pupil_capacity":200,"class_capacity":8},'
  echo '{"id":"a","offering":"o1","starts_at":"2027-03-30T09:00:00+02:00","ends_at":"2027-03-30T11:00:00+02:00","pupil_capacity":200,"class_capacity":8},'
  echo '{"id":"b","offering":"o1","starts_at":"2027-04-06T09:00:00+02:00","ends_at":"2027-04-06T11:00:00+02:00","pupil_capacity":200,"class_capacity":8}],'
  echo '"schools":[{"id":"s1","name":"Skovvangskolen","municipality":"Aarhus","lat":56.17,"lon":10.19},'
  echo '  {"id":"s2","name":"Nyskolen","municipality":"Aarhus","lat":56.16,"lon":10.18},'
  echo '  {"id":"t1","name":"Thisted Friskole","municipality":"Thisted","lat":56.2,"lon":10.25}],'
  echo '"travel_modes":[{"mode":"public_transport","road_factor":1.3,"speed_kmh":25,"overhead_min":10}],'
  echo '"classes":['
  echo '{"id":"c1","school":"s1","name":"4.A","grade":4,"size":25,"teacher_email":"c1@skovvang.example"},'
  echo '{"id":"c2","school":"s1","name":"4.B","grade":4,"size":25,"teacher_email":"c2@skovvang.example"},'
  echo '{"id":"n1","school":"s2","name":"4.N","grade":4,"size":25,"teacher_email":"n1@nyskolen.example"},'
  echo '{"id":"t1a","school":"t1","name":"4.T","grade":4,"size":20,"teacher_email":"t1a@friskolen.example"}]}'
} >"$work/catalog.json"
setup_catalog "$work/catalog.json" 2
add_portal aarhus municipality:Aarhus
add_portal old all
start_worker a
wait_assigned a

count() { sql "SELECT count(*) FROM commands WHERE reasons = 'not_authorized'"; }
reason_of() { sql "SELECT reasons FROM commands WHERE command_id = '$1'"; }
state() { sql "SELECT string_agg(id || ':' || pupils_booked || '/' || classes_booked, ' ' ORDER BY id) FROM sessions"; }
refused_ids=()
refused() { # CID WHAT: not_authorized alone (the decisions are read at the end)
  decided "$1" rejected
  [ "$(reason_of "$1")" = not_authorized ] || fail "$2: reasons $(reason_of "$1")"
  refused_ids+=("$1:$(sql "SELECT kind FROM commands WHERE command_id = '$1'")")
}

# A teacher of s1 books c1; a teacher of s2 may not book c1, nor cancel or move its booking.
b1=$(submit_one book --session a --class c1 --pupils 20 --actor teacher:s1 --email c1@skovvang.example)
decided "$b1" confirmed
bid=$(sql "SELECT booking_id FROM commands WHERE command_id = '$b1'")
before=$(state)
r1=$(submit_one book --session a --class c1 --pupils 5 --actor teacher:s2)
r2=$(submit_one cancel --booking "$bid" --actor teacher:s2)
r3=$(submit_one reschedule --booking "$bid" --session b --actor teacher:s2)
refused "$r1" "another school's class booked"
refused "$r2" "another school's booking cancelled"
refused "$r3" "another school's booking moved"
[ "$(state)" = "$before" ] || fail "the refusals changed the sessions: $before -> $(state)"
[ "$(sql "SELECT status || ' ' || session_id || ' ' || sequence FROM bookings WHERE id = '$bid'")" = "confirmed a 0" ] ||
  fail "the booking changed"
sql "SELECT reasons, decision FROM commands WHERE command_id IN ('$r2', '$r3')" | grep -q '"s1"' &&
  fail "a refusal names the other school"

# Provider staff: their provider's bookings may be moved and cancelled, not booked;
# another provider's staff may do nothing to them.
r4=$(submit_one reschedule --booking "$bid" --session b --actor provider_staff:p2)
refused "$r4" "another provider's staff moved a booking"
r5=$(submit_one book --session a --class c2 --pupils 5 --actor provider_staff:p1)
refused "$r5" "provider staff booked"
m1=$(submit_one reschedule --booking "$bid" --session b --actor provider_staff:p1)
decided "$m1" confirmed

# The audit: who did what to the booking, refused attempts included.
"$ctl" audit --booking "$bid" >"$work/audit" || fail "audit"
cat "$work/audit"
head -1 "$work/audit" | grep -q "^booking $bid: confirmed, class c1 of school s1, session b, 20 pupils, sequence 1" ||
  fail "audit: the booking line"
[ "$(grep -c ' command=' "$work/audit")" = 5 ] || fail "audit: expected 5 commands"
grep -q ' book  *confirmed portal=test actor=teacher:s1 email=c1@skovvang.example ' "$work/audit" ||
  fail "audit: the booking command"
grep -q ' cancel  *rejected  portal=test actor=teacher:s2 .* reasons=not_authorized' "$work/audit" ||
  fail "audit: the refused cancel"
grep -q ' reschedule confirmed portal=test actor=provider_staff:p1 ' "$work/audit" ||
  fail "audit: the provider's move"
"$ctl" audit --booking "$bid" --json | "$py" -c 'import json, sys; d = json.load(sys.stdin); assert len(d["commands"]) == 5 and d["school"] == "s1", d' ||
  fail "audit --json"
"$ctl" audit --booking 00000000-0000-4000-8000-000000000000 2>/dev/null && fail "audit of no booking"

# Municipality admins act for their municipality's schools only.
r6=$(submit_one book --session a --class t1a --pupils 5 --actor municipality_admin:Aarhus)
refused "$r6" "an Aarhus admin booked for Thisted"
k1=$(submit_one book --session a --class n1 --pupils 20 --actor municipality_admin:Aarhus)
decided "$k1" confirmed

# A portal scoped to Aarhus may not book for a Thisted school, whoever it vouches for.
export RUMBOOK_PORTAL=aarhus RUMBOOK_PORTAL_KEY="$work/aarhus.key"
r7=$(submit_one book --session a --class t1a --pupils 5 --actor teacher:t1)
refused "$r7" "an Aarhus portal booked for Thisted"
sql "SELECT decision FROM commands WHERE command_id = '$r7'" >/dev/null
k2=$(submit_one book --session a --class c2 --pupils 20 --actor teacher:s1)
decided "$k2" confirmed
[ "$(sql "SELECT portal || ' ' || actor_role || ' ' || actor_org FROM commands WHERE command_id = '$k2'")" = "aarhus teacher s1" ] ||
  fail "the command's sender is not kept"

# Audiences: a free Aarhus offer refuses a Thisted class; a pilot for two
# listed schools (one in Thisted) refuses the others.
export RUMBOOK_PORTAL=test RUMBOOK_PORTAL_KEY="$work/test.key"
x1=$(submit_one book --session f --class c1 --pupils 10 --actor teacher:s1)
x2=$(submit_one book --session f --class t1a --pupils 10 --actor teacher:t1)
x3=$(submit_one book --session p --class c1 --pupils 10 --actor teacher:s1)
x4=$(submit_one book --session p --class n1 --pupils 10 --actor teacher:s2)
x5=$(submit_one book --session p --class t1a --pupils 10 --actor teacher:t1)
decided "$x1" confirmed
decided "$x2" rejected
[ "$(reason_of "$x2")" = not_in_audience ] || fail "the free Aarhus offer took Thisted: $(reason_of "$x2")"
decided "$x3" rejected
[ "$(reason_of "$x3")" = not_in_audience ] || fail "the pilot took another school: $(reason_of "$x3")"
decided "$x4" confirmed
decided "$x5" confirmed
"$ctl" catalog import <(echo '{"offerings":[{"id":"pilot","provider":"p1","venue":"v1","title":"Pilot","duration_min":60,"audience":{"schools":[]}}]}') \
  2>"$work/err" && fail "an empty audience list was imported"
grep -q 'offerings\[0\].audience.schools' "$work/err" || fail "the error names no field: $(cat "$work/err")"

# Senders: a command PyNaCl signed verifies; the same bytes with one byte
# changed do not; no headers, an unknown portal and a revoked one are refused.
scratch="t.$uniq.scratch"
RUMBOOK_TOPIC_COMMANDS=$scratch "$ctl" topics create --partitions 1 >/dev/null || fail "scratch topic"
# payload FILE ARGS...: the bytes rumbookctl would send for ARGS, unsigned.
payload() {
  local file=$1
  shift
  RUMBOOK_PORTAL= RUMBOOK_PORTAL_KEY= "$ctl" submit "$@" --topic-commands "$scratch" >"$file.json" ||
    fail "scratch submit"
  kcat -b "$RUMBOOK_BROKERS" -C -t "$scratch" -o -1 -c 1 -e -q -D '' -f '%s' >"$file" || fail "kcat read"
  sed -n 's/.*"command_id":"\([^"]*\)".*/\1/p' "$file.json"
}
# send FILE [HEADER=VALUE...]: produces FILE's bytes to the commands topic.
send() {
  local file=$1 h=()
  shift
  for kv in "$@"; do h+=(-H "$kv"); done
  kcat -b "$RUMBOOK_BROKERS" -P -t "$RUMBOOK_TOPIC_COMMANDS" -k o1 "${h[@]}" "$file" || fail "kcat produce"
}
sign() { # KEYFILE FILE: the base64 signature, as the docs' example makes it
  "$py" - "$1" "$2" <<'PY'
import base64, sys
import nacl.signing
with open(sys.argv[1]) as f:
    key = nacl.signing.SigningKey(base64.b64decode(f.read().strip()))
payload = open(sys.argv[2], "rb").read()
print(base64.b64encode(key.sign(payload).signature).decode("ascii"))
PY
}

s1=$(payload "$work/p1" book --session b --class c2 --pupils 3 --note flipme --actor school_admin:s1)
send "$work/p1" rumbook-portal=test "rumbook-signature=$(sign "$work/test.key" "$work/p1")"
decided "$s1" confirmed

s2=$(payload "$work/p2" book --session b --class n1 --pupils 3 --note flipme --actor teacher:s2)
sig=$(sign "$work/test.key" "$work/p2")
"$py" -c 'import sys; p = sys.argv[1]; d = open(p, "rb").read(); open(p, "wb").write(d.replace(b"flipme", b"flipmf"))' "$work/p2"
send "$work/p2" rumbook-portal=test "rumbook-signature=$sig"
refused "$s2" "a changed byte"
reason_msg() { sql "SELECT encode(decision, 'escape') FROM commands WHERE command_id = '$1'"; }
reason_msg "$s2" | grep -q 'does not verify' || fail "tampered: $(reason_msg "$s2")"

s3=$(payload "$work/p3" book --session b --class n1 --pupils 3 --actor teacher:s2)
send "$work/p3"
refused "$s3" "unsigned"
reason_msg "$s3" | grep -q 'not signed' || fail "unsigned: $(reason_msg "$s3")"

s4=$(payload "$work/p4" book --session b --class n1 --pupils 3 --actor teacher:s2)
send "$work/p4" rumbook-portal=nosuch "rumbook-signature=$(sign "$work/test.key" "$work/p4")"
refused "$s4" "unknown portal"
reason_msg "$s4" | grep -q 'not registered' || fail "unknown: $(reason_msg "$s4")"

"$ctl" portal revoke old >/dev/null || fail "revoke"
"$ctl" portal list | grep -q '^old scope=all .* revoked=2' || fail "portal list does not show the revoke"
s5=$(payload "$work/p5" book --session b --class n1 --pupils 3 --actor teacher:s2)
send "$work/p5" rumbook-portal=old "rumbook-signature=$(sign "$work/old.key" "$work/p5")"
refused "$s5" "revoked portal"
reason_msg "$s5" | grep -q 'was revoked' || fail "revoked: $(reason_msg "$s5")"

# Bytes that are no command at all: the dead-letter topic, with the cause
# and the headers they came with (a replay is verified as they were).
printf 'not a command' >"$work/junk"
send "$work/junk" rumbook-portal=test "rumbook-signature=$(sign "$work/test.key" "$work/junk")"
wait_until 30 "SELECT count(*) FROM outbox_events WHERE topic = '$RUMBOOK_TOPIC_DLQ'" 1
[ "$(sql "SELECT portal || ' ' || length(signature) FROM outbox_events WHERE topic = '$RUMBOOK_TOPIC_DLQ'")" = "test 88" ] ||
  fail "the dead letter lost its sender's headers"
published
kcat -b "$RUMBOOK_BROKERS" -C -t "$RUMBOOK_TOPIC_DLQ" -o 0 -c 1 -e -q -f '%h\n' >"$work/dlq-headers" ||
  fail "read the dead letter"
grep -q 'rumbook-portal=test' "$work/dlq-headers" && grep -q 'rumbook-signature=' "$work/dlq-headers" ||
  fail "the dead letter on the topic lacks the sender's headers: $(cat "$work/dlq-headers")"

# The worker went on: a last signed command is decided.
last=$(submit_one book --session b --class n1 --pupils 10 --actor school_admin:s2)
decided "$last" confirmed
[ "$(count)" = 11 ] || fail "expected 11 not_authorized decisions, got $(count)"
kill -0 "$pid_a" || fail "the worker died"

# On the topic, a refusal names no booking and nothing of it (session,
# class, pupils, times), no school but what the command itself said, and
# no alternative; a refused booking echoes only what it asked for.
published
"$ctl" watch --from-beginning --timeout-ms 5000 >"$work/events" || true
"$py" - "$work/events" "${refused_ids[@]}" <<'PY' || fail "a refusal on the topic says too much"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by_id = {e["command_id"]: e for e in events if e.get("type") == "decision"}
for arg in sys.argv[2:]:
    cid, kind = arg.split(":")
    d = by_id[cid]
    assert d["status"] == "rejected" and [r["code"] for r in d["reasons"]] == ["not_authorized"], d
    hidden = ["booking_id", "starts_at_unix_ms", "ends_at_unix_ms", "departs_at_unix_ms"]
    if kind != "book":
        hidden += ["class_id", "pupils"]
    if kind == "cancel":
        hidden += ["session_id"]  # a reschedule echoes the session it asked for
    for key in hidden:
        assert key not in d, (key, d)
    assert not d["alternatives"] and "\"s1\"" not in d["reasons"][0]["message"], d
print(len(sys.argv) - 2, "refusals checked on the topic")
PY

# A revoke while a portal's commands stream in: every batch that began
# after the revoke returned refuses the portal, though the worker has it
# cached as valid (the first batches after it are judged by the cache, and
# refused by the batch's own reading of the portal).
add_portal live all
stream() { # FROM TO: book commands of c1/c2, one pupil each
  for i in $(seq "$1" "$2"); do
    printf '{"action":"book","session":"b","class":"c%d","pupils":1,"actor":"school_admin:s1","key":"k%d"}\n' \
      $((i % 2 + 1)) "$i"
  done
}
stream 1 400 >"$work/stream1.jsonl"
stream 401 600 >"$work/stream2.jsonl"
RUMBOOK_PORTAL=live RUMBOOK_PORTAL_KEY="$work/live.key" "$ctl" submit --json "$work/stream1.jsonl" \
  >/dev/null &
submitter=$!
wait_until 30 "SELECT count(*) > 0 FROM commands WHERE portal = 'live'" t
"$ctl" portal revoke live >/dev/null || fail "revoke live"
revoked=$(sql "SELECT clock_timestamp()")
wait "$submitter" || fail "the stream was not submitted"
RUMBOOK_PORTAL=live RUMBOOK_PORTAL_KEY="$work/live.key" "$ctl" submit --json "$work/stream2.jsonl" \
  >/dev/null || fail "the stream's second part was not submitted"
wait_until 60 "SELECT count(*) FROM commands WHERE portal = 'live'" 600
late=$(sql "SELECT count(*) FROM commands WHERE portal = 'live' AND decided_at > '$revoked'")
[ "$late" -ge 200 ] || fail "only $late commands were decided after the revoke: the test proves nothing"
[ "$(sql "SELECT count(*) FROM commands WHERE portal = 'live' AND decided_at > '$revoked'
          AND reasons <> 'not_authorized'")" = 0 ] || fail "a revoked portal's command was taken"
echo "revoke: $late of 600 commands decided after it, all refused"

# The worker was never told to take unsigned commands, and said nothing of it.
grep -q 'UNSIGNED' "$work/worker-a.log" && fail "the worker says it takes unsigned commands"
RUMBOOK_TOPIC_COMMANDS=$scratch "$ctl" topics delete >/dev/null 2>&1 || true
echo "PASS $test_name"
