"""A signed-in user changes her own password: the current one, then the new one.

The new password must pass ``workflow.password_policy``; the change ends every other session of
hers (another browser, a remember-me cookie left on a shared computer) and keeps the one she is
using. ``PasswordChangeRefused.reason`` says why a change was refused, for the page to say it in
the reader's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from workflow.errors import InvalidInput, NotFound
from workflow.password_policy import MESSAGES, password_issue
from workflow.passwords import hash_password, verify
from workflow.persistence.models import User
from workflow.services.user_sessions import revoke_all

if TYPE_CHECKING:
    from workflow.engine import Engine

WRONG_CURRENT = "wrong_current"
SAME_AS_CURRENT = "same_as_current"


class PasswordChangeRefused(InvalidInput):
    def __init__(self, reason: str, message: str, field: str):
        super().__init__(message, {field: message})
        self.reason = reason


def change_own_password(
    engine: Engine, user_id: int, current: str, new: str, *, keep_session: int | None
) -> int:
    """Set ``new`` if ``current`` is right; end the user's other sessions. Returns how many."""
    with engine.uow(write=False) as uow:
        stored = uow.session.scalar(
            select(User.password_hash).where(User.id == user_id, User.is_active.is_(True))
        )
    matches, _ = verify(stored, current)  # an unknown or inactive user: never matches
    if not matches:
        raise PasswordChangeRefused(
            WRONG_CURRENT, "The current password is not right.", "current_password"
        )
    issue = password_issue(new)
    if issue:
        raise PasswordChangeRefused(issue, MESSAGES[issue], "new_password")
    if new == current:
        raise PasswordChangeRefused(
            SAME_AS_CURRENT, "The new password is the same as the current one.", "new_password"
        )
    with engine.uow() as uow:
        changed = uow.session.execute(
            update(User)
            .where(User.id == user_id, User.is_active.is_(True))
            .values(password_hash=hash_password(new))
        ).rowcount
        if changed != 1:
            raise NotFound(f"User {user_id} not found.")
        ended = revoke_all(uow.session, engine.clock, user_id, keep=keep_session)
        uow.commit()
    return ended
