"""Who hears about something: the holders of task queues, named people, whom each of them hands
work to today, and which of them can receive mail — resolved in one statement for a whole batch.

A transition that opens a review round tells three queues; a reminder sweep resolves hundreds of
reminders at once. Both ask ``audience(session, queues, user_ids, today)`` once instead of one
query per queue, per substitute list and per mute check.

Rules (the same everywhere): a queue ``(role, org_id)`` is every *active* user holding ``role``
in ``org_id`` (``org_id`` None: in any organization); a substitute is whoever a user named for
today (``substitutions``, not revoked); a person is *muted* who turned mail off or has no
address, and *reachable* who is active and not muted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, null, or_, select, union_all
from sqlalchemy.orm import Session

from workflow.persistence import direct
from workflow.persistence.models import Substitution, User, UserRole

users_t = User.__table__
roles_t = UserRole.__table__
substitutions_t = Substitution.__table__

Queue = tuple[str, "int | None"]


def _muted(users):
    return or_(users.c.notify_mode == "off", users.c.email.is_(None))


def _statement(in_orgs: bool) -> direct.Direct:
    holders = (
        select(
            roles_t.c.role.label("role"),
            users_t.c.org_id.label("org_id"),
            users_t.c.id.label("user_id"),
            users_t.c.is_active.label("active"),
            _muted(users_t).label("muted"),
        )
        .join(roles_t, roles_t.c.user_id == users_t.c.id)
        .where(
            roles_t.c.role.in_(bindparam("roles", expanding=True)), users_t.c.is_active.is_(True)
        )
    )
    if in_orgs:
        holders = holders.where(users_t.c.org_id.in_(bindparam("org_ids", expanding=True)))
    named = select(
        null().label("role"),
        null().label("org_id"),
        users_t.c.id,
        users_t.c.is_active,
        _muted(users_t),
    ).where(users_t.c.id.in_(bindparam("user_ids", expanding=True)))
    people = union_all(holders, named).cte("people")
    substitute = users_t.alias("substitute")
    return direct.Direct(
        select(
            people.c.role,
            people.c.org_id,
            people.c.user_id,
            people.c.active,
            people.c.muted,
            substitutions_t.c.substitute_id,
            substitute.c.is_active.label("substitute_active"),
            _muted(substitute).label("substitute_muted"),
        ).select_from(
            people.outerjoin(
                substitutions_t,
                and_(
                    substitutions_t.c.user_id == people.c.user_id,
                    substitutions_t.c.revoked.is_(False),
                    substitutions_t.c.starts_on <= bindparam("today"),
                    substitutions_t.c.ends_on >= bindparam("today"),
                ),
            ).outerjoin(substitute, substitute.c.id == substitutions_t.c.substitute_id)
        )
    )


# Built once per shape: queues of named organizations only, or some of any organization.
_IN_ORGS = _statement(True)
_ANY_ORG = _statement(False)


@dataclass
class Audience:
    holders: dict[Queue, list[int]] = field(default_factory=dict)  # sorted user ids
    substitutes: dict[int, list[int]] = field(default_factory=dict)  # sorted user ids
    known: set[int] = field(default_factory=set)  # every user id the statement returned
    muted: set[int] = field(default_factory=set)
    inactive: set[int] = field(default_factory=set)

    def queue(self, role: str, org_id: int | None) -> list[int]:
        return self.holders.get((role, org_id), [])

    def with_substitutes(self, user_ids: Iterable[int]) -> list[int]:
        """``user_ids`` and whoever substitutes for any of them today, sorted, no repeats."""
        people = set(user_ids)
        for user_id in list(people):
            people.update(self.substitutes.get(user_id, ()))
        return sorted(people)

    def reachable(self, user_ids: Iterable[int]) -> list[int]:
        """Those of ``user_ids`` who exist, are active and receive mail, sorted."""
        return sorted(
            u
            for u in set(user_ids)
            if u in self.known and u not in self.muted and u not in self.inactive
        )


def audience(
    session: Session, queues: Iterable[Queue], user_ids: Iterable[int], today: dt.date
) -> Audience:
    """Resolve ``queues`` and ``user_ids`` (and their substitutes today) in one statement.

    Only people the statement returns are known: ``muted`` / ``inactive`` say nothing about
    ids that were neither asked for nor found.
    """
    queues = set(queues)
    user_ids = sorted(set(user_ids))
    result = Audience(holders={queue: [] for queue in queues})
    if not queues and not user_ids:
        return result
    roles = sorted({role for role, _org in queues})
    params = {"roles": roles, "user_ids": user_ids, "today": today}
    org_ids = {org for _role, org in queues}
    if None in org_ids:
        statement = _ANY_ORG
    else:
        statement = _IN_ORGS
        params["org_ids"] = sorted(org_ids)
    holders: dict[Queue, set[int]] = {queue: set() for queue in queues}
    substitutes: dict[int, set[int]] = {}
    for row in direct.run(session, statement, params).rows:
        if row.role is not None:
            for queue in ((row.role, row.org_id), (row.role, None)):
                if queue in holders:
                    holders[queue].add(row.user_id)
        _note(result, row.user_id, row.active, row.muted)
        if row.substitute_id is not None:
            substitutes.setdefault(row.user_id, set()).add(row.substitute_id)
            _note(result, row.substitute_id, row.substitute_active, row.substitute_muted)
    result.holders = {queue: sorted(ids) for queue, ids in holders.items()}
    result.substitutes = {user: sorted(ids) for user, ids in substitutes.items()}
    return result


def _note(result: Audience, user_id: int, active, muted) -> None:
    result.known.add(user_id)
    if muted:
        result.muted.add(user_id)
    if not active:
        result.inactive.add(user_id)
