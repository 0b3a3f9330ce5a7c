"""Messages: undeliverable (dead-lettered) outbox rows with a retry button, and the demo mailbox
where email goes when no SMTP server is configured."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from notifications.admin import count_dead, list_dead, mail_health, retry_all_dead, retry_dead
from web.current import engine
from web.pages.admin import bp
from web.pages.common import page_number
from workflow.errors import NotFound
from workflow.persistence.mailbox import MailboxMessage

PER_PAGE = 50


@bp.get("/outbox")
def outbox():
    page = page_number()
    eng = engine()
    total = count_dead(eng)
    rows = list_dead(eng, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "admin/outbox.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        health=mail_health(eng),
    )


@bp.post("/outbox/<int:outbox_id>/retry")
def retry(outbox_id: int):
    if retry_dead(engine(), outbox_id):
        flash(_("The message is queued again."), "success")
    else:
        flash(_("The message is no longer undeliverable."), "info")
    return redirect(url_for("admin.outbox"), 303)


@bp.post("/outbox/retry-all")
def retry_all():
    count = retry_all_dead(engine())
    flash(_("Queued again: %(n)d.", n=count), "success")
    return redirect(url_for("admin.outbox"), 303)


@bp.get("/mailbox")
def mailbox():
    page = page_number()
    with engine().uow(write=False) as uow:
        rows = uow.session.execute(
            select(
                MailboxMessage.id,
                MailboxMessage.to_address,
                MailboxMessage.subject,
                MailboxMessage.created_at,
                MailboxMessage.ics.is_not(None).label("has_ics"),
            )
            .order_by(MailboxMessage.created_at.desc(), MailboxMessage.id.desc())
            .limit(PER_PAGE + 1)
            .offset((page - 1) * PER_PAGE)
        ).all()
    return render_template(
        "admin/mailbox.html", rows=rows[:PER_PAGE], page=page, more=len(rows) > PER_PAGE
    )


@bp.get("/mailbox/<int:message_id>")
def mailbox_message(message_id: int):
    with engine().uow(write=False) as uow:
        message = uow.session.get(MailboxMessage, message_id)
    if message is None:
        raise NotFound(f"Message {message_id} not found.")
    return render_template("admin/mailbox_message.html", m=message)
