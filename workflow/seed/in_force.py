"""The demo's agreements with a life after signing: in force with a monitored plan of
activities, and expired (see ``stories``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflow.seed.history import Chronicle, History
from workflow.seed.stories import (
    agreement,
    all_reviewers_approve,
    iso,
    quarter_end,
    signed,
    through_federal_review,
)


def regional_in_force(c: Chronicle) -> tuple[int, int]:
    """Tatarstan with Gujarat: in force for ten months, its plan of activities adopted and
    reported on every quarter. Returns (agreement, plan)."""
    title = "Соглашение о сотрудничестве в торгово-экономической и научно-технической сферах"
    h = History.start(
        c,
        -420,
        "ta.initiator",
        "regional_agreement",
        agreement(
            c,
            title,
            "Agreement on trade, economic, scientific and technical cooperation",
            {
                "country": "IN",
                "level": "state",
                "name_ru": "Штат Гуджарат",
                "name_partner": "Gujarat",
            },
            "en",
            ["trade_economic", "scientific_technical"],
            planned=-330,
            signatories={
                "russian": {"name": "Раис Республики Татарстан", "position": "Раис"},
                "partner": {"name": "Chief Minister of Gujarat", "position": "Chief Minister"},
            },
        ),
    )
    through_federal_review(h, -420, "ta.initiator", "ta.legal", "ta.head", "en", title)
    all_reviewers_approve(h, -370)
    h.fire(-360, "ta.initiator", "schedule_signing", {"planned_signing_place": "Казань"})
    h.fire(
        -330,
        "ta.initiator",
        "record_signing",
        signed(c, -330, "Казань", "Gandhinagar", "Chief Minister"),
    )
    h.fire(-325, "ta.initiator", "submit_for_registration")
    h.fire(
        -300,
        "minjust.registrar",
        "register",
        {"registration": {"number": "1093-С", "date": iso(c.day(-300))}},
    )
    h.fire(
        -298,
        "ta.initiator",
        "enter_into_force",
        {"in_force_from": iso(c.day(-300)), "valid_until": iso(c.day(-300 + 5 * 365))},
    )
    plan = History.start(
        c,
        -290,
        "ta.initiator",
        "activity_plan",
        {
            "title": "План мероприятий по реализации Соглашения со штатом Гуджарат",
            "period_start": iso(c.day(-290)),
            "period_end": iso(c.day(-290 + 2 * 365)),
        },
        parent_case_id=h.case_id,
    )
    return h.case_id, plan.case_id


def adopt_and_monitor_plan(c: Chronicle, plan_id: int, items: list[dict[str, Any]]) -> None:
    """Add the items, take the plan through review and adoption, and report each quarter
    ten days after it ends; then move the items on."""
    plan = History(c, plan_id)
    engine = c.at(-290)
    ids = [engine.add_plan_item(plan_id, c.actor("ta.initiator"), **item).id for item in items]
    plan.fire(-288, "ta.initiator", "submit_plan")
    plan.fire(-280, "rstr.coordinator", "approve_plan")
    first_end = quarter_end(c.day(-275))
    plan.fire(
        -275,
        "ta.initiator",
        "adopt_plan",
        {
            "adoption": {"number": "РП-145", "date": iso(c.day(-275))},
            "monitoring_period_end": iso(first_end),
        },
    )
    period_end = first_end
    while (period_end + dt.timedelta(days=10)) < c.today:
        report_day = (period_end + dt.timedelta(days=10) - c.today).days
        next_end = quarter_end(period_end + dt.timedelta(days=1))
        quarter = f"{period_end.year}-Q{(period_end.month - 1) // 3 + 1}"
        plan.fire(
            report_day,
            "ta.initiator",
            "report_quarter",
            {
                "progress_report": {
                    "period": quarter,
                    "summary": "Мероприятия выполняются по графику.",
                },
                "monitoring_period_end": iso(next_end),
            },
        )
        period_end = next_end
    kazan = c.actor("kazan.initiator")
    ta = c.actor("ta.initiator")
    c.at(-200).update_plan_item(ids[0], ta, 1, status="done", note="Бизнес-миссия проведена")
    c.at(-60).update_plan_item(ids[1], kazan, 1, status="in_progress", note="Площадка согласована")
    c.at(-30).update_plan_item(
        ids[2], ta, 1, status="postponed", note="Перенос по просьбе партнёра"
    )


def regional_expired(c: Chronicle) -> int:
    """Primorsky Krai with Heilongjiang: a five-year agreement that expired last month."""
    start = -5 * 365 - 150
    title = "Соглашение о сотрудничестве в области охраны окружающей среды"
    h = History.start(
        c,
        start,
        "pri.initiator",
        "regional_agreement",
        agreement(
            c,
            title,
            "关于环境保护合作的协议",
            {
                "country": "CN",
                "level": "province",
                "name_ru": "Провинция Хэйлунцзян",
                "name_partner": "黑龙江省",
            },
            "zh",
            ["environmental"],
            planned=start + 90,
            tags=["cross_border"],
        ),
    )
    through_federal_review(h, start, "pri.initiator", "pri.legal", "pri.head", "zh", title)
    all_reviewers_approve(h, start + 50)
    h.fire(
        start + 60, "pri.initiator", "schedule_signing", {"planned_signing_place": "Владивосток"}
    )
    h.fire(
        start + 90,
        "pri.initiator",
        "record_signing",
        signed(c, start + 90, "Владивосток", "Harbin", "Governor"),
    )
    h.fire(start + 95, "pri.initiator", "submit_for_registration")
    h.fire(
        start + 115,
        "minjust.registrar",
        "register",
        {"registration": {"number": "784-С", "date": iso(c.day(start + 115))}},
    )
    h.fire(
        start + 116,
        "pri.initiator",
        "enter_into_force",
        {"in_force_from": iso(c.day(start + 115)), "valid_until": iso(c.day(-30))},
    )
    h.fire(-25, "pri.initiator", "expire")
    return h.case_id
