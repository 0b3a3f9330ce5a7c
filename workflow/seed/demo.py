"""Filling an empty database with the demo: organizations, people, and cases in every
interesting state, all made through the Engine services so the audit chains verify.

    seed = seed_demo(engine)      # refuses (Conflict) unless the database is empty
    seed.cases["regional_under_review"]

What the demo contains (days relative to the seeding day):

================================  ===========================================================
regional_draft                    Tatarstan–Heilongjiang, drafting (Chinese text missing)
regional_under_review             Astrakhan–Atyrau, federal review, MinEc answered
regional_returned                 Kaliningrad–Grodno, back with the MFA's remarks
regional_awaiting_registration    Saint Petersburg–Hanoi, signed, at the Ministry of Justice
regional_consent                  Astrakhan–Kazakhstan's ministry, Government's consent
regional_in_force                 Tatarstan–Gujarat, in force, plan adopted (implementation)
plan_in_force                     its plan of activities, adopted, reported each quarter
regional_expired                  Primorsky Krai–Heilongjiang, expired last month
twin_in_force                     Kazan–Eskişehir, in force, annual reports sent
twin_under_review                 Vladivostok–Harbin, under Primorsky Krai's review
twin_profiling                    Naberezhnye Chelny–Minsk, with the agency for profiling
meeting                           the year's coordinating meeting in ten weeks, proposals in
================================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from workflow.errors import Conflict
from workflow.passwords import hash_password
from workflow.persistence.models import Case, Organization, User
from workflow.search.index import reindex_all
from workflow.seed import in_force, municipal, stories
from workflow.seed.dataset import DEMO_PASSWORD, DEMO_USERS, ORGANIZATIONS_CSV
from workflow.seed.history import Chronicle
from workflow.services.orgs import import_organizations
from workflow.services.people import create_user


@dataclass(frozen=True)
class DemoSeed:
    organizations: int
    users: tuple[str, ...]
    password: str  # the one demo password of every demo user
    cases: Mapping[str, int]  # story name -> case id
    meeting_id: int


def seed_demo(engine) -> DemoSeed:
    """Seed an empty database; raise ``Conflict`` if it holds any organization, user or case.

    Not atomic as a whole: each step is its own transaction, as in real use. If a step fails,
    the database is left part-seeded and a second call refuses; start from an empty database.
    """
    _require_empty(engine)
    orgs, users = _directory(engine)
    c = Chronicle(engine, users)
    cases = {
        "regional_draft": stories.regional_draft(c),
        "regional_under_review": stories.regional_under_review(c),
        "regional_returned": stories.regional_returned(c),
        "regional_awaiting_registration": stories.regional_awaiting_registration(c),
        "regional_consent": stories.regional_consent(c),
        "regional_expired": in_force.regional_expired(c),
    }
    agreement_id, plan_id = in_force.regional_in_force(c)
    in_force.adopt_and_monitor_plan(c, plan_id, _plan_items(orgs, c))
    c.at(-270).fire(agreement_id, "start_implementation", c.actor("ta.initiator"))
    cases["regional_in_force"] = agreement_id
    cases["plan_in_force"] = plan_id
    cases["twin_in_force"] = municipal.twin_in_force(c)
    cases["twin_under_review"] = municipal.twin_under_review(c)
    cases["twin_profiling"] = municipal.twin_profiling(c)
    meeting = municipal.upcoming_meeting(c, orgs)
    cases["meeting"] = meeting.case_id
    _index_for_search(engine)
    return DemoSeed(len(orgs), tuple(users), DEMO_PASSWORD, cases, meeting.meeting_id)


def _index_for_search(engine) -> None:
    """The services index what they change, but the seed also writes rows directly (documents,
    back-dated history): rebuild the search index from what is there."""
    with engine.uow() as uow:
        reindex_all(uow.session)
        uow.commit()


def _require_empty(engine) -> None:
    with engine.uow(write=False) as uow:
        counts = {
            name: uow.session.scalar(select(func.count()).select_from(model))
            for name, model in (("organizations", Organization), ("users", User), ("cases", Case))
        }
    if any(counts.values()):
        found = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        raise Conflict(f"The demo seeds only an empty database; this one has {found}.")


def _directory(engine) -> tuple[dict[str, int], dict[str, int]]:
    """Organizations from the demo CSV and the demo users, in one transaction. The password
    is hashed once (argon2 is deliberately slow) and the hash shared by every demo user."""
    password_hash = hash_password(DEMO_PASSWORD)
    with engine.uow() as uow:
        session = uow.session
        import_organizations(
            session, ORGANIZATIONS_CSV.read_text(encoding="utf-8"), str(ORGANIZATIONS_CSV)
        )
        users = {}
        for username, org_code, roles, full_name, position in DEMO_USERS:
            user = create_user(
                session,
                engine.clock,
                username,
                org_code,
                roles,
                email=f"{username}@demo.soglasie.local",
                full_name=full_name,
                position=position,
                password_hash=password_hash,
            )
            users[username] = user.id
        orgs = dict(session.execute(select(Organization.code, Organization.id)).all())
        uow.commit()
    return orgs, users


def _plan_items(orgs: dict[str, int], c: Chronicle) -> list[dict]:
    return [
        {
            "title": "Бизнес-миссия предприятий Татарстана в Ахмедабад",
            "area": "trade_economic",
            "responsible_org_id": orgs["RU-TA"],
            "due_on": c.day(-200).isoformat(),
            "budget_line": "3.6/1",
        },
        {
            "title": "Дни культуры Гуджарата в Казани",
            "area": "cultural",
            "responsible_org_id": orgs["RU-TA-KAZAN"],
            "due_on": c.day(40).isoformat(),
            "venue": "Казань, Национальный культурный центр",
            "budget_line": "3.6/2",
        },
        {
            "title": "Совместный семинар университетов",
            "area": "education",
            "responsible_org_id": orgs["RU-TA"],
            "due_quarter": _quarter(c.day(-10)),
            "venue": "Российский центр науки и культуры в Нью-Дели",
            "budget_line": "3.6/1",
        },
        {
            "title": "Выставка технологических компаний",
            "area": "scientific_technical",
            "responsible_org_id": orgs["RU-TA"],
            "due_on": c.day(-20).isoformat(),
            "budget_line": "3.6/1",
        },
    ]


def _quarter(day) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
