"""iCalendar (RFC 5545 / iTIP RFC 5546) for meeting invitations, updates and cancellations.

Built from the snapshot an invitation row carries (``workflow.reminders.meetings.snapshot``):
the UID is the meeting's, fixed for its life; SEQUENCE is the meeting's ``ical_sequence`` at the
time of the decision, so calendar clients replace the event on an update and remove it on a
METHOD:CANCEL. DTSTAMP is the moment of the decision, so a re-send is byte-identical.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//soglasie//coordinating meetings//RU"


def meeting_ics(
    snapshot: dict[str, Any], *, language: str, organizer: str, attendee: str, description: str = ""
) -> str:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", snapshot["method"])
    event = Event()
    event.add("uid", snapshot["uid"])
    event.add("sequence", int(snapshot["sequence"]))
    event.add("dtstamp", dt.datetime.fromisoformat(snapshot["stamp"]))
    event.add("dtstart", dt.datetime.fromisoformat(snapshot["starts_at"]))
    event.add("dtend", dt.datetime.fromisoformat(snapshot["ends_at"]))
    title = snapshot.get("title_en") if language == "en" else None
    event.add("summary", title or snapshot["title_ru"])
    if snapshot.get("venue"):
        event.add("location", snapshot["venue"])
    if description:
        event.add("description", description)
    event.add("status", snapshot["status"])
    name, address = parseaddr(organizer)
    org = vCalAddress(f"mailto:{address}")
    if name:
        org.params["cn"] = vText(name)
    event.add("organizer", org)
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params["role"] = vText("REQ-PARTICIPANT")
    guest.params["rsvp"] = vText("FALSE")
    event.add("attendee", guest)
    cal.add_component(event)
    return cal.to_ical().decode("utf-8")
