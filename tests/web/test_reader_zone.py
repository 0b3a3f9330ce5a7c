"""Times on the pages are in the reader's own zone: her organization's. A clerk in
Vladivostok reads the moment a case was created (06:00 UTC) as 16:00, a Moscow one as 09:00,
and the date beside it is the same day as the time in the history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from tests.web import scenario
from workflow.persistence.models import Organization, User


def _org_zone(engine, username: str, zone: str) -> None:
    with engine.uow() as uow:
        org_id = uow.session.query(User.org_id).filter(User.username == username).scalar()
        uow.session.execute(
            update(Organization).where(Organization.id == org_id).values(timezone=zone)
        )
        uow.commit()


def test_the_history_shows_the_readers_own_zone(engine, web_world, signed_in, clock):
    case_id = scenario.create_regional(engine, web_world)  # at 06:00 UTC, 2 March 2026
    moscow = signed_in("ini").get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "2 March 2026, 09:00" in moscow
    _org_zone(engine, "ini", "Asia/Vladivostok")
    far_east = signed_in("ini").get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "2 March 2026, 16:00" in far_east and "2 March 2026, 09:00" not in far_east


def test_a_late_evening_in_utc_is_the_next_day_in_vladivostok_everywhere_on_the_page(
    engine, web_world, signed_in, clock
):
    clock.set(dt.datetime(2026, 3, 2, 20, 30, tzinfo=dt.UTC))  # 06:30 on 3 March there
    case_id = scenario.create_regional(engine, web_world)
    _org_zone(engine, "ini", "Asia/Vladivostok")
    page = signed_in("ini").get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "3 March 2026, 06:30" in page
    assert "2 March 2026, 23:30" not in page  # not Moscow's evening
