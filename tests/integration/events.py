"""Reads `rumbookctl watch` JSON lines and answers questions about them.

A test helper (not the product): counts decisions by command, checks that
repeated events carry the same event id, and parses invitations with an
independent iCalendar parser (Debian's python3-icalendar).
"""
import json
import sys

import icalendar


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def decisions(events):
    """command id -> list of decision events."""
    out = {}
    for e in events:
        if e["type"] == "decision":
            out.setdefault(e["command_id"], []).append(e)
    return out


def check_decisions(path, expected):
    """Every command decided; repeats are the same event."""
    by_command = decisions(load(path))
    if len(by_command) != expected:
        sys.exit(f"{len(by_command)} commands decided on the topic, expected {expected}")
    for cid, evs in by_command.items():
        if len({e["event_id"] for e in evs}) != 1:
            sys.exit(f"command {cid} has {len(evs)} different decision events")
    repeats = sum(len(v) - 1 for v in by_command.values())
    print(f"decided={len(by_command)} repeats_with_same_event_id={repeats}")


def invitations(path):
    """One line per invitation as an independent parser reads it."""
    for e in load(path):
        if e["type"] != "invitation":
            continue
        cal = icalendar.Calendar.from_ical(e["icalendar"])
        tz = [c for c in cal.walk("VTIMEZONE")]
        ev = [c for c in cal.walk("VEVENT")][0]
        start = ev.decoded("DTSTART")
        print(
            cal["METHOD"],
            str(ev["UID"]),
            int(ev["SEQUENCE"]),
            start.isoformat(),
            str(start.tzinfo),
            str(ev["ATTENDEE"]),
            str(ev["ORGANIZER"]),
            str(tz[0]["TZID"]) if tz else "no-vtimezone",
            json.dumps(str(ev.get("DESCRIPTION", ""))),
        )


if __name__ == "__main__":
    if sys.argv[1] == "decisions":
        check_decisions(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "invitations":
        invitations(sys.argv[2])
    else:
        sys.exit("usage: events.py decisions FILE N | invitations FILE")
