"""The domain guards on bare contexts (no database): the checks that need only the case's fields
and the calendar, and the refusal of the ones that need a session when there is none."""

from __future__ import annotations

import datetime as dt

import pytest

from workflow.calendar import Duration, ProductionCalendar
from workflow.guards import GuardContext, get_guard

D = dt.date
PARAMETERS = {"notice": Duration.parse("90 calendar_days"), "lead": Duration.parse("1 months")}


MONDAY = D(2026, 3, 2)


def ctx(fields, today=MONDAY, data=None) -> GuardContext:
    return GuardContext(
        case_id=1,
        kind="regional_agreement",
        state="in_force",
        fields=fields,
        today=today,
        calendar=ProductionCalendar("RU"),
        parameter=PARAMETERS.__getitem__,
        documents=dict,
        approved_documents=lambda: None,
        data=data or {},
    )


def check(name, fields, params, **kwargs):
    return get_guard(name)(ctx(fields, **kwargs), params)


def test_an_advisory_lead_time_passes_while_the_date_is_unknown():
    params = {"field": "planned_signing_date", "parameter": "lead"}
    assert check("lead_time_if_set", {}, params) is None
    late = check("lead_time_if_set", {"planned_signing_date": "2026-03-20"}, params)
    assert late.reason == "lead_time" and late.details["last_allowed_day"] == "2026-02-20"


@pytest.mark.parametrize(
    ("partner", "flag", "needed"),
    [
        ({"level": "national"}, None, True),
        ({"level": "province"}, None, False),
        ({"level": "city"}, True, True),  # asked for explicitly
    ],
)
def test_the_governments_consent_is_needed_for_national_partners_or_on_request(
    partner, flag, needed
):
    fields = {"partner": partner, "requires_government_consent": flag}
    assert (check("government_consent_needed", fields, {"value": True}) is None) == needed
    refusal = check("government_consent_needed", fields, {"value": False})
    assert (refusal is not None) == needed
    if refusal:
        assert refusal.reason == "route"


def test_signatures_cannot_be_dated_in_the_future_and_empty_ones_are_left_to_requires():
    params = {"fields": ["signing_russian.date", "signing_partner.date"]}
    fields = {"signing_russian": {"date": "2026-03-03"}}
    refusal = check("dates_not_in_future", fields, params)
    assert refusal.details["fields"] == ["signing_russian.date"]
    assert check("dates_not_in_future", {"signing_russian": {"date": "2026-03-02"}}, params) is None


def test_the_notice_period_is_the_agreements_clause_or_the_default():
    params = {
        "field": "termination.notice_date",
        "days_field": "term.termination_notice_days",
        "parameter": "notice",
    }
    notice = {"termination": {"notice_date": "2026-01-02"}}
    # 90 days after 2 January 2026 is Friday 2 April: not yet on 2 March.
    assert check("notice_elapsed", notice, params).details["ends_on"] == "2026-04-02"
    with_clause = {**notice, "term": {"termination_notice_days": 30}}
    # 30 days after 2 January is Sunday 1 February: the notice runs out on Monday 2 February.
    assert check("notice_elapsed", with_clause, params) is None
    assert check("notice_elapsed", with_clause, params, today=D(2026, 1, 30)) is not None


def test_a_date_must_be_reached():
    params = {"field": "valid_until"}
    assert check("date_reached", {"valid_until": "2026-03-02"}, params) is None
    assert check("date_reached", {"valid_until": "2026-03-03"}, params).reason == "guard"
    assert check("date_reached", {}, params).details["missing"] == ["valid_until"]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("plan_has_items", {}),
        ("related_case_in_state", {"kind": "activity_plan", "states": ["adopted"]}),
        ("field_advances", {"field": "valid_until"}),
        ("meeting_status", {"status": "held"}),
        ("minutes_recorded", {}),
    ],
)
def test_guards_that_read_related_rows_refuse_without_a_session(name, params):
    refusal = check(name, {"valid_until": "2030-01-01"}, params)
    assert refusal is not None and "session" in refusal.message
