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


def through_federal_review(
    h: History, start: int, ini: str, legal: str, head: str, language: str, title: str
) -> None:
    """From initiation to the federal review, starting on day ``start``."""
    h.fire(start + 2, ini, "notify_negotiations").fire(start + 5, ini, "start_drafting")
    _texts(h, start + 15, ini, language, title)
    h.fire(start + 25, ini, "send_for_clearance")
    h.fire(start + 29, legal, "clear").fire(start + 30, head, "clear")
    h.fire(start + 32, "mfa.reviewer", "start_review")


def all_reviewers_approve(h: History, start: int) -> None:
    """The three federal reviewers approve on consecutive days from day ``start``."""
    for i, reviewer in enumerate(REVIEWERS):
        h.fire(start + i, reviewer, "approve")


def signed(c: Chronicle, offset: int, place_ru: str, place_partner: str, partner_name: str):
    return {
        "signing_russian": {
            "date": iso(c.day(offset)),
            "place": place_ru,
            "signatory": {"name": "Глава региона", "position": "Высшее должностное лицо"},
        },
        "signing_partner": {
            "date": iso(c.day(offset)),
            "place": place_partner,
            "signatory": {"name": partner_name, "position": "Руководитель иностранного партнёра"},
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
    through_federal_review(h, -60, "ast.initiator", "ast.legal", "ast.head", "kk", title)
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
    through_federal_review(h, -90, "kgd.initiator", "kgd.legal", "kgd.head", "be", title)
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
    through_federal_review(h, -200, "spb.initiator", "spb.legal", "spb.head", "vi", title)
    all_reviewers_approve(h, -150)
    h.fire(-140, "spb.initiator", "schedule_signing", {"planned_signing_place": "Санкт-Петербург"})
    h.fire(
        -20,
        "spb.initiator",
        "record_signing",
        signed(c, -20, "Санкт-Петербург", "Hà Nội", "Trần Văn An"),
    )
    h.fire(-10, "spb.initiator", "submit_for_registration")
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
    through_federal_review(h, -100, "ast.initiator", "ast.legal", "ast.head", "kk", title)
    all_reviewers_approve(h, -12)
    h.fire(-5, "ast.initiator", "request_government_consent")
    return h.case_id
