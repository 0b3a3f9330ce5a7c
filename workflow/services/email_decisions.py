"""Deciding a review task from a link in its email: looking at the link, and using it.

``inspect_link`` (the confirmation page, GET) only reads. ``decide_by_link`` (the page's button,
POST) is one unit of work: spend the link (``UPDATE … WHERE used_at IS NULL``, exactly one row),
lock the case, check the link's task, then the same ``fire_in`` that ``Engine.fire`` runs, as
the reviewer the link was made for, with ``{"via": "email_link"}`` in the audit event. Any
refusal rolls the whole transaction back, the spending of the link included, so a link that was
refused for a missing comment still works.

A link works only while:

- decisions by email are on (``SOGLASIE_EMAIL_DECISIONS``) and the reviewer has not turned
  them off for herself, and her account is active;
- it has not been used and has not expired (``SOGLASIE_EMAIL_DECISION_DAYS`` after the email
  was queued);
- the case has not *moved on*: the link's own task is still open and the case is still in that
  task's state. Another reviewer's vote in the same round changes the case's version but not
  this reviewer's task, so it does not void her link. The version check is kept: the decision is
  fired with the version read under the case lock, after the task check, so nothing can slip in
  between the check and the transition. Once the task is closed (her own vote, a return by
  another reviewer, a withdrawal, a reassignment that cancelled it), the link is refused.

Permissions are Engine's own: the reviewer must still hold the role (``fire_in`` checks it).
After the transition the link's task must be closed; if the firing acted on another of her
tasks (as a substitute, say), the transaction is rolled back.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from workflow.clock import local_date
from workflow.email_decisions import opted_out, secret_hash, split_token
from workflow.errors import Refusal, TransitionNotAllowed, WorkflowError
from workflow.persistence.email_decisions import EmailDecisionOptOut, EmailDecisionToken
from workflow.persistence.models import Case, Task, User
from workflow.policy import load_actor
from workflow.services.casework import lock_case_with_tasks
from workflow.services.firing import FireResult, fire_in

if TYPE_CHECKING:
    from workflow.engine import Engine

VIA = {"via": "email_link"}


class LinkRefused(WorkflowError):
    """The link cannot be used. ``reason``: ``invalid`` (malformed, unknown or forged), ``off``
    (turned off for everyone or by the reviewer), ``used``, ``expired``, ``moved_on``."""

    code = "link_refused"

    def __init__(self, reason: str, link: Link | None = None):
        super().__init__(f"This decision link cannot be used ({reason}).")
        self.reason = reason
        self.link = link


@dataclass(frozen=True)
class Link:
    """What the confirmation page shows."""

    token_id: int
    kind: str  # approve | return
    trigger: str
    task_id: int
    case_id: int
    case_title: str
    definition_id: int
    user_id: int
    user_name: str
    language: str


def _load(engine: Engine, session: Session, token: str) -> tuple[Link, Any]:
    parts = split_token(token)
    if parts is None:
        raise LinkRefused("invalid")
    public_id, secret = parts
    row = session.execute(
        select(
            EmailDecisionToken,
            Case.title,
            Case.definition_id,
            User.full_name,
            User.username,
            User.language,
            User.is_active,
        )
        .join(Case, Case.id == EmailDecisionToken.case_id)
        .join(User, User.id == EmailDecisionToken.user_id)
        .where(EmailDecisionToken.public_id == public_id)
    ).first()
    if row is None or not hmac.compare_digest(row[0].secret_hash, secret_hash(secret)):
        raise LinkRefused("invalid")
    tok = row[0]
    link = Link(
        tok.id,
        tok.kind,
        tok.trigger,
        tok.task_id,
        tok.case_id,
        row.title,
        row.definition_id,
        tok.user_id,
        row.full_name or row.username,
        row.language or "ru",
    )
    if not engine.email_decisions.enabled or not row.is_active:
        raise LinkRefused("off", link)
    if opted_out(session, {tok.user_id}):
        raise LinkRefused("off", link)
    if tok.used_at is not None:
        raise LinkRefused("used", link)
    if engine.clock.now() >= tok.expires_at:
        raise LinkRefused("expired", link)
    return link, tok


def _task_open_in(session: Session, task_id: int, state: str | None) -> bool:
    task = session.execute(select(Task.status, Task.state).where(Task.id == task_id)).first()
    return task is not None and task.status == "open" and (state is None or task.state == state)


def inspect_link(engine: Engine, token: str) -> Link:
    """The link's decision, or ``LinkRefused``. Reads only."""
    with engine.uow(write=False) as uow:
        link, _tok = _load(engine, uow.session, token)
        state = uow.session.scalar(select(Case.state).where(Case.id == link.case_id))
        if not _task_open_in(uow.session, link.task_id, state):
            raise LinkRefused("moved_on", link)
        return link


def decide_by_link(engine: Engine, token: str, comment: str | None) -> tuple[Link, FireResult]:
    """Use the link: one transaction (see the module's docstring). Raises ``LinkRefused`` or the
    engine's own refusals (``PermissionDenied``, ``TransitionNotAllowed``…); nothing is
    changed then."""
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        link, _tok = _load(engine, session, token)
        spent = session.execute(
            update(EmailDecisionToken)
            .where(EmailDecisionToken.id == link.token_id, EmailDecisionToken.used_at.is_(None))
            .values(used_at=now)
        )
        if spent.rowcount != 1:
            raise LinkRefused("used", link)
        case, _tasks, _clocks = lock_case_with_tasks(session, link.case_id)
        if case is None or not _task_open_in(session, link.task_id, case.state):
            raise LinkRefused("moved_on", link)
        actor = load_actor(session, link.user_id, local_date(now))
        result = fire_in(
            engine,
            session,
            link.case_id,
            link.trigger,
            actor,
            comment,
            case.version,
            {},
            audit=dict(VIA),
        )
        if _task_open_in(session, link.task_id, None):
            raise TransitionNotAllowed(
                [Refusal("other_task", "The decision would not have closed this link's task.")]
            )
        uow.commit()
    return link, result


def email_decisions_allowed(engine: Engine, user_id: int) -> bool:
    """The person's own choice (the settings page); the global switch is separate."""
    with engine.uow(write=False) as uow:
        return not opted_out(uow.session, {user_id})


def set_email_decisions(engine: Engine, user_id: int, allowed: bool) -> None:
    """Turn decision links on or off for one person. Off also refuses links already mailed."""
    with engine.uow() as uow:
        uow.session.execute(
            delete(EmailDecisionOptOut).where(EmailDecisionOptOut.user_id == user_id)
        )
        if not allowed:
            uow.session.execute(
                insert(EmailDecisionOptOut).values(user_id=user_id, created_at=engine.clock.now())
            )
        uow.commit()
