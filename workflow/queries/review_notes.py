"""What a review round said and what changed since: the task panel's memory of past rounds.

Three questions the agreement page asks about a case that went through review rounds
(``review_rounds`` pins each round to the text versions it reviewed; the audit trail records
each reviewer's vote or return with ``data.review.round``):

- ``last_return``: the case came back with remarks; who said what, about which versions?
- ``unchanged_since``: does any text have a newer version than the round that returned it?
  (Resubmitting the same texts asks for confirmation, or a guard refuses it.)
- ``changes_since_my_review``: a reviewer of round 2 or later; which texts changed since the
  round she last answered?

Read-only; a handful of rows per case (rounds and the review events of one state).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.persistence.models import AuditEvent, DocumentVersion, Organization, ReviewRound, User


@dataclass(frozen=True)
class Remark:
    """One reviewer's answer in a round: a return with its reasons, or an approval's comment."""

    actor_name: str | None
    org_name: str | None
    org_name_en: str | None
    role: str | None
    vote: str  # "reject" (returned) or "approve"
    comment: str | None
    at: dt.datetime


@dataclass(frozen=True)
class ReturnedRound:
    """The review round that sent the case back, with its remarks and the versions it read."""

    state: str  # the review state (federal_review)
    number: int
    definition_id: int
    documents: dict[str, int]  # language -> version number the round reviewed
    remarks: list[Remark]


@dataclass(frozen=True)
class TextChange:
    language: str
    reviewed: int | None  # the version the reviewer saw (None: the language is new)
    current: int


@dataclass(frozen=True)
class ReviewChanges:
    """What a reviewer of a later round has not seen yet."""

    seen_round: int  # the round compared with: hers, her role's, or the previous one
    current_round: int
    answered: bool  # she (or her role) answered ``seen_round``
    changes: list[TextChange]


def _rounds(session: Session, case_id: int, state: str | None = None):
    query = select(ReviewRound).where(ReviewRound.case_id == case_id)
    if state is not None:
        query = query.where(ReviewRound.state == state)
    return session.scalars(query.order_by(ReviewRound.id)).all()


def _numbers(documents: Mapping[str, Any] | None) -> dict[str, int]:
    return {lang: int(d["number"]) for lang, d in (documents or {}).items()}


def _review_events(session: Session, case_id: int, state: str):
    """The votes and returns recorded while the case was in review ``state``, oldest first."""
    return session.execute(
        select(
            AuditEvent.actor_id,
            AuditEvent.comment,
            AuditEvent.data,
            AuditEvent.created_at,
            User.full_name,
            Organization.name_ru,
            Organization.name_en,
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Organization, Organization.id == User.org_id)
        .where(
            AuditEvent.case_id == case_id,
            AuditEvent.from_state == state,
            AuditEvent.kind.in_(("vote", "transition")),
        )
        .order_by(AuditEvent.seq)
    ).all()


def last_return(session: Session, case_id: int, current_state: str) -> ReturnedRound | None:
    """The round whose return brought the case into ``current_state``, if that is how it got
    here (the last transition was a reviewer's return); None otherwise."""
    last = session.execute(
        select(
            AuditEvent.from_state,
            AuditEvent.to_state,
            AuditEvent.data,
            AuditEvent.definition_id,
        )
        .where(AuditEvent.case_id == case_id, AuditEvent.kind == "transition")
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if last is None or last.to_state != current_state:
        return None
    review = (last.data or {}).get("review") or {}
    if review.get("vote") != "reject":
        return None
    number = review.get("round")
    rounds = [r for r in _rounds(session, case_id, last.from_state) if r.number == number]
    remarks = [
        Remark(
            row.full_name,
            row.name_ru,
            row.name_en,
            row.data["review"].get("role"),
            row.data["review"].get("vote") or "approve",
            row.comment,
            row.created_at,
        )
        for row in _review_events(session, case_id, last.from_state)
        if (row.data or {}).get("review", {}).get("round") == number
        and (row.comment or row.data["review"].get("vote") == "reject")
    ]
    return ReturnedRound(
        last.from_state,
        number,
        last.definition_id,
        _numbers(rounds[0].documents) if rounds else {},
        remarks,
    )


def latest_numbers(session: Session, case_id: int) -> dict[str, int]:
    """The newest version number of each language's text."""
    rows = session.execute(
        select(DocumentVersion.language, DocumentVersion.number).where(
            DocumentVersion.case_id == case_id
        )
    ).all()
    latest: dict[str, int] = {}
    for language, number in rows:
        latest[language] = max(number, latest.get(language, 0))
    return latest


def changed_texts(reviewed: Mapping[str, int], current: Mapping[str, int]) -> list[TextChange]:
    """The languages whose newest version is not the one reviewed (new languages included)."""
    return [
        TextChange(lang, reviewed.get(lang), number)
        for lang, number in sorted(current.items())
        if reviewed.get(lang) != number
    ]


def unchanged_since(session: Session, case_id: int, returned: ReturnedRound) -> bool:
    """True when no text has a version newer than those the returning round reviewed."""
    return not changed_texts(returned.documents, latest_numbers(session, case_id))


def changes_since_my_review(
    session: Session, case_id: int, state: str, user_id: int, role: str | None
) -> ReviewChanges | None:
    """For a reviewer in round 2 or later of ``state``: the texts changed since the round she
    last answered herself, else one her role answered (a colleague of the same queue), else the
    previous round (a round ended by another's return before she answered). None in round 1."""
    rounds = _rounds(session, case_id, state)
    current = next((r for r in reversed(rounds) if r.outcome is None), None)
    if current is None or current.number < 2:
        return None
    answered_by_me: set[int] = set()
    answered_by_role: set[int] = set()
    for row in _review_events(session, case_id, state):
        review = (row.data or {}).get("review") or {}
        number = review.get("round")
        if not isinstance(number, int) or number >= current.number:
            continue
        if row.actor_id == user_id:
            answered_by_me.add(number)
        if role is not None and review.get("role") == role:
            answered_by_role.add(number)
    answered = answered_by_me or answered_by_role
    seen = max(answered) if answered else current.number - 1
    earlier = next((r for r in rounds if r.number == seen), None)
    if earlier is None:
        return None
    changes = changed_texts(_numbers(earlier.documents), _numbers(current.documents))
    return ReviewChanges(earlier.number, current.number, bool(answered), changes)
