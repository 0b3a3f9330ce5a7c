"""The region status page and the coordinator's dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.web import scenario
from workflow.queries.dashboard import percentile


def test_the_region_page_counts_by_stage_with_plans_and_whats_coming(
    engine, web_world, signed_in, clock
):
    signed = scenario.create_regional(engine, web_world, "Подписанное")
    scenario.to_registered(engine, web_world, clock, signed)
    scenario.adopted_plan(engine, web_world, signed)
    clock.set(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
    in_review = scenario.create_regional(engine, web_world, "На согласовании")
    scenario.to_federal_review(engine, web_world, in_review)
    scenario.create_regional(engine, web_world, "Черновик")
    # 10 April: the federal review (due 1 April) and the draft's first step (due 31 March) are
    # overdue; the signed agreement's registration step is not.
    clock.set(dt.datetime(2026, 4, 10, 6, 0, tzinfo=dt.UTC))
    html = signed_in("ini").get("/regions/RU-TST").get_data(as_text=True)
    found = re.findall(r'stat-value">(\d+)</div><div class="stat-label">([^<]+)<', html)
    stats = {label: int(value) for value, label in found}
    assert stats == {
        "agreements in total": 3,
        "signed or in force": 1,
        "with overdue tasks": 2,
        "plans of activities": 1,
    }
    assert "Registered by the Ministry of Justice" in html and "Federal review" in html
    assert "План мероприятий на 2026–2027 годы" in html and "planned: 3" in html
    assert "badge-danger" in html  # the overdue row is flagged


def test_the_region_page_is_for_the_region_and_federal_bodies(engine, web_world, signed_in):
    assert signed_in("other").get("/regions/RU-TST").status_code == 403
    assert signed_in("mfa").get("/regions/RU-TST").status_code == 200
    assert signed_in("city").get("/regions/RU-TST").status_code == 200  # its municipality
    assert signed_in("ini").get("/regions/NOWHERE").status_code == 404
    mine = signed_in("ini").get("/regions/mine")
    assert mine.headers["Location"].endswith("/regions/RU-TST")


def test_percentiles_interpolate_between_ranks():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 0.9) == pytest.approx(7.6)  # 4 + (10 - 4) * 0.6
    assert percentile([], 0.5) == 0.0


def test_the_dashboard_measures_time_in_stage_from_the_audit_trail(
    engine, web_world, signed_in, clock
):
    durations = (3, 5, 40)  # days the federal review lasted for three agreements
    for index, days in enumerate(durations):
        clock.set(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
        case_id = scenario.create_regional(engine, web_world, f"Соглашение {index}")
        scenario.to_federal_review(engine, web_world, case_id)
        clock.advance(days=days)
        for reviewer in ("mfa", "minec", "sector"):
            engine.fire(case_id, "approve", web_world.actor(reviewer))
    html = signed_in("coord").get("/dashboard").get_data(as_text=True)
    row = re.search(
        r"<td>Federal review</td><td class=\"num\">([\d.]+)</td>"
        r"<td class=\"num\">([\d.]+)</td><td class=\"num\">(\d+)</td>",
        html,
    )
    assert row, "no federal review row"
    median, p90, measured = row.groups()
    # A stint in the stage "federal review" spans submitted_for_review and federal_review,
    # counted in working days from Monday 2 March 2026: 3, 4 (to Saturday 7 March) and 28
    # (to Saturday 11 April; 9 March is the day off for 8 March). The median is a whole day,
    # shown without decimals; the 90th percentile with one.
    assert (median, p90, int(measured)) == ("4", "23.2", 3)
    assert signed_in("ini").get("/dashboard").status_code == 403


def test_the_dashboard_counts_signed_agreements_per_year(engine, web_world, signed_in, clock):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_registered(engine, web_world, clock, case_id)
    html = signed_in("mfa").get("/dashboard").get_data(as_text=True)
    assert '<tr><td>2026</td><td class="num">1</td></tr>' in html
    filtered = signed_in("mfa").get("/dashboard?period=year&year=2025").get_data(as_text=True)
    assert "No stage has been completed in this period." in filtered
