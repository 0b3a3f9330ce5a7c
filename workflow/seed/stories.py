"""The demo's cases, each told as the history that led to its present state.

Days are relative to the day the demo is seeded (negative: in the past), so the demo always
looks current: the agreement under review is due in a few weeks, the expired one expired last
month, the coordinating meeting is ten weeks ahead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflow.seed.history import Chronicle, History

REVIEWERS = ("mfa.reviewer", "minec.reviewer", "mincult.reviewer")


def iso(day: dt.date) -> str:
    return day.isoformat()


def quarter_end(day: dt.date) -> dt.date:
    month = ((day.month - 1) // 3 + 1) * 3
    following = dt.date(day.year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def agreement(
    c: Chronicle,
    title: str,
    title_partner: str,
    partner: dict[str, Any],
    language: str,
    areas: list[str],
    planned: int,
    **extra: Any,
) -> dict[str, Any]:
    fields = {
        "title": title,
        "title_partner": title_partner,
        "partner": {**partner, "language": language},
        "subject_areas": areas,
        "languages": ["ru", language],
        "planned_signing_date": iso(c.day(planned)),
        "term": {"years": 5, "automatic_renewal": True, "renewal_years": 5},
        "entry_into_force": "on_registration",
    }
    fields.update(extra)
    return fields


def _texts(h: History, offset: int, user: str, language: str, title: str) -> None:
    h.document(offset, user, "ru", f"{title}\n\nТекст на русском языке. Статьи 1-12.")
    h.document(offset, user, language, f"{title}\n\nAuthentic text ({language}). Articles 1-12.")


def _through_federal_review(
    h: History, start: int, ini: str, legal: str, head: str, language: str, title: str
) -> None:
    """From initiation to the federal review, starting on day ``start``."""
    h.fire(start + 2, ini, "notify_negotiations").fire(start + 5, ini, "start_drafting")
    _texts(h, start + 15, ini, language, title)
    h.fire(start + 25, ini, "send_for_clearance")
    h.fire(start + 29, legal, "clear").fire(start + 30, head, "clear")
    h.fire(start + 32, "mfa.reviewer", "start_review")


def _signed(c: Chronicle, offset: int, place_ru: str, place_partner: str, partner_name: str):
    return {
        "signing_russian": {
            "date": iso(c.day(offset)),
            "place": place_ru,
            "signatory": {"name": "Глава региона", "position": "Высшее должностное лицо"},
        },
        "signing_partner": {
            "date": iso(c.day(offset)),
            "place": place_partner,
            "signatory": {"name": partner_name, "position": "Head of the partner"},
        },
    }


def regional_draft(c: Chronicle) -> int:
    """Tatarstan with Heilongjiang: a draft in preparation, the Chinese text still missing."""
    title = "Соглашение о торгово-экономическом и гуманитарном сотрудничестве"
    h = History.start(
        c,
        -20,
        "ta.initiator",
        "regional_agreement",
        agreement(
            c,
            title,
            "关于经贸和人文合作的协议",
            {
                "country": "CN",
                "level": "province",
                "name_ru": "Провинция Хэйлунцзян",
                "name_partner": "黑龙江省",
            },
            "zh",
            ["trade_economic", "humanitarian"],
            planned=120,
            tags=["cross_border"],
        ),
    )
    h.fire(-18, "ta.initiator", "notify_negotiations").fire(-15, "ta.initiator", "start_drafting")
    h.document(-10, "ta.initiator", "ru", f"{title}\n\nПроект, редакция 1.")
    return h.case_id


def regional_under_review(c: Chronicle) -> int:
    """Astrakhan with Atyrau: under federal review, the Ministry of Economic Development has
    answered, the MFA and the Ministry of Culture have not."""
    title = "Соглашение о сотрудничестве в области культуры и образования"
    h = History.start(
        c,
        -60,
        "ast.initiator",
        "regional_agreement",
        agreement(
            c,
            title,
            "Мәдениет және білім беру саласындағы ынтымақтастық туралы келісім",
            {
                "country": "KZ",
                "level": "province",
                "name_ru": "Атырауская область",
                "name_partner": "Атырау облысы",
            },
            "kk",
            ["cultural", "education"],
            planned=45,
            tags=["cross_border", "compatriots"],
        ),
    )
    _through_federal_review(h, -60, "ast.initiator", "ast.legal", "ast.head", "kk", title)
    h.fire(-10, "minec.reviewer", "approve", comment="Замечаний нет.")
    return h.case_id


def regional_returned(c: Chronicle) -> int:
    """Kaliningrad with Grodno: returned with the MFA's remarks (conciliation)."""
    title = "Соглашение о приграничном сотрудничестве"
    h = History.start(
        c,
        -90,
        "kgd.initiator",
        "regional_agreement",
        agreement(
            c,
            title,
            "Пагадненне аб памежным супрацоўніцтве",
            {
                "country": "BY",
                "level": "province",
                "name_ru": "Гродненская область",
                "name_partner": "Гродзенская вобласць",
            },
            "be",
            ["trade_economic", "environmental"],
            planned=80,
            tags=["cross_border"],
        ),
    )
    _through_federal_review(h, -90, "kgd.initiator", "kgd.legal", "kgd.head", "be", title)
    h.fire(-30, "mincult.reviewer", "approve")
    h.fire(
        -12,
        "mfa.reviewer",
        "return_for_revision",
        comment="Уточнить статью 5: вопросы, отнесённые к ведению Российской Федерации.",
    )
    return h.case_id


def regional_awaiting_registration(c: Chronicle) -> int:
    """Saint Petersburg with Hanoi: signed, submitted to the Ministry of Justice."""
    title = "Соглашение о сотрудничестве в сфере туризма и образования"
    h = History.start(
        c,
        -200,
        "spb.initiator",
        "regional_agreement",
        agreement(
            c,
            title,
            "Thỏa thuận hợp tác trong lĩnh vực du lịch và giáo dục",
            {"country": "VN", "level": "city", "name_ru": "Город Ханой", "name_partner": "Hà Nội"},
            "vi",
            ["education", "humanitarian"],
            planned=-20,
        ),
    )
    _through_federal_review(h, -200, "spb.initiator", "spb.legal", "spb.head", "vi", title)
    for i, reviewer in enumerate(REVIEWERS):
        h.fire(-150 + i, reviewer, "approve")
    h.fire(-140, "spb.initiator", "schedule_signing", {"planned_signing_place": "Санкт-Петербург"})
    h.fire(
        -20,
        "spb.initiator",
        "record_signing",
        _signed(c, -20, "Санкт-Петербург", "Hà Nội", "Trần Văn An"),
    )
    h.fire(-10, "spb.initiator", "submit_for_registration")
    return h.case_id


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
    _through_federal_review(h, -420, "ta.initiator", "ta.legal", "ta.head", "en", title)
    for i, reviewer in enumerate(REVIEWERS):
        h.fire(-370 + i, reviewer, "approve")
    h.fire(-360, "ta.initiator", "schedule_signing", {"planned_signing_place": "Казань"})
    h.fire(
        -330,
        "ta.initiator",
        "record_signing",
        _signed(c, -330, "Казань", "Gandhinagar", "Chief Minister"),
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
            "title": "План мероприятий по реализации Соглашения с штатом Гуджарат",
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
    _through_federal_review(h, start, "pri.initiator", "pri.legal", "pri.head", "zh", title)
    for i, reviewer in enumerate(REVIEWERS):
        h.fire(start + 50 + i, reviewer, "approve")
    h.fire(
        start + 60, "pri.initiator", "schedule_signing", {"planned_signing_place": "Владивосток"}
    )
    h.fire(
        start + 90,
        "pri.initiator",
        "record_signing",
        _signed(c, start + 90, "Владивосток", "Harbin", "Governor"),
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


def regional_consent(c: Chronicle) -> int:
    """Astrakhan with Kazakhstan's Ministry of Trade: a national-level partner, waiting for the
    Government's consent."""
    title = "Соглашение о торговом сотрудничестве"
    h = History.start(
        c,
        -100,
        "ast.initiator",
        "regional_agreement",
        agreement(
            c,
            title,
            "Сауда саласындағы ынтымақтастық туралы келісім",
            {
                "country": "KZ",
                "level": "national",
                "name_ru": "Министерство торговли и интеграции Республики Казахстан",
                "name_partner": "Қазақстан Республикасы Сауда және интеграция министрлігі",
            },
            "kk",
            ["trade_economic"],
            planned=40,
            requires_government_consent=True,
        ),
    )
    _through_federal_review(h, -100, "ast.initiator", "ast.legal", "ast.head", "kk", title)
    for i, reviewer in enumerate(REVIEWERS):
        h.fire(-12 + i, reviewer, "approve")
    h.fire(-5, "ast.initiator", "request_government_consent")
    return h.case_id
