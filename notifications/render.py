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
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr, parseaddr
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from notifications.format import format_date, format_datetime, plural_ru, working_days

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("ru", "en")

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


def load_templates() -> int:
    """Compile every template now (a worker calls it at start), so the first batch a worker
    sends is not slowed by compiling them; returns how many."""
    count = 0
    for html, suffix in ((False, ".txt"), (True, ".html")):
        environment = _environment(html)
        for name in environment.list_templates():
            if name.endswith(suffix):
                environment.get_template(name)
                count += 1
    return count


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


class _Policy(Compat32):
    """``compat32`` that writes a short one-line ASCII header as it is: the classic folding
    builds a ``Header`` for every header of every part (~50 µs each) only to find that it
    fits on its line. Anything longer, multi-line or encoded is folded as before."""

    def _fold(self, name, value, sanitize):
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and len(name) + len(value) + 2 <= (self.max_line_length or 78)
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


_POLICY = _Policy()
_UTF8_QP = Charset("utf-8")
_UTF8_QP.header_encoding = BASE64  # RFC 2047 encoded words for Cyrillic subjects and names
_UTF8_QP.body_encoding = QP


def compose(
    rendered: RenderedEmail, *, mail_from: str, message_id: str, date: dt.datetime
) -> Message:
    """The MIME message: text and HTML alternatives (quoted-printable UTF-8), plus
    ``invite.ics`` when there is one.

    Built with the classic ``email.mime`` classes: ``EmailMessage`` parses and re-folds every
    header through the modern policy, ~5 ms a message, most of a send (bench: reminders,
    delivery); these take the values as given and encode non-ASCII ones as RFC 2047 words.
    A parser with any policy reads the same headers and parts back. The .ics is attached as
    text with subtype ``calendar`` (its charset kept for Cyrillic text) and carries iTIP's
    ``method`` parameter.
    """
    body = MIMEMultipart("alternative", policy=_POLICY)
    body.attach(_part(MIMEText(rendered.text, "plain", _UTF8_QP, policy=_POLICY)))
    body.attach(_part(MIMEText(rendered.html, "html", _UTF8_QP, policy=_POLICY)))
    if rendered.ics is None:
        message = body
    else:
        message = MIMEMultipart("mixed", policy=_POLICY)
        message.attach(_part(body))
        invite = MIMEText(rendered.ics, "calendar", _UTF8_QP, policy=_POLICY)
        invite.set_param("method", rendered.ics_method or "REQUEST")
        invite.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(_part(invite))
    headers = {
        "From": _address_header(mail_from),
        "To": _address_header(rendered.to_addr),
        "Subject": _text_header(rendered.subject),
        "Date": rfc2822_date(date),
        "Message-ID": message_id,
        "Auto-Submitted": "auto-generated",
        "Content-Language": rendered.language,
        **{name: _text_header(value) for name, value in rendered.headers.items()},
    }
    # The envelope headers first, as a reader expects them (MIMEMultipart put its own).
    own = [(name, value) for name, value in message.items()]
    for name in {name for name, _value in own}:
        del message[name]
    for name, value in [*headers.items(), *own]:
        message[name] = value
    return message


def _part(part: Message) -> Message:
    del part["MIME-Version"]  # belongs to the message, not to each of its parts
    return part


def _text_header(value: str):
    return value if value.isascii() else Header(value, _UTF8_QP)


def _address_header(value: str) -> str:
    name, address = parseaddr(value)
    if not name or name.isascii():
        return value
    return formataddr((name, address), charset=_UTF8_QP)
