"""The demo dataset: the organizations CSV (and a broken one), and seeding an empty database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from workflow.audit import verify_chains
from workflow.clock import MOSCOW, local_date
from workflow.errors import Conflict
from workflow.passwords import verify
from workflow.persistence.meetings import Meeting, MeetingParticipant
from workflow.persistence.models import Case, Organization, Task, User
from workflow.persistence.plans import PlanItem
from workflow.seed import seed_demo
from workflow.seed.dataset import DEMO_PASSWORD, DEMO_USERS, ORGANIZATIONS_CSV
from workflow.services.orgs import ImportRefused, import_organizations

BROKEN = """code,kind,name_ru,name_en,name_native,parent_code,country,level,calendar_code,timezone
RU-TA,region,Республика Татарстан,,,,,,RU-TA,Europe/Moscow
RU-TA-KAZAN,municipality,Казань,,,RU-TA,,,,Europe/Moscow
CN-HLJ,foreign_partner,Провинция Хэйлунцзян,,黑龙江省,,CN,province,,Asia/Shanghai,extra
RU-SPE-X,municipality,Кронштадт,,,RU-SPE,,,,Europe/Moscow
"""


def _count(engine, model) -> int:
    with engine.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_a_csv_with_a_broken_line_is_refused_with_its_line_number_and_nothing_is_imported(
    shipped_engine,
):
    with shipped_engine.uow() as uow, pytest.raises(ImportRefused) as refused:
        import_organizations(uow.session, BROKEN, "orgs.csv")
        uow.commit()
    assert [(e.line, e.message) for e in refused.value.errors] == [
        (4, "more fields than columns in the header"),
        (5, "parent_code 'RU-SPE' is neither in the file nor in the database"),
    ]
    assert "orgs.csv:4:" in str(refused.value)
    assert _count(shipped_engine, Organization) == 0


def test_lines_ending_in_a_lone_carriage_return_are_read_as_lines(shipped_engine):
    header, *rows = BROKEN.splitlines()[:3]
    with shipped_engine.uow() as uow:
        summary = import_organizations(uow.session, "\r".join([header, *rows]) + "\r")
        uow.commit()
    assert summary.created == 2


def test_a_file_that_is_not_csv_is_refused_with_its_line_number(shipped_engine):
    header = BROKEN.splitlines()[0]
    huge = "x" * 200_000  # over the csv module's field size limit
    text = f"{header}\nRU-TA,region,{huge},,,,,,,Europe/Moscow\n"
    with shipped_engine.uow() as uow, pytest.raises(ImportRefused) as refused:
        import_organizations(uow.session, text, "orgs.csv")
    [error] = refused.value.errors
    assert error.line == 2 and error.message.startswith("not CSV: field larger than")
    assert _count(shipped_engine, Organization) == 0


def test_the_demo_csv_imports_every_kind_with_regions_on_their_calendars(shipped_engine):
    with shipped_engine.uow() as uow:
        summary = import_organizations(uow.session, ORGANIZATIONS_CSV.read_text("utf-8"))
        uow.commit()
    with shipped_engine.uow(write=False) as uow:
        orgs = {o.code: o for o in uow.session.scalars(select(Organization))}
    assert summary.created == len(orgs)
    assert {o.kind for o in orgs.values()} == {
        "region",
        "municipality",
        "federal_body",
        "foreign_partner",
    }
    regions = [o for o in orgs.values() if o.kind == "region"]
    assert all(o.calendar_code == o.code for o in regions)
    for o in orgs.values():
        if o.kind == "municipality":
            assert orgs[o.code.rsplit("-", 1)[0]].id == o.parent_id
        if o.kind == "foreign_partner":
            assert o.country and o.level and o.name_native
    assert {o.country for o in orgs.values() if o.kind == "foreign_partner"} >= {
        "CN",
        "BY",
        "KZ",
        "VN",
        "IN",
        "TR",
    }
    assert {"MFA", "MINEC", "MINJUST", "MINCULT", "GOV", "RSTR"} <= set(orgs)


def test_seeding_an_empty_database_gives_every_interesting_state(shipped_engine):
    seed = seed_demo(shipped_engine)
    with shipped_engine.uow(write=False) as uow:
        s = uow.session
        states = {name: s.get(Case, case_id).state for name, case_id in seed.cases.items()}
        assert states == {
            "regional_draft": "drafting",
            "regional_under_review": "federal_review",
            "regional_returned": "conciliation",
            "regional_awaiting_registration": "registration_submitted",
            "regional_consent": "government_consent",
            "regional_expired": "expired",
            "regional_in_force": "implementation",
            "plan_in_force": "adopted",
            "twin_in_force": "in_force",
            "twin_under_review": "regional_review",
            "twin_profiling": "profiling",
            "meeting": "planning_opened",
        }
        # Under review with one reviewer done: MinEc answered, two tasks still open.
        review = s.scalars(
            select(Task).where(Task.case_id == seed.cases["regional_under_review"])
        ).all()
        assert sorted((t.role, t.status) for t in review if t.state == "federal_review") == [
            ("mfa_reviewer", "open"),
            ("minec_reviewer", "done"),
            ("sectoral_reviewer", "open"),
        ]
        plan = s.get(Case, seed.cases["plan_in_force"])
        assert plan.parent_case_id == seed.cases["regional_in_force"]
        statuses = set(s.scalars(select(PlanItem.status).where(PlanItem.plan_case_id == plan.id)))
        assert {"done", "in_progress", "postponed", "planned"} == statuses
        meeting = s.get(Meeting, seed.meeting_id)
        today = local_date(shipped_engine.clock.now())
        assert meeting.starts_at.astimezone(MOSCOW).date() == today + dt.timedelta(days=75)
        participants = s.scalar(
            select(func.count())
            .select_from(MeetingParticipant)
            .where(MeetingParticipant.meeting_id == meeting.id)
        )
        assert participants == 5 and meeting.ical_sequence == 0
        assert verify_chains(s).ok
        users = {u.username: u for u in s.scalars(select(User))}
    assert set(users) == {u[0] for u in DEMO_USERS}
    hashes = {u.password_hash for u in users.values()}
    assert len(hashes) == 1  # hashed once, shared
    assert verify(hashes.pop(), DEMO_PASSWORD)[0]
    roles = {r.role for u in users.values() for r in u.roles}
    assert roles >= {
        "initiator",
        "legal_office",
        "head_of_region",
        "head_of_municipality",
        "regional_reviewer",
        "regional_registrar",
        "legislature",
        "mfa_reviewer",
        "minec_reviewer",
        "sectoral_reviewer",
        "minjust_registrar",
        "government_office",
        "coordinator",
        "admin",
    }


def test_seeding_refuses_a_database_that_is_not_empty(shipped_engine):
    with shipped_engine.uow() as uow:
        import_organizations(uow.session, ORGANIZATIONS_CSV.read_text("utf-8"))
        uow.commit()
    with pytest.raises(Conflict, match="organizations"):
        seed_demo(shipped_engine)
    assert _count(shipped_engine, Case) == 0
