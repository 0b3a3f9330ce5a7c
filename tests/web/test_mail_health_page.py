"""The administrators' outbox page says since when mail has been dying, and what is still being
retried (issue 18)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from workflow.persistence.models import OutboxMessage


def _row(key, now, **values):
    return dict(
        idempotency_key=key,
        channel="email",
        template="task_opened",
        recipient="nobody@example.test",
        payload={},
        message_id=f"<{key}@soglasie.local>",
        attempts=3,
        next_attempt_at=now,
        created_at=now - dt.timedelta(days=3),
        **values,
    )


def test_the_outbox_page_says_since_when_mail_has_been_dying_and_what_is_retried(
    engine, web_world, signed_in, clock
):
    now = clock.now()
    with engine.uow() as uow:
        uow.session.execute(
            insert(OutboxMessage),
            [
                _row(
                    "dead-1",
                    now,
                    status="dead",
                    dead_at=now - dt.timedelta(hours=2),
                    failing_since=now - dt.timedelta(days=3, hours=2),
                    last_error="cannot connect to SMTP server mail:25",
                ),
                _row(
                    "dead-2",
                    now,
                    status="dead",
                    dead_at=now - dt.timedelta(hours=1),
                    failing_since=now - dt.timedelta(days=3, hours=1),
                    last_error="cannot connect to SMTP server mail:25: refused",
                ),
                _row(
                    "waiting",
                    now,
                    status="pending",
                    failing_since=now - dt.timedelta(hours=5),
                    last_error="cannot connect",
                ),
            ],
        )
        uow.commit()
    admin = signed_in("admin")
    html = admin.get("/admin/outbox").get_data(as_text=True)
    assert 'id="mail-dying"' in html and 'id="mail-failing"' in html
    assert "cannot connect to SMTP server mail:25: refused" in html  # the latest error
    admin.post("/admin/outbox/retry-all", form_page="/admin/outbox")
    html = admin.get("/admin/outbox").get_data(as_text=True)
    assert 'id="mail-dying"' not in html
