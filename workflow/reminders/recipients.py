"""A region's contacts, and who of a list can receive mail, for the meeting invitations
(``workflow.reminders.meetings``). The sweep resolves a whole batch of reminders at once with
``workflow.audience`` instead, with the same rules.

Only people who can actually receive mail are returned: active, with an address, and not
``notify_mode = off``. The instant/digest choice is made later, at delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.persistence.models import User, UserRole

CONTACT_ROLE = "initiator"  # a region's international-relations office


def reachable(session: Session, user_ids: Iterable[int]) -> list[int]:
    """The subset of ``user_ids`` that can receive email now, sorted."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    return sorted(
        session.scalars(
            select(User.id).where(
                User.id.in_(ids),
                User.is_active.is_(True),
                User.email.is_not(None),
                User.notify_mode != "off",
            )
        )
    )


def org_contacts(
    session: Session, org_ids: Sequence[int], role: str = CONTACT_ROLE
) -> dict[int, list[int]]:
    """``org_id -> [user ids]``: active holders of ``role`` in each organization."""
    result: dict[int, list[int]] = {org_id: [] for org_id in org_ids}
    if not org_ids:
        return result
    rows = session.execute(
        select(User.org_id, User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.org_id.in_(list(org_ids)), UserRole.role == role, User.is_active.is_(True))
        .order_by(User.org_id, User.id)
    ).all()
    for org_id, user_id in rows:
        result[org_id].append(user_id)
    return result
