#!/usr/bin/env bash
# Invitations reach the teachers, through a real SMTP server (aiosmtpd):
# a book, a reschedule and a cancel give the teacher three messages that
# Python's email package reads, with matching methods, and calendar parts
# python-icalendar reads with one UID and SEQUENCE 0, 1, 2. The server
# answers 451 twice, then takes the message: one copy arrives, after three
# attempts. A recipient it refuses with 550 is recorded as failed with its
# words, a DeliveryStatus says so, and the other teacher gets theirs.
. "$(dirname "$0")/lib.sh"
setup 10
start_smtp_sink SINK_TEMP_FAILS=2 SINK_REJECT="teacher3@skovvang.example"

start_worker a
start_mailer
wait_assigned a

c1=$(submit_one book --session race --class c1 --pupils 20)
decided "$c1" confirmed
bid=$(sql "SELECT id FROM bookings WHERE command_id = '$c1'")
# 451 twice: the first message arrives after three attempts.
wait_until 60 "SELECT state || ' ' || attempts FROM deliveries WHERE booking_id = '$bid'" "sent 3"
submit_one reschedule --booking "$bid" --session later >/dev/null
wait_until 60 "SELECT count(*) FROM deliveries WHERE booking_id = '$bid' AND state = 'sent'" 2
submit_one cancel --booking "$bid" >/dev/null
wait_until 60 "SELECT count(*) FROM deliveries WHERE booking_id = '$bid' AND state = 'sent'" 3
ls "$work/mail"/*-teacher1@skovvang.example.eml >"$work/c1-mails"
[ "$(wc -l <"$work/c1-mails")" = 3 ] || fail "c1 got $(wc -l <"$work/c1-mails") messages, not 3"

"$py" - $(cat "$work/c1-mails") <<'PY' || fail "the messages do not read back"
import email, email.policy, sys, icalendar
seen = []
for path in sorted(sys.argv[1:]):
    m = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.SMTP)
    assert m.defects == [], (path, m.defects)
    assert m["To"].addresses[0].addr_spec == "teacher1@skovvang.example", m["To"]
    assert m["From"].addresses[0].addr_spec == "booking@rumbook.example", m["From"]
    assert m["Reply-To"].addresses[0].addr_spec == "booking@naturskolen.example", m["Reply-To"]
    text, cal = list(m.iter_parts())
    assert text.get_content_type() == "text/plain" and "Livet i skovbunden" in text.get_content()
    method = cal.get_param("method")
    c = icalendar.Calendar.from_ical(cal.get_content())
    assert str(c["METHOD"]) == method, (method, c["METHOD"])
    ev = list(c.walk("VEVENT"))[0]
    seen.append((method, str(ev["UID"]), int(ev["SEQUENCE"]), str(m["Subject"]).split(":")[0]))
assert [s[0] for s in seen] == ["REQUEST", "REQUEST", "CANCEL"], seen
assert len({s[1] for s in seen}) == 1, seen
assert [s[2] for s in seen] == [0, 1, 2], seen
assert [s[3] for s in seen] == ["Bekræftet", "Ændret", "Aflyst"], seen
print("read back:", seen)
PY

# 550 for one teacher: recorded with the server's words; the other's arrives.
c3=$(submit_one book --session big --class c3 --pupils 20)
c4=$(submit_one book --session big --class c4 --pupils 20)
decided "$c3" confirmed
decided "$c4" confirmed
wait_until 60 "SELECT state FROM deliveries WHERE recipient = 'teacher3@skovvang.example'" failed
grep -q '550 5.1.1 <teacher3@skovvang.example>: mailbox unavailable' <<<"$(sql "SELECT last_answer FROM deliveries WHERE recipient = 'teacher3@skovvang.example'")" ||
  fail "the server's words were not kept"
wait_until 60 "SELECT state FROM deliveries WHERE recipient = 'teacher4@skovvang.example'" sent
ls "$work/mail"/*-teacher4@skovvang.example.eml >/dev/null || fail "c4 got nothing"
# A status is produced after its outcome is committed: the last one may
# still be on its way when the row says sent.
deadline=$((SECONDS + 30))
while :; do
  kcat -b "$RUMBOOK_BROKERS" -C -t "$RUMBOOK_TOPIC_DELIVERY_STATUS" -e -q -f '%s\n' >"$work/status" ||
    fail "reading delivery status"
  [ "$(grep -a -c 'skovvang.example' "$work/status")" -ge 5 ] && break
  [ $SECONDS -ge $deadline ] && fail "not every outcome published within 30 s"
  sleep 0.3
done
grep -a -q 'mailbox unavailable' "$work/status" || fail "no DeliveryStatus for the refusal"
# The catalogue says English: the next message is.
"$py" - "$work/catalog.json" "$work/en.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["offerings"][0]["language"] = "en"
json.dump(doc, open(sys.argv[2], "w"))
doc["offerings"][0]["language"] = "fr"
json.dump(doc, open(sys.argv[2] + ".bad", "w"))
PY
"$ctl" catalog import "$work/en.json.bad" 2>"$work/err" && fail "language fr accepted"
grep -q 'offerings\[0\].language: must be "da" or "en"' "$work/err" || fail "unclear: $(cat "$work/err")"
"$ctl" catalog import "$work/en.json" >/dev/null || fail "import en"
c5=$(submit_one book --session big --class c5 --pupils 20)
decided "$c5" confirmed
wait_until 60 "SELECT state FROM deliveries WHERE recipient = 'teacher5@skovvang.example'" sent
"$py" - "$work"/mail/*-teacher5@skovvang.example.eml <<'PY' || fail "not in English"
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.SMTP)
assert str(m["Subject"]).startswith("Confirmed: Livet i skovbunden, "), m["Subject"]
assert "Dear teacher" in list(m.iter_parts())[0].get_content()
PY
echo "PASS $test_name: 3 messages (REQUEST, REQUEST, CANCEL; SEQUENCE 0, 1, 2) read back;" \
  "451 twice then one copy after 3 attempts; a 550 recorded and published, the other delivered;" \
  "English for an offering in English"
