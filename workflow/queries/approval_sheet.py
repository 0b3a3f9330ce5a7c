"""The approval sheet's data («лист согласования»), assembled from the audit trail as plain,
JSON-ready data in one language.

The same function feeds the PDF and the verification of an issued sheet, so what is printed and
what is checked cannot drift apart. Its shape (every value a string, a number or None)::

    {"version": 1, "language": "ru",
     "case": {"id", "kind", "title", "title_partner"},
     "parties": [{"side": "russian"|"partner", "name", "native", "country"}],
     "approved_texts": [{"language", "number", "sha256"}],      # the last approved round's
     "rounds": [{"state", "title", "number", "outcome", "started_on", "closed_on",
                 "texts": [...], "rows": [ROW, ...]}],
     "signing": [{"side", "date", "place", "signatory", "position"}],
     "registration": {"number", "date"} | None}

    ROW = {"seq", "organization", "position", "name", "acting_for",
           "decision": "approved"|"approved_with_remarks"|"returned",
           "at": "YYYY-MM-DD HH:MM" (the reviewer's organization's time zone), "tz",
           "utc_offset": "+3", "remark"}

A decision is an audit event carrying ``data.review`` (a vote, or the transition the last vote
or a return caused); its round is ``data.review.round`` of the state it was taken in
(``from_state``). ``as_of`` (an audit ``seq``) leaves out later decisions: the verification
page shows no more than the sheet did. The reviewer's position is her ``users.position``, else
the title of the role she voted in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from workflow.definitions.model import Definition
from workflow.persistence.models import AuditEvent, Organization, ReviewRound, User
from workflow.queries.case_detail import CaseHeader

FORMAT_VERSION = 1
ACTOR_ORG = aliased(Organization)
PRINCIPAL = aliased(User)


def canonical_json(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def data_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON: what the PDF's keywords and ``approval_sheets`` carry."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def sheet_data(
    session: Session,
    head: CaseHeader,
    definition: Definition,
    language: str,
    as_of: int | None = None,
) -> dict[str, Any]:
    """Two statements: the review rounds, and the decisions with their people."""
    rounds = _rounds(session, head.id, definition, language)
    by_key = {(r["state"], r["number"]): r for r in rounds}
    for row, state, number in _decisions(session, head.id, definition, language, as_of):
        found = by_key.get((state, number))
        if found is not None:
            found["rows"].append(row)
    approved = [r for r in rounds if r["outcome"] == "approved"]
    fields = head.fields or {}
    return {
        "version": FORMAT_VERSION,
        "language": language,
        "case": {
            "id": head.id,
            "kind": definition.title.get(language),
            "title": head.title,
            "title_partner": head.title_partner,
        },
        "parties": _parties(head, language),
        "approved_texts": approved[-1]["texts"] if approved else [],
        "rounds": rounds,
        "signing": _signing(fields),
        "registration": _act(fields.get("registration")),
    }


def _texts(documents: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [
        {"language": lang, "number": d.get("number"), "sha256": d.get("sha256")}
        for lang, d in sorted((documents or {}).items())
    ]


def _rounds(session, case_id, definition, language) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ReviewRound)
        .where(ReviewRound.case_id == case_id)
        .order_by(ReviewRound.started_at, ReviewRound.id)
    ).scalars()
    out = []
    for r in rows:
        state = definition.states.get(r.state)
        out.append(
            {
                "state": r.state,
                "title": state.title.get(language) if state else r.state,
                "number": r.number,
                "outcome": r.outcome,
                "started_on": r.started_at.date().isoformat(),
                "closed_on": r.closed_at.date().isoformat() if r.closed_at else None,
                "texts": _texts(r.documents),
                "rows": [],
            }
        )
    return out


def _decisions(session, case_id, definition, language, as_of):
    query = (
        select(
            AuditEvent.seq,
            AuditEvent.from_state,
            AuditEvent.data,
            AuditEvent.comment,
            AuditEvent.created_at,
            User.full_name,
            User.position,
            ACTOR_ORG.name_ru,
            ACTOR_ORG.name_en,
            ACTOR_ORG.timezone,
            PRINCIPAL.full_name,
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(ACTOR_ORG, ACTOR_ORG.id == User.org_id)
        .outerjoin(PRINCIPAL, PRINCIPAL.id == AuditEvent.acting_for_id)
        .where(AuditEvent.case_id == case_id, AuditEvent.kind.in_(("vote", "transition")))
        .order_by(AuditEvent.seq)
    )
    if as_of is not None:
        query = query.where(AuditEvent.seq <= as_of)
    for ev in session.execute(query):
        review = (ev.data or {}).get("review")
        if not review:
            continue
        role = definition.roles.get(review.get("role"))
        zone = ev.timezone or "Europe/Moscow"
        local = ev.created_at.astimezone(ZoneInfo(zone))
        if review.get("vote") == "reject":
            decision = "returned"
        else:
            decision = "approved_with_remarks" if (ev.comment or "").strip() else "approved"
        row = {
            "seq": ev.seq,
            "organization": (ev.name_en or ev.name_ru) if language == "en" else ev.name_ru,
            "position": ev.position or (role.title.get(language) if role else review.get("role")),
            "name": ev.full_name,
            "acting_for": ev[10],
            "decision": decision,
            "at": local.strftime("%Y-%m-%d %H:%M"),
            "tz": zone,
            "utc_offset": _offset(local),
            "remark": ev.comment,
        }
        yield row, ev.from_state, review.get("round")


def _offset(local: dt.datetime) -> str:
    """ "+3", "+10", "+5:30": what people read next to a local time."""
    minutes = int(local.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _parties(head: CaseHeader, language: str) -> list[dict[str, Any]]:
    partner = (head.fields or {}).get("partner") or {}
    owner = (head.owner_name_en or head.owner_name) if language == "en" else head.owner_name
    return [
        {"side": "russian", "name": owner, "native": None, "country": "RU"},
        {
            "side": "partner",
            "name": head.partner_name or partner.get("name_ru") or head.title_partner,
            "native": head.partner_name_native or partner.get("name_partner"),
            "country": head.partner_country or partner.get("country"),
        },
    ]


def _signing(fields: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for side in ("russian", "partner"):
        signing = fields.get(f"signing_{side}") or {}
        person = signing.get("signatory") or {}
        if not signing:
            continue
        out.append(
            {
                "side": side,
                "date": _iso(signing.get("date")),
                "place": signing.get("place"),
                "signatory": person.get("name"),
                "position": person.get("position"),
            }
        )
    return out


def _act(act: dict[str, Any] | None) -> dict[str, Any] | None:
    if not act or not (act.get("number") or act.get("date")):
        return None
    return {"number": act.get("number"), "date": _iso(act.get("date"))}


def _iso(value) -> str | None:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value or None


def decision_rows(data: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Every decision row of a sheet's data, by its audit ``seq``."""
    return {row["seq"]: row for r in data.get("rounds", []) for row in r["rows"]}
