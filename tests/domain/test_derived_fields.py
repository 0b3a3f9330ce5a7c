"""``valid_until`` is derived from ``in_force_from`` and ``term.years``: an agreement in force
for five years can be renewed and its expiry recorded without anybody typing the end date."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from tests.domain.walking import walk_to
from workflow.clock import MOSCOW
from workflow.definitions.directory import load_verified
from workflow.errors import TransitionNotAllowed
from workflow.fields.derived import derive_valid_until, years_later
from workflow.persistence.models import Case

DEFINITIONS = load_verified().definitions


def _morning(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=MOSCOW)


def _fields(world, case_id: int) -> dict:
    with world.engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id).fields


def test_a_term_in_years_ends_on_the_same_day_of_its_last_year():
    assert years_later(dt.date(2026, 3, 2), 5) == dt.date(2031, 3, 2)
    assert years_later(dt.date(2028, 2, 29), 1) == dt.date(2029, 2, 28)
    stored = {"in_force_from": "2026-03-02", "term": {"years": 5}}
    assert derive_valid_until({}, stored)["valid_until"] == "2031-03-02"
    # A derived date follows its inputs...
    derived = {**stored, "valid_until": "2031-03-02"}
    longer = {**derived, "term": {"years": 10}}
    assert derive_valid_until(derived, longer)["valid_until"] == "2036-03-02"
    # ...a date somebody typed wins, now and later.
    typed = {**stored, "valid_until": "2030-12-31"}
    assert derive_valid_until(stored, typed)["valid_until"] == "2030-12-31"
    assert derive_valid_until(typed, {**typed, "term": {"years": 10}})["valid_until"] == (
        "2030-12-31"
    )
    assert "valid_until" not in derive_valid_until({}, {"in_force_from": "2026-03-02"})


@pytest.mark.parametrize("kind", ["regional_agreement", "twin_city_agreement"])
def test_entry_into_force_derives_the_end_date_and_expiry_uses_it(shipped_world, clock, kind):
    clock.set(_morning(dt.date(2026, 3, 2)))
    walk = walk_to(shipped_world, DEFINITIONS[kind], "in_force")
    fields = _fields(shipped_world, walk.case_id)
    start = dt.date.fromisoformat(fields["in_force_from"])
    assert fields["term"]["years"] == 5
    assert fields["valid_until"] == years_later(start, 5).isoformat()
    engine = shipped_world.engine
    initiator = shipped_world.actor(
        shipped_world.acting(DEFINITIONS[kind], ["initiator"], walk.case_id)
    )
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(walk.case_id, "expire", initiator)
    assert refused.value.refusals[0].details["date"] == fields["valid_until"]
    if kind == "regional_agreement":  # a renewal must move the derived date forward
        with pytest.raises(TransitionNotAllowed) as refused:
            engine.fire(walk.case_id, "renew", initiator)
        assert refused.value.refusals[0].details == {
            "field": "valid_until",
            "current": fields["valid_until"],
            "guard": "field_advances",
        }
    clock.set(_morning(years_later(start, 5)))
    assert engine.fire(walk.case_id, "expire", initiator).to_state == "expired"


def test_a_case_stored_without_the_end_date_can_be_renewed_and_expire(shipped_world, clock):
    """An agreement entered into force before the date was derived (the field missing in its
    stored JSON, as before migration 0011 fills it): expiry reads the derived date, and a
    renewal stores its new one."""
    clock.set(_morning(dt.date(2026, 3, 2)))
    regional = DEFINITIONS["regional_agreement"]
    walk = walk_to(shipped_world, regional, "in_force")
    stored = dict(_fields(shipped_world, walk.case_id))
    stored.pop("valid_until")
    with shipped_world.engine.uow() as uow:
        uow.session.execute(update(Case).where(Case.id == walk.case_id).values(fields=stored))
        uow.commit()
    engine = shipped_world.engine
    initiator = shipped_world.actor(shipped_world.acting(regional, ["initiator"], walk.case_id))
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(walk.case_id, "expire", initiator)
    assert refused.value.refusals[0].details["date"] == "2031-03-02"
    engine.fire(walk.case_id, "renew", initiator, data={"valid_until": "2036-03-02"})
    assert _fields(shipped_world, walk.case_id)["valid_until"] == "2036-03-02"
    clock.set(_morning(dt.date(2036, 3, 2)))
    assert engine.fire(walk.case_id, "expire", initiator).to_state == "expired"
