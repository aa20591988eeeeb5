#!/usr/bin/env bash
# Nothing blocks a partition. Among 2,000 valid commands on every partition,
# 20 of each kind of command that decodes but cannot be decided as sent:
# non-UUID booking ids in cancel and reschedule, ids of 10 kB, ids with
# control characters, ids of the wrong kind of entity, uppercase UUIDs, a
# note too long; 20 whose booking the database refuses (a trigger: the
# batch fails in SQL, the command is isolated and rejected internal_error);
# 20 whose decision the database refuses too (dead-lettered); 20 of garbage.
# Every valid command is decided, every bad one rejected with its reason or
# dead-lettered, no batch is retried, both workers stay up.
. "$(dirname "$0")/lib.sh"
setup 200

sql "CREATE TABLE deadly (command_id uuid PRIMARY KEY);
CREATE FUNCTION poison_booking() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  IF NEW.note LIKE '%POISON%' THEN RAISE EXCEPTION 'poisoned note'; END IF;
  RETURN NEW;
END \$\$;
CREATE TRIGGER poison_booking BEFORE INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION poison_booking();
CREATE FUNCTION deadly_command() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  IF EXISTS (SELECT 1 FROM deadly WHERE command_id = NEW.command_id) THEN
    RAISE EXCEPTION 'deadly command';
  END IF;
  RETURN NEW;
END \$\$;
CREATE TRIGGER deadly_command BEFORE INSERT ON commands FOR EACH ROW EXECUTE FUNCTION deadly_command();" \
  >/dev/null || fail "poison triggers"

"$py" - "$work" <<'PY' || fail "generating commands"
import json, sys, uuid, random
work = sys.argv[1]
random.seed(7)
big = 'x' * 10240
lines, expect = [], []          # expect: (command_id, status, reason or None)
def add(obj, status, reason):
    cid = str(uuid.uuid4())
    obj['command_id'] = cid
    obj.setdefault('key', 'k%d' % random.randrange(24))
    lines.append(obj)
    expect.append((cid, status, reason))
bad = [
    (lambda: {'action': 'cancel', 'booking': 'not-a-uuid'}, 'invalid_field'),
    (lambda: {'action': 'reschedule', 'booking': 'not-a-uuid', 'session': 'later'}, 'invalid_field'),
    (lambda: {'action': 'cancel', 'booking': big}, 'invalid_field'),
    (lambda: {'action': 'book', 'session': big, 'class': 'c1', 'pupils': 5}, 'invalid_field'),
    (lambda: {'action': 'reschedule', 'booking': str(uuid.uuid4()), 'session': big}, 'invalid_field'),
    (lambda: {'action': 'book', 'session': 'big', 'class': 'c\u0001\u001b[2J', 'pupils': 5}, 'invalid_field'),
    (lambda: {'action': 'book', 'session': 'c1', 'class': 'big', 'pupils': 5}, 'unknown_session unknown_class'),
    (lambda: {'action': 'cancel', 'booking': str(uuid.uuid4())}, 'unknown_booking'),
    (lambda: {'action': 'cancel', 'booking': str(uuid.uuid4()).upper()}, 'unknown_booking'),
    (lambda: {'action': 'book', 'session': 'big', 'class': 'c2', 'pupils': 5, 'note': 'n' * 5000}, 'invalid_field'),
    (lambda: {'action': 'book', 'session': 'big', 'class': 'c3', 'pupils': 5, 'email': 'no-at-sign'}, 'invalid_field'),
    (lambda: {'action': 'book', 'session': 'big', 'class': 'c4', 'pupils': 5000}, 'invalid_field'),
]
for i in range(2000):
    add({'action': 'book', 'session': 'big', 'class': 'c%d' % (i % 200 + 1), 'pupils': 20}, 'valid', None)
    if i % 100 == 0:
        for make, reason in bad:
            add(make(), 'rejected', reason)
        add({'action': 'book', 'session': 'later', 'class': 'c%d' % (i // 100 + 1), 'pupils': 5,
             'note': 'POISON %d' % i}, 'rejected', 'internal_error')
        add({'action': 'book', 'session': 'race', 'class': 'c%d' % (i // 100 + 21), 'pupils': 5},
            'dead', None)
with open(work + '/commands.jsonl', 'w') as f:
    for o in lines:
        f.write(json.dumps(o) + '\n')
with open(work + '/expect', 'w') as f:
    for cid, status, reason in expect:
        f.write('%s|%s|%s\n' % (cid, status, reason or ''))
with open(work + '/deadly.sql', 'w') as f:
    f.write('INSERT INTO deadly VALUES %s;\n' % ','.join("('%s')" % c for c, s, r in expect if s == 'dead'))
PY
psql "$RUMBOOK_DSN" -qX -f "$work/deadly.sql" >/dev/null || fail "deadly ids"
nexpect=$(wc -l <"$work/expect")

start_worker a
start_worker b
wait_assigned a b
started=$SECONDS
"$ctl" submit --json "$work/commands.jsonl" >/dev/null || fail "submit"
for i in $(seq 1 20); do
  printf '\xff\xfe garbage %d \x00' "$i" | kcat -b "$RUMBOOK_BROKERS" -P -t "$RUMBOOK_TOPIC_COMMANDS" -k "k$i" ||
    fail "kcat produce"
done
ndecided=$(grep -vc '|dead|' "$work/expect")
wait_until 120 "SELECT count(*) FROM commands" "$ndecided"
wait_until 60 "SELECT count(*) FROM outbox WHERE topic = '$RUMBOOK_TOPIC_DLQ'" 40
elapsed=$((SECONDS - started))

# Each expectation against the database.
sql "SELECT command_id || '|' || status || '|' || reasons FROM commands" | sort >"$work/got"
while IFS='|' read -r cid status reason; do
  case "$status" in
  valid) grep -q "^$cid|\(confirmed\|rejected\)|" "$work/got" || fail "valid command $cid not decided" ;;
  dead) ! grep -q "^$cid|" "$work/got" || fail "deadly command $cid has a decision" ;;
  *) grep -qx "$cid|$status|$reason" "$work/got" ||
       fail "command $cid: wanted $status $reason, got $(grep "^$cid|" "$work/got")" ;;
  esac
done <"$work/expect"
sql "SELECT cause FROM outbox WHERE topic = '$RUMBOOK_TOPIC_DLQ'" | sort | uniq -c >"$work/causes"
grep -q '20 could not be decided: insert commands: deadly command' "$work/causes" ||
  fail "deadly commands not dead-lettered with their cause: $(cat "$work/causes")"
grep -q '20 payload is not a rumbook.v1.BookingCommand' "$work/causes" || fail "garbage not dead-lettered"
[ "$(sql "SELECT count(*) FROM bookings WHERE note LIKE '%POISON%'")" = 0 ] || fail "a poisoned booking"
[ "$(sql "SELECT count(DISTINCT source_partition) FROM commands")" = 6 ] || fail "not every partition used"
! grep -h 'batch not committed' "$work"/worker-*.log || fail "a batch was retried"
kill -0 "$pid_a" && kill -0 "$pid_b" || fail "a worker died"
isolated=$(cat "$work"/worker-*.log | grep -c 'command could not be decided, rejecting')
echo "PASS $test_name: $nexpect commands and 20 garbage decided or dead-lettered in ${elapsed}s;" \
  "$isolated isolated by splitting; both workers up"
