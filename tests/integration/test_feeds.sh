#!/usr/bin/env bash
# Calendar feeds: with its token a school's feed is served (python-icalendar
# reads it: METHOD:PUBLISH, the bookings' own UIDs, a cancelled one as
# STATUS:CANCELLED), the same request with the ETag gets 304; no token, a
# wrong one, an unknown school and a revoked token all get the same 404.
# The provider's feed shows who comes and how many.
. "$(dirname "$0")/lib.sh"
setup 10
feeds_port=$((22000 + RANDOM % 2000))
start_worker a
"$RB_BIN/rumbook-mailer" --smtp-url "smtp://127.0.0.1:1" --feeds-listen "127.0.0.1:$feeds_port" \
  --mailer-group "m.$uniq" >"$work/worker-mailer.log" 2>&1 &
worker_pids+=($!)
wait_assigned a

c1=$(submit_one book --session race --class c1 --pupils 20)
c2=$(submit_one book --session later --class c2 --pupils 15)
decided "$c1" confirmed
decided "$c2" confirmed
b2=$(sql "SELECT id FROM bookings WHERE command_id = '$c2'")
submit_one cancel --booking "$b2" >/dev/null
wait_until 60 "SELECT status FROM bookings WHERE id = '$b2'" cancelled
b1=$(sql "SELECT id FROM bookings WHERE command_id = '$c1'")

token=$("$ctl" feed token create --school s1 --label "Skovvang kalender" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ ${#token} = 43 ] || fail "no token: $token"
ptoken=$("$ctl" feed token create --provider p1 | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
"$ctl" feed token create --school nowhere 2>"$work/err" && fail "a token for no school"
grep -q 'there is no school "nowhere"' "$work/err" || fail "unclear: $(cat "$work/err")"
[ "$(sql "SELECT count(*) FROM feed_tokens WHERE position(convert_to('$token', 'UTF8') IN token_hash) > 0")" = 0 ] ||
  fail "the token is stored as it is"
url="http://127.0.0.1:$feeds_port/feeds"
for _ in $(seq 1 50); do curl -s -o /dev/null "$url/x" && break; sleep 0.1; done

curl -s -D "$work/h1" -o "$work/school.ics" "$url/school/s1.ics?token=$token"
grep -q '^HTTP/1.1 200' "$work/h1" || fail "feed: $(head -1 "$work/h1")"
grep -qi '^Content-Type: text/calendar; charset=utf-8' "$work/h1" || fail "content type"
grep -qi '^Last-Modified: ' "$work/h1" || fail "no Last-Modified"
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]: \(.*\)\r$/\1/p' "$work/h1")
[ -n "$etag" ] || fail "no ETag"
"$py" - "$work/school.ics" "$b1" "$b2" <<'PY' || fail "the feed does not read back"
import sys, icalendar
c = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
assert str(c["METHOD"]) == "PUBLISH", c["METHOD"]
ev = {str(e["UID"]): e for e in c.walk("VEVENT")}
b1, b2 = sys.argv[2] + "@rumbook", sys.argv[3] + "@rumbook"
assert set(ev) == {b1, b2}, ev.keys()
assert str(ev[b1]["STATUS"]) == "CONFIRMED" and str(ev[b2]["STATUS"]) == "CANCELLED"
# race: 09:00-11:00 Copenhagen time; the trip leaves before and returns after
import re
dep = re.search(r"Afgang fra skolen (\d\d):(\d\d)", str(ev[b1]["DESCRIPTION"]))
assert dep and "07:00" <= dep.group(1) + ":" + dep.group(2) < "09:00", ev[b1]["DESCRIPTION"]
assert "ATTENDEE" not in ev[b1], "a feed invites no one"
print("school feed:", sorted((str(e["SUMMARY"]), str(e["STATUS"])) for e in ev.values()))
PY
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url/school/s1.ics?token=$token")" = 304 ] ||
  fail "no 304 with the ETag"
curl -s "$url/provider/p1.ics?token=$ptoken" >"$work/provider.ics"
grep -q 'SUMMARY:Livet i skovbunden: 1.A\\, Skovvangskolen' "$work/provider.ics" ||
  fail "provider feed: $(grep SUMMARY "$work/provider.ics")"
grep -q '20 elever' "$work/provider.ics" || fail "provider feed lacks the pupils"

# Every refusal looks the same.
for u in "$url/school/s1.ics" "$url/school/s1.ics?token=wrong" "$url/school/nowhere.ics?token=$token" \
    "$url/provider/p1.ics?token=$token" "$url/school/s1.ics?token=$ptoken"; do
  [ "$(curl -s -o "$work/r" -w '%{http_code}' "$u")" = 404 ] || fail "not 404: $u"
  [ "$(cat "$work/r")" = "not found" ] || fail "a 404 that says more: $(cat "$work/r")"
done
id=$("$ctl" feed token list --school s1 | cut -d' ' -f1)
"$ctl" feed token revoke "$id" >/dev/null || fail "revoke"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/school/s1.ics?token=$token")" = 404 ] ||
  fail "a revoked token still works"
echo "PASS $test_name: school and provider feeds read back, 304 with the ETag, the same 404 for" \
  "no, wrong, another scope's and revoked tokens and unknown schools"
