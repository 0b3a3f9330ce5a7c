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

An existing code is updated in place. A file with any bad line imports nothing; every bad line
is reported with its line number.
"""

from __future__ import annotations

import csv
import io
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


def _check_row(
    row: dict[str, str], line: int, codes_in_file: dict[str, str], known_kinds: dict[str, str]
) -> list[LineError]:
    errors = []
    code, kind = row["code"], row["kind"]
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
    if row["timezone"]:
        try:
            ZoneInfo(row["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(LineError(line, f"timezone '{row['timezone']}' is unknown"))
    return errors


def import_organizations(session: Session, text: str, source: str = "<csv>") -> ImportSummary:
    """Validate every line first; write only if all are good. The caller commits."""
    # newline="": lines end at \n, \r\n or a lone \r, as the csv module expects
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _import_rows(session, reader, source)
    except csv.Error as error:  # e.g. a field over the csv module's size limit
        # line_num counts the lines read before the one that failed
        line = LineError(reader.line_num + 1, f"not CSV: {error}")
        raise ImportRefused(source, [line]) from error


def _import_rows(session: Session, reader: csv.DictReader, source: str) -> ImportSummary:
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(LineError(1, f"missing column(s): {', '.join(missing)}"))
        if unknown:
            problems.append(
                LineError(
                    1, f"unknown column(s): {', '.join(unknown)} (allowed: {', '.join(COLUMNS)})"
                )
            )
        raise ImportRefused(source, problems)
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[LineError] = []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            errors.append(LineError(line, "more fields than columns in the header"))
            continue
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
        errors.extend(_check_row(row, line, codes_in_file, known_kinds))
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
