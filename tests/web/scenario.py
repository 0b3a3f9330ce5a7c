"""Walking the shipped ``regional_agreement`` and ``activity_plan`` procedures through the engine
(not the pages), to give page tests and screenshots agreements in interesting states.

The world is ``tests.browser.conftest.USERS`` (initiator, legal office and head of region of
RU-TST; MFA, MinEc and sectoral reviewers; Minjust; the coordinator). Dates suit the default
test clock, Monday 2 March 2026.
"""

from __future__ import annotations

import datetime as dt

PARTNER = {
    "country": "CN",
    "level": "province",
    "name_ru": "Провинция Хэйлунцзян",
    "name_partner": "黑龙江省",
    "language": "zh",
}
PLANNED = "2026-05-20"
TEXT_RU = (
    "Соглашение между Тестовой областью и провинцией Хэйлунцзян\n"
    "о торгово-экономическом и гуманитарном сотрудничестве\n\n"
    "Статья 1. Стороны развивают сотрудничество в области торговли.\n"
    "Статья 2. Стороны содействуют обменам в области образования.\n"
    "Статья 3. Соглашение заключается сроком на пять лет.\n"
)
TEXT_ZH = "黑龙江省与测试州关于经贸和人文合作的协议\n第一条 双方发展贸易合作。\n"


def create_regional(engine, world, title: str = "Соглашение о сотрудничестве с Хэйлунцзяном"):
    case = engine.create_case(
        world.actor("ini"),
        "regional_agreement",
        fields={
            "title": title,
            "title_partner": "黑龙江省合作协议",
            "partner": PARTNER,
            "subject_areas": ["trade_economic", "education"],
        },
    )
    return case.id


def to_drafting(engine, world, case_id: int) -> None:
    ini = world.actor("ini")
    engine.fire(case_id, "notify_negotiations", ini)
    engine.fire(case_id, "start_drafting", ini)
    engine.update_fields(
        case_id,
        ini,
        {
            "planned_signing_date": PLANNED,
            "languages": ["ru", "zh"],
            "term": {"years": 5},
            "entry_into_force": "on_registration",
        },
    )
    engine.add_document(case_id, ini, "ru", TEXT_RU, "soglashenie.txt", "Первая редакция")
    engine.add_document(case_id, ini, "zh", TEXT_ZH)


def to_federal_review(engine, world, case_id: int) -> None:
    to_drafting(engine, world, case_id)
    engine.fire(case_id, "send_for_clearance", world.actor("ini"))
    engine.fire(case_id, "clear", world.actor("legal"))
    engine.fire(case_id, "clear", world.actor("head"))
    engine.fire(case_id, "start_review", world.actor("mfa"))


def returned_and_resubmitted(engine, world, case_id: int) -> None:
    """Federal review round 1 returns the draft; the region revises and resubmits."""
    to_federal_review(engine, world, case_id)
    engine.fire(case_id, "approve", world.actor("mfa"))
    engine.fire(
        case_id,
        "return_for_revision",
        world.actor("minec"),
        comment="Уточните статью 2: укажите конкретные формы обменов.",
    )
    engine.add_document(
        case_id,
        world.actor("ini"),
        "ru",
        TEXT_RU.replace(
            "обменам в области образования",
            "обменам студентами и преподавателями в области образования",
        ),
        note="Учтены замечания Минэкономразвития",
    )
    engine.fire(case_id, "resubmit", world.actor("ini"))


def to_registered(engine, world, clock, case_id: int) -> None:
    returned_and_resubmitted(engine, world, case_id)
    for reviewer in ("mfa", "minec", "sector"):
        engine.fire(case_id, "approve", world.actor(reviewer))
    ini = world.actor("ini")
    engine.fire(
        case_id,
        "schedule_signing",
        ini,
        data={"planned_signing_date": PLANNED, "planned_signing_place": "Казань"},
    )
    clock.set(dt.datetime(2026, 5, 21, 6, 0, tzinfo=dt.UTC))
    signing = {"date": PLANNED, "place": "Казань", "signatory": {"name": "И. И. Головин"}}
    engine.fire(
        case_id,
        "record_signing",
        ini,
        data={
            "signing_russian": signing,
            "signing_partner": {**signing, "signatory": {"name": "Ван Лэй"}},
        },
    )
    engine.fire(case_id, "submit_for_registration", ini)
    engine.fire(
        case_id,
        "register",
        world.actor("minjust"),
        data={"registration": {"number": "RU-TST-2026-001", "date": "2026-05-28"}},
    )


def adopted_plan(
    engine, world, agreement_id: int, title: str = "План мероприятий на 2026–2027 годы"
):
    ini = world.actor("ini")
    plan = engine.create_case(
        ini,
        "activity_plan",
        fields={"title": title, "period_start": "2026-06-01", "period_end": "2027-12-31"},
        parent_case_id=agreement_id,
    )
    region = world.org_id("RU-TST")
    for title_, area, due in (
        ("Дни Тестовой области в Харбине", "cultural", "2026-09-15"),
        ("Бизнес-миссия в провинцию Хэйлунцзян", "trade_economic", "2026-11-20"),
        ("Летняя школа для студентов", "education", "2027-07-01"),
    ):
        engine.add_plan_item(
            plan.id, ini, title=title_, area=area, responsible_org_id=region, due_on=due
        )
    engine.fire(plan.id, "submit_plan", ini)
    engine.fire(plan.id, "approve_plan", world.actor("coord"))
    engine.fire(
        plan.id,
        "adopt_plan",
        ini,
        data={
            "adoption": {"number": "45-р", "date": "2026-06-01"},
            "monitoring_period_end": "2026-09-30",
        },
    )
    return plan.id
