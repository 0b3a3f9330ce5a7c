"""The demo's twin-city agreements and the coordinating meeting (see ``stories``)."""

from __future__ import annotations

import datetime as dt

from workflow.clock import MOSCOW
from workflow.seed.history import Chronicle, History
from workflow.seed.stories import agreement, iso


def _local(c: Chronicle, name_ru: str, name_partner: str, country: str) -> dict[str, str]:
    return {"country": country, "level": "city", "name_ru": name_ru, "name_partner": name_partner}


def twin_in_force(c: Chronicle) -> int:
    """Kazan with Eskişehir: profiled by the agency, consented to and registered by Tatarstan,
    in force, its annual reports sent each January."""
    title = "Соглашение об установлении побратимских связей"
    h = History.start(
        c,
        -300,
        "kazan.initiator",
        "twin_city_agreement",
        agreement(
            c,
            title,
            "Kardeş şehir ilişkilerinin kurulmasına dair anlaşma",
            _local(c, "Город Эскишехир", "Eskişehir", "TR"),
            "tr",
            ["cultural", "education", "humanitarian"],
            planned=-180,
            tags=["friendship_societies"],
        ),
    )
    h.fire(-298, "kazan.initiator", "request_profiling")
    h.fire(
        -290,
        "rstr.coordinator",
        "complete_profiling",
        {"partner_profile": "Университетский город, 900 тыс. жителей; связи с Казанью с 2010 г."},
    )
    h.fire(-288, "kazan.initiator", "notify_negotiations")
    h.fire(-285, "kazan.initiator", "start_drafting")
    h.document(-280, "kazan.initiator", "ru", f"{title}\n\nТекст на русском языке.")
    h.document(-280, "kazan.initiator", "tr", f"{title}\n\nTürkçe metin.")
    h.fire(-250, "kazan.initiator", "send_for_approval")
    h.fire(-245, "kazan.head", "file_with_region")  # 65 days ahead: Tatarstan asks for 60
    h.fire(-243, "ta.reviewer", "start_review")
    h.fire(-230, "ta.reviewer", "consent")
    signed = {
        "signing_russian": {
            "date": iso(c.day(-180)),
            "place": "Казань",
            "signatory": {"name": "Мэр Казани", "position": "Мэр"},
        },
        "signing_partner": {
            "date": iso(c.day(-180)),
            "place": "Казань",
            "signatory": {"name": "Eskişehir Belediye Başkanı", "position": "Başkan"},
        },
    }
    h.fire(-180, "kazan.initiator", "record_signing", signed)
    h.fire(-175, "kazan.initiator", "submit_for_registration")
    h.fire(
        -170,
        "ta.registrar",
        "register",
        {"registration": {"number": "М-17", "date": iso(c.day(-170))}},
    )
    period_end = dt.date(c.day(-168).year, 12, 31)
    h.fire(
        -168,
        "kazan.initiator",
        "enter_into_force",
        {"in_force_from": iso(c.day(-170)), "report_period_end": iso(period_end)},
    )
    while period_end + dt.timedelta(days=10) < c.today:
        day = (period_end + dt.timedelta(days=10) - c.today).days
        h.fire(
            day,
            "kazan.initiator",
            "submit_annual_report",
            {
                "annual_report": {
                    "period": str(period_end.year),
                    "summary": "Проведены Дни культуры.",
                },
                "report_period_end": iso(dt.date(period_end.year + 1, 12, 31)),
            },
        )
        period_end = dt.date(period_end.year + 1, 12, 31)
    return h.case_id


def twin_under_review(c: Chronicle) -> int:
    """Vladivostok with Harbin: filed with Primorsky Krai, under its review."""
    title = "Соглашение о дружественных связях"
    h = History.start(
        c,
        -70,
        "vladivostok.initiator",
        "twin_city_agreement",
        agreement(
            c,
            title,
            "关于建立友好城市关系的协议",
            _local(c, "Город Харбин", "哈尔滨市", "CN"),
            "zh",
            ["trade_economic", "cultural"],
            planned=60,
            tags=["cross_border"],
        ),
    )
    h.fire(-68, "vladivostok.initiator", "notify_negotiations")
    h.fire(-65, "vladivostok.initiator", "start_drafting")
    h.document(-40, "vladivostok.initiator", "ru", f"{title}\n\nТекст на русском языке.")
    h.document(-40, "vladivostok.initiator", "zh", f"{title}\n\n中文文本。")
    h.fire(-20, "vladivostok.initiator", "send_for_approval")
    h.fire(-15, "vladivostok.head", "file_with_region")
    h.fire(-13, "pri.reviewer", "start_review")
    return h.case_id


def twin_profiling(c: Chronicle) -> int:
    """Naberezhnye Chelny with Minsk: the agency is asked to profile the partner."""
    h = History.start(
        c,
        -5,
        "chelny.initiator",
        "twin_city_agreement",
        {
            "title": "Соглашение о сотрудничестве городов",
            "partner": _local(c, "Город Минск", "Мінск", "BY"),
            "subject_areas": ["trade_economic", "humanitarian"],
        },
    )
    h.fire(-4, "chelny.initiator", "request_profiling")
    return h.case_id


def upcoming_meeting(c: Chronicle, orgs: dict[str, int]):
    """This year's coordinating meeting, ten weeks ahead, with proposals coming in."""
    day = c.day(75)
    starts = dt.datetime.combine(day, dt.time(10), tzinfo=MOSCOW)
    engine = c.engine
    scheduled = engine.schedule_meeting(
        c.actor("rstr.coordinator"),
        year=day.year,
        title_ru=f"Координационное совещание по международным связям регионов, {day.year}",
        title_en=f"Coordinating meeting on the international ties of the regions, {day.year}",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=6),
        venue="Москва, Воздвиженка, 18/9 (Россотрудничество)",
        participant_org_ids=[
            orgs[code] for code in ("RU-TA", "RU-SPE", "RU-PRI", "RU-KGD", "RU-AST")
        ],
    )
    engine.submit_to_meeting(
        scheduled.meeting_id,
        c.actor("ta.initiator"),
        "proposal",
        "Опыт побратимских связей Казани",
        "Предлагаем доклад о побратимских связях Казани и Эскишехира.",
    )
    engine.submit_to_meeting(
        scheduled.meeting_id,
        c.actor("pri.initiator"),
        "proposal",
        "Приграничное сотрудничество с КНР",
        "Предлагаем обсудить планы мероприятий с провинцией Хэйлунцзян.",
    )
    return scheduled
