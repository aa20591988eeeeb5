#!/usr/bin/env bash
# An iMIP message as an independent reader sees it: Python's email package
# parses the message test_imip writes, finds one From, To, Subject and no
# injected header, decodes the subject, the text and the calendar part
# exactly, with the calendar's method in its Content-Type.
set -euo pipefail
: "${RB_TESTS:?RB_TESTS unset}"
work=$(mktemp -d /tmp/rumbook-imip.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$RB_TESTS/test_imip" "$work/m.eml" >/dev/null
/usr/bin/python3 - "$work/m.eml" <<'PY'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.SMTP)
assert m.defects == [], m.defects
for h in ("From", "To", "Subject", "Message-ID", "Date", "Reply-To"):
    assert len(m.get_all(h) or []) == 1, (h, m.get_all(h))
for h in ("Bcc", "X-Injected", "X-Evil"):
    assert m.get(h) is None, h
assert str(m["Subject"]) == ("Bekræftet: Vikingetid – et forløb med en meget lang titel der skal "
                             "deles, onsdag 14. april 2027  X-Injected: yes"), str(m["Subject"])
assert m["From"].addresses[0].addr_spec == "booking@rumbook.example", m["From"]
name = m["From"].addresses[0].display_name
assert name.startswith("Moesgård Museum") and "\n" not in name and len(m["From"].addresses) == 1, name
text, cal = list(m.iter_parts())
assert text.get_content_type() == "text/plain"
body = text.get_content().replace("\r\n", "\n")
assert "Note:\n.\nSubject: injected\n" in body, repr(body)
assert "Trailing space  \n." in body, repr(body)
assert cal.get_content_type() == "text/calendar" and cal.get_param("method") == "REQUEST"
assert cal.get_content().startswith("BEGIN:VCALENDAR\r\nMETHOD:REQUEST"), repr(cal.get_content())
print("test_imip.sh: 1 passed, 0 failed")
PY
