"""Organizations: creating them, and importing them from CSV all-or-nothing.

CSV format (UTF-8, comma-separated, header row required; documented in the README):

==============  =====================================================================
code            unique code, e.g. ``RU-TA``, ``RU-TA-KAZAN``, ``MFA``, ``CN-HEILONGJIANG``
kind            ``region`` | ``municipality`` | ``federal_body`` | ``foreign_partner``
name_ru         name in Russian (required)
name_en         name in English
name_native     partner's name in its own language
parent_code     a municipality's region (required for municipalities)
country         ISO 3166-1 alpha-2, required for foreign partners
level           partner level: ``national`` | ``state`` | ``province`` | ``city``
calendar_code   regional production calendar (regions), e.g. ``RU-TA``
timezone        IANA zone, default ``Europe/Moscow``
==============  =====================================================================

An existing code is updated in place, but never to another kind: the cases, users and tasks of
a region do not become a federal body's by an edit of a spreadsheet. A ``calendar_code`` must
name a calendar: a regional calendar or parameters file, or a region (whose calendar is the
federal one until it has files), so a typo does not quietly put a region on the federal
calendar. A file with any bad line imports nothing; every bad line is reported with its line
number, as is a header that names a column twice and a quote that is never closed.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.persistence.models import Organization

KINDS = ("region", "municipality", "federal_body", "foreign_partner")
LEVELS = ("national", "state", "province", "city")
COLUMNS = (
    "code",
    "kind",
    "name_ru",
    "name_en",
    "name_native",
    "parent_code",
    "country",
    "level",
    "calendar_code",
    "timezone",
)
REQUIRED_COLUMNS = ("code", "kind", "name_ru")


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


class ImportRefused(Exception):
    def __init__(self, source: str, errors: list[LineError]):
        self.source = source
        self.errors = errors
        super().__init__("\n".join(f"{source}:{e.line}: {e.message}" for e in errors))


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


def calendar_codes(catalog) -> set[str]:
    """The codes that name a regional calendar or parameters file in a ``Catalog``."""
    return set(catalog.calendars.region_codes) | set(catalog.definitions.overrides)


def _check_row(
    row: dict[str, str],
    line: int,
    codes_in_file: dict[str, str],
    known_kinds: dict[str, str],
    calendars: Collection[str],
) -> list[LineError]:
    errors = []
    code, kind = row["code"], row["kind"]
    was = known_kinds.get(code)
    if was is not None and kind in KINDS and kind != was:
        errors.append(
            LineError(
                line,
                f"'{code}' is a {was} in the database; the file makes it a {kind}, and a change "
                "of kind is refused (its cases, users and tasks are a "
                f"{was}'s: create a new code instead)",
            )
        )
    if not code:
        errors.append(LineError(line, "code is empty"))
    elif len(code) > 64:
        errors.append(LineError(line, "code is longer than 64 characters"))
    if kind not in KINDS:
        errors.append(LineError(line, f"kind '{kind}' is not one of {', '.join(KINDS)}"))
    if not row["name_ru"]:
        errors.append(LineError(line, "name_ru is empty"))
    parent = row["parent_code"]
    if kind == "municipality":
        parent_kind = codes_in_file.get(parent) or known_kinds.get(parent)
        if not parent:
            errors.append(LineError(line, "a municipality needs parent_code (its region)"))
        elif parent_kind is None:
            errors.append(
                LineError(
                    line, f"parent_code '{parent}' is neither in the file nor in the database"
                )
            )
        elif parent_kind != "region":
            errors.append(
                LineError(line, f"parent_code '{parent}' is a {parent_kind}, not a region")
            )
    elif parent:
        errors.append(LineError(line, "only municipalities have a parent_code"))
    country = row["country"]
    if kind == "foreign_partner" and not country:
        errors.append(LineError(line, "a foreign partner needs country (ISO code such as CN)"))
    if country and (len(country) != 2 or not country.isalpha() or not country.isupper()):
        errors.append(LineError(line, f"country '{country}' is not a two-letter ISO code"))
    if row["level"] and row["level"] not in LEVELS:
        errors.append(LineError(line, f"level '{row['level']}' is not one of {', '.join(LEVELS)}"))
    calendar = row["calendar_code"]
    regions = {c for c, k in {**known_kinds, **codes_in_file}.items() if k == "region"}
    if calendar and calendar not in calendars and calendar not in regions:
        known = ", ".join(sorted(calendars)) or "none"
        errors.append(
            LineError(
                line,
                f"calendar_code '{calendar}' names no calendar: no regional calendar or "
                f"parameters file has that code (known: {known}) and no region either; leave "
                "it empty for the federal calendar",
            )
        )
    if row["timezone"]:
        try:
            ZoneInfo(row["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(LineError(line, f"timezone '{row['timezone']}' is unknown"))
    return errors


def import_organizations(
    session: Session,
    text: str,
    source: str = "<csv>",
    *,
    calendars: Collection[str] | None = None,
) -> ImportSummary:
    """Validate every line first; write only if all are good. The caller commits.

    ``calendars``: the codes of the regional calendar and parameters files (``calendar_codes``);
    by default those of the engine the session belongs to.
    """
    if calendars is None:
        catalog = session.info.get("catalog")
        calendars = calendar_codes(catalog) if catalog is not None else set()
    header, records = _read(text, source)
    return _import_rows(session, header, records, source, calendars)


def _read(text: str, source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each record with the line it starts on; ``ImportRefused`` for text that
    is not CSV (an unclosed quote is named at the line that opened it)."""
    # newline="": lines end at \n, \r\n or a lone \r, as the csv module expects.
    # strict: a quote never closed is an error, not a field swallowing the rest of the file.
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            message = 'a quoted field opened on this line is never closed (a missing ")'
            raise ImportRefused(source, [LineError(start, message)]) from error
        # e.g. a field over the csv module's size limit, or text after a closing quote
        line = LineError(start, f"not CSV: {error}")
        raise ImportRefused(source, [line]) from error
    if not records:
        return [], []
    return [h.strip() for h in records[0][1]], records[1:]


def _import_rows(
    session: Session,
    header: list[str],
    records: list[tuple[int, list[str]]],
    source: str,
    calendars: Collection[str],
) -> ImportSummary:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    twice = [c for c, n in Counter(header).items() if n > 1]
    if missing or unknown or twice:
        problems = []
        if missing:
            problems.append(LineError(1, f"missing column(s): {', '.join(missing)}"))
        if unknown:
            problems.append(
                LineError(
                    1, f"unknown column(s): {', '.join(unknown)} (allowed: {', '.join(COLUMNS)})"
                )
            )
        if twice:
            problems.append(LineError(1, f"column(s) named more than once: {', '.join(twice)}"))
        raise ImportRefused(source, problems)
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[LineError] = []
    for line, record in records:
        if len(record) > len(header):
            errors.append(LineError(line, "more fields than columns in the header"))
            continue
        raw = dict(zip(header, record, strict=False))
        row = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        if not any(row.values()):
            continue
        rows.append((line, row))
    codes_in_file: dict[str, str] = {}
    for line, row in rows:
        if row["code"] in codes_in_file:
            errors.append(LineError(line, f"code '{row['code']}' appears twice in the file"))
        codes_in_file[row["code"]] = row["kind"]
    known_kinds = dict(session.execute(select(Organization.code, Organization.kind)).all())
    for line, row in rows:
        errors.extend(_check_row(row, line, codes_in_file, known_kinds, calendars))
    if errors:
        raise ImportRefused(source, sorted(errors, key=lambda e: e.line))
    if not rows:
        raise ImportRefused(source, [LineError(1, "the file has no data rows")])

    existing = {o.code: o for o in session.scalars(select(Organization))}
    created = updated = 0
    for _line, row in sorted(rows, key=lambda r: r[1]["kind"] == "municipality"):
        org = existing.get(row["code"])
        if org is None:
            org = Organization(code=row["code"])
            session.add(org)
            existing[row["code"]] = org
            created += 1
        else:
            updated += 1
        org.kind = row["kind"]
        org.name_ru = row["name_ru"]
        org.name_en = row["name_en"] or None
        org.name_native = row["name_native"] or None
        org.country = row["country"] or None
        org.level = row["level"] or None
        org.calendar_code = row["calendar_code"] or None
        org.timezone = row["timezone"] or "Europe/Moscow"
        session.flush()
    for _line, row in rows:
        if row["parent_code"]:
            existing[row["code"]].parent_id = existing[row["parent_code"]].id
    session.flush()
    return ImportSummary(created, updated)
