"""A small world for the write benchmarks, and walking a ``regional_agreement`` to its federal
review through the engine (so every row a real review has is there: the round, the reviewers'
tasks, their reminders, the audit chain).

People: the region's initiator, legal office and head (region ``RU-TA``, whose own calendar
exists), the MFA, MinEc and sectoral reviewers. Dates suit ``CLOCK_START``, Monday 2 March 2026.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import insert

from workflow.clock import FixedClock
from workflow.engine import Engine
from workflow.persistence.models import Organization, User, UserRole
from workflow.policy import Actor

CLOCK_START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)  # 09:00 in Moscow

ORGS = [
    # code, kind, name
    ("RU-TA", "region", "Республика Татарстан"),
    ("MFA", "federal_body", "МИД России"),
    ("MINEC", "federal_body", "Минэкономразвития России"),
    ("SECTOR", "federal_body", "Минпросвещения России"),
]
PEOPLE = [
    # username, org, roles
    ("ini", "RU-TA", ["initiator"]),
    ("legal", "RU-TA", ["legal_office"]),
    ("head", "RU-TA", ["head_of_region"]),
    ("mfa", "MFA", ["mfa_reviewer"]),
    ("minec", "MINEC", ["minec_reviewer"]),
    ("sector", "SECTOR", ["sectoral_reviewer"]),
]
FIELDS = {
    "title": "Соглашение о торгово-экономическом сотрудничестве",
    "title_partner": "黑龙江省合作协议",
    "partner": {"country": "CN", "level": "province", "name_ru": "Провинция Хэйлунцзян"},
    "subject_areas": ["trade_economic", "education"],
}
DRAFT_FIELDS = {
    "planned_signing_date": "2026-06-25",
    "languages": ["ru", "zh"],
    "term": {"years": 5},
    "entry_into_force": "on_registration",
}
TEXT_RU = "Соглашение о сотрудничестве.\nСтатья 1. Стороны развивают торговлю.\n"
TEXT_ZH = "合作协议。\n第一条 双方发展贸易合作。\n"


@dataclass
class World:
    orgs: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


def bench_clock() -> FixedClock:
    return FixedClock(CLOCK_START)


def build_world(engine: Engine) -> World:
    world = World()
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        for code, kind, name in ORGS:
            world.orgs[code] = session.scalar(
                insert(Organization)
                .values(
                    code=code,
                    kind=kind,
                    name_ru=name,
                    calendar_code=code if kind == "region" else None,
                    timezone="Europe/Moscow",
                    is_active=True,
                )
                .returning(Organization.id)
            )
        for username, org, roles in PEOPLE:
            user_id = session.scalar(
                insert(User)
                .values(
                    username=username,
                    email=f"{username}@example.test",
                    full_name=username.title(),
                    org_id=world.orgs[org],
                    language="ru",
                    notify_mode="instant",
                    is_active=True,
                    created_at=now,
                )
                .returning(User.id)
            )
            world.users[username] = user_id
            for role in roles:
                session.execute(insert(UserRole).values(user_id=user_id, role=role))
        uow.commit()
    return world


def actors(engine: Engine, world: World) -> dict[str, Actor]:
    return {name: engine.actor(user_id) for name, user_id in world.users.items()}


def case_in_federal_review(engine: Engine, people: dict[str, Actor]) -> int:
    """A new regional agreement walked to ``federal_review`` (round 1, three open reviews)."""
    ini = people["ini"]
    case_id = engine.create_case(ini, "regional_agreement", fields=dict(FIELDS)).id
    engine.fire(case_id, "notify_negotiations", ini)
    engine.fire(case_id, "start_drafting", ini)
    engine.update_fields(case_id, ini, dict(DRAFT_FIELDS))
    engine.add_document(case_id, ini, "ru", TEXT_RU, "soglashenie.txt")
    engine.add_document(case_id, ini, "zh", TEXT_ZH)
    engine.fire(case_id, "send_for_clearance", ini)
    engine.fire(case_id, "clear", people["legal"])
    engine.fire(case_id, "clear", people["head"])
    engine.fire(case_id, "start_review", people["mfa"])
    return case_id


# One review cycle: two "no objections" votes (the case stays), a return with remarks (it moves
# to conciliation: tasks closed, round closed, SLA clock paused, the initiator's task opened)
# and the resubmission (a new round, three reviewers' tasks, their reminders). It ends where it
# began, so a client can repeat it for as long as the benchmark runs.
REVIEW_CYCLE = (
    ("approve", "mfa", None),
    ("approve", "minec", None),
    ("return_for_revision", "sector", "Уточните статью 2."),
    ("resubmit", "ini", None),
)
