"""Small helpers for driving the review_loop fixture procedure."""

from __future__ import annotations

import datetime as dt

PLANNED = "2026-05-20"  # leaves more than a month from 2 March 2026


def drafted_case(engine, world, *, planned: str = PLANNED, languages=("ru", "zh")) -> int:
    """A review_loop case in 'drafting' with everything 'submit' needs."""
    ini = world.actor("ini")
    case = engine.create_case(
        ini,
        "review_loop",
        fields={
            "title": "Соглашение о сотрудничестве",
            "languages": list(languages),
            "planned_signing_date": planned,
        },
    )
    for language in languages:
        engine.add_document(case.id, ini, language, f"Текст соглашения ({language}), версия 1")
    return case.id


def submitted_case(engine, world) -> int:
    case_id = drafted_case(engine, world)
    engine.fire(case_id, "submit", world.actor("ini"))
    return case_id


def today(engine) -> dt.date:
    return engine.today()
