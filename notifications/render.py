"""Rendering an email from a template name and a context: subject, text and HTML parts, and the
MIME message that goes over the wire.

Templates live in ``notifications/templates/<lang>/<name>.txt`` (the subject is the text
template's ``{% set subject %}`` block) and ``<name>.html`` (autoescaped). Undefined variables
raise, so a template that needs data its context lacks fails loudly in the snapshot tests
instead of mailing a blank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from notifications.format import format_date, format_datetime, plural_ru, working_days

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("ru", "en")

# Messages that may carry List-Unsubscribe: reminders and digests (RFC 2369, RFC 8058).
UNSUBSCRIBABLE = frozenset(
    {"task_reminder", "task_escalation", "meeting_reminder", "meeting_deadline", "digest"}
)
# Messages with an .ics attachment; they skip the digest (a calendar client needs them whole).
CALENDAR = frozenset({"meeting_invitation", "meeting_update", "meeting_cancelled"})


@dataclass(frozen=True)
class RenderedEmail:
    template: str
    language: str
    to_addr: str
    subject: str
    text: str
    html: str
    ics: str | None = None
    ics_method: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@cache
def _environment(html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    env.filters["wdays"] = working_days
    env.filters["plural_ru"] = plural_ru
    return env


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else "ru"


def render_parts(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """``(subject, text, html)`` of ``template`` in ``context["lang"]``."""
    lang = language_of(context.get("lang"))
    context = {**context, "lang": lang}
    module = _environment(False).get_template(f"{lang}/{template}.txt").make_module(context)
    subject = " ".join(str(module.subject).split())
    text = _tidy(str(module))
    html = (
        _environment(True).get_template(f"{lang}/{template}.html").render(context, subject=subject)
    )
    return subject, text, html


def render_subject(template: str, context: dict[str, Any]) -> str:
    return render_parts(template, context)[0]


def _tidy(text: str) -> str:
    """No trailing spaces (but the signature separator "-- " keeps its own), at most one blank
    line in a row, one final newline."""
    lines = [line if line == "-- " else line.rstrip() for line in text.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def compose(
    rendered: RenderedEmail, *, mail_from: str, message_id: str, date: dt.datetime
) -> EmailMessage:
    """The MIME message: text and HTML alternatives, plus ``invite.ics`` when there is one.

    The .ics is attached as ``str`` with subtype ``calendar`` (bytes would lose the charset of
    Cyrillic text) and carries iTIP's ``method`` parameter.
    """
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = rendered.to_addr
    message["Subject"] = rendered.subject
    message["Date"] = rfc2822_date(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = rendered.language
    for name, value in rendered.headers.items():
        message[name] = value
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    if rendered.ics is not None:
        message.add_attachment(
            rendered.ics,
            subtype="calendar",
            filename="invite.ics",
            params={"method": rendered.ics_method or "REQUEST"},
        )
    return message
