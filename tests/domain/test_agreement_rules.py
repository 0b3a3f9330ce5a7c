"""The rules of the agreement procedures: what a step needs, the legal lead times, the
Government's consent, per-party signing, and the loops that no simple path contains.

The clock stands at Monday 2 March 2026, 09:00 Moscow time.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.domain.walking import AGREEMENT_DATA, COMMENT, signing, walk_to
from workflow.definitions.directory import load_verified
from workflow.errors import InvalidInput, TransitionNotAllowed
from workflow.persistence.models import AuditEvent, Case, DocumentVersion, ReviewRound, Task

DEFINITIONS = load_verified().definitions
REGIONAL = DEFINITIONS["regional_agreement"]
TWIN = DEFINITIONS["twin_city_agreement"]


def _case(world, case_id) -> Case:
    with world.engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id)


def _last_event(world, case_id) -> AuditEvent:
    with world.engine.uow(write=False) as uow:
        return uow.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )


def _approve_all(world, case_id, roles=("mfa", "minec", "sector")):
    for username in roles:
        world.engine.fire(case_id, "approve", world.actor(username))


def test_no_clearance_without_both_texts_and_a_planned_signing_date(domain_world):
    walk = walk_to(domain_world, REGIONAL, "drafting", planned_signing_date=None, languages=None)
    engine, ini = domain_world.engine, domain_world.actor("ta_ini")
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(walk.case_id, "send_for_clearance", ini)
    # No languages: the partner text is asked for as such.
    assert refused.value.missing_fields == [
        "planned_signing_date",
        "languages",
        "documents:ru",
        "documents:partner",
    ]
    engine.update_fields(walk.case_id, ini, {"languages": ["ru", "zh"]})
    engine.add_document(walk.case_id, ini, "ru", "Текст")
    with pytest.raises(TransitionNotAllowed) as still:
        engine.fire(walk.case_id, "send_for_clearance", ini)
    assert still.value.missing_fields == ["planned_signing_date", "documents:zh"]
    assert _case(domain_world, walk.case_id).state == "drafting"


def test_unknown_fields_and_wrong_vocabulary_are_refused_by_the_field_schema(domain_world):
    walk = walk_to(domain_world, REGIONAL, "drafting")
    ini = domain_world.actor("ta_ini")
    with pytest.raises(InvalidInput) as bad:
        domain_world.engine.update_fields(
            walk.case_id,
            ini,
            {"subject_areas": ["space"], "partner": {"country": "CN", "colour": "red"}},
        )
    assert set(bad.value.errors) == {"subject_areas.0", "partner.colour"}


def test_a_twin_city_partner_must_be_a_local_government(domain_world):
    with pytest.raises(InvalidInput) as bad:
        domain_world.engine.create_case(
            domain_world.actor("kazan_ini"),
            "twin_city_agreement",
            fields={"title": "Побратимство", "partner": {"country": "TR", "level": "province"}},
        )
    assert "partner.level" in bad.value.errors


def test_a_late_submission_goes_ahead_with_the_violation_recorded(domain_world):
    # Planned for 20 March: the draft should have reached the federal bodies by 20 February.
    walk = walk_to(domain_world, REGIONAL, "internal_clearance", planned_signing_date="2026-03-20")
    engine = domain_world.engine
    engine.fire(walk.case_id, "clear", domain_world.actor("ta_legal"))
    result = engine.fire(walk.case_id, "clear", domain_world.actor("ta_head"))
    assert result.to_state == "submitted_for_review"
    assert result.warnings and "20.02.2026" in result.warnings[0]
    (warning,) = _last_event(domain_world, walk.case_id).data["warnings"]
    assert warning["guard"] == "lead_time"
    assert warning["last_allowed_day"] == "2026-02-20"


def test_scheduling_a_signing_within_a_month_of_submission_names_the_rule_and_the_earliest_date(
    domain_world,
):
    walk = walk_to(domain_world, REGIONAL, "approved_for_signing")
    engine, ini = domain_world.engine, domain_world.actor("ta_ini")
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(
            walk.case_id,
            "schedule_signing",
            ini,
            data={"planned_signing_date": "2026-03-27", "planned_signing_place": "Казань"},
        )
    (refusal,) = refused.value.refusals
    assert refusal.reason == "lead_time"
    assert refusal.details["sent_on"] == "2026-03-02"
    # 27 March less one month is 27 February, so the draft had to be sent by then; sent on
    # 2 March, the earliest lawful signing is one month later, Thursday 2 April.
    assert refusal.details["last_allowed_day"] == "2026-02-27"
    assert refusal.details["earliest_allowed_date"] == "2026-04-02"
    assert "federal bodies" in refusal.message and "27.03.2026" in refusal.message
    assert "02.04.2026" in refusal.message
    result = engine.fire(
        walk.case_id, "schedule_signing", ini, data={"planned_signing_date": "2026-04-02"}
    )
    assert result.to_state == "signing_scheduled"


def test_a_national_government_partner_goes_through_the_governments_consent(domain_world):
    walk = walk_to(
        domain_world,
        REGIONAL,
        "approved_for_signing",
        partner={"country": "KZ", "level": "national", "name_ru": "Министерство торговли РК"},
    )
    engine, ini = domain_world.engine, domain_world.actor("ta_ini")
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(walk.case_id, "schedule_signing", ini)
    assert refused.value.reasons == ["route"]
    engine.fire(walk.case_id, "request_government_consent", ini)
    (task,) = _open_tasks(domain_world, walk.case_id)
    assert task.role == "government_office"
    with pytest.raises(TransitionNotAllowed) as incomplete:
        engine.fire(walk.case_id, "grant_consent", domain_world.actor("gov"))
    assert incomplete.value.missing_fields == [
        "government_consent.number",
        "government_consent.date",
    ]
    engine.fire(
        walk.case_id,
        "grant_consent",
        domain_world.actor("gov"),
        data=AGREEMENT_DATA["grant_consent"](domain_world.engine.today()),
    )
    assert engine.fire(walk.case_id, "schedule_signing", ini).to_state == "signing_scheduled"


def test_a_provincial_partner_cannot_be_sent_for_consent(domain_world):
    walk = walk_to(domain_world, REGIONAL, "approved_for_signing")
    with pytest.raises(TransitionNotAllowed) as refused:
        domain_world.engine.fire(
            walk.case_id, "request_government_consent", domain_world.actor("ta_ini")
        )
    assert refused.value.reasons == ["route"]


def _open_tasks(world, case_id):
    with world.engine.uow(write=False) as uow:
        return list(
            uow.session.scalars(
                select(Task).where(Task.case_id == case_id, Task.status == "open").order_by(Task.id)
            )
        )


def test_signing_is_recorded_per_party_and_the_refusal_names_the_missing_side(domain_world):
    walk = walk_to(domain_world, REGIONAL, "signing_scheduled")
    engine, ini = domain_world.engine, domain_world.actor("ta_ini")
    today = engine.today()
    # The Russian side signs first, in Kazan; the partner signs later, elsewhere.
    engine.update_fields(walk.case_id, ini, {"signing_russian": signing(today, "Казань", "Раис")})
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(walk.case_id, "record_signing", ini)
    assert refused.value.missing_fields == [
        "signing_partner.date",
        "signing_partner.place",
        "signing_partner.signatory.name",
    ]
    tomorrow = today + dt.timedelta(days=1)
    with pytest.raises(TransitionNotAllowed) as future:
        engine.fire(
            walk.case_id,
            "record_signing",
            ini,
            data={"signing_partner": signing(tomorrow, "Харбин", "Li")},
        )
    assert future.value.refusals[0].details["fields"] == ["signing_partner.date"]
    result = engine.fire(
        walk.case_id,
        "record_signing",
        ini,
        data={"signing_partner": signing(today, "Харбин", "Li")},
    )
    assert result.to_state == "signed"
    fields = _case(domain_world, walk.case_id).fields
    assert fields["signing_russian"]["place"] == "Казань"
    assert fields["signing_partner"]["place"] == "Харбин"


def test_a_text_changed_after_approval_cannot_be_signed(domain_world):
    walk = walk_to(domain_world, REGIONAL, "signing_scheduled")
    engine = domain_world.engine
    with pytest.raises(InvalidInput):  # the services do not let anyone change the texts now
        engine.add_document(walk.case_id, domain_world.actor("ta_ini"), "zh", "Другой текст")
    with engine.uow() as uow:  # so change it behind their back
        uow.session.add(
            DocumentVersion(
                case_id=walk.case_id,
                language="zh",
                number=2,
                text="改变",
                sha256="0" * 64,
                created_at=engine.clock.now(),
            )
        )
        uow.commit()
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(
            walk.case_id,
            "record_signing",
            domain_world.actor("ta_ini"),
            data=AGREEMENT_DATA["record_signing"](engine.today()),
        )
    assert refused.value.refusals[0].details["changed_languages"] == ["zh"]


def test_remarks_return_the_draft_and_the_resubmission_opens_a_fresh_round(domain_world):
    walk = walk_to(domain_world, REGIONAL, "federal_review")
    engine, ini = domain_world.engine, domain_world.actor("ta_ini")
    engine.fire(walk.case_id, "approve", domain_world.actor("minec"))
    engine.fire(walk.case_id, "return_for_revision", domain_world.actor("mfa"), comment="Ст. 4")
    assert _case(domain_world, walk.case_id).state == "conciliation"
    engine.add_document(walk.case_id, ini, "ru", "Текст соглашения, редакция 2")
    engine.fire(walk.case_id, "resubmit", ini)
    # MinEc approved round 1, but round 2 is a new version: everyone answers again.
    assert sorted(t.role for t in _open_tasks(domain_world, walk.case_id)) == [
        "mfa_reviewer",
        "minec_reviewer",
        "sectoral_reviewer",
    ]
    _approve_all(domain_world, walk.case_id)
    assert _case(domain_world, walk.case_id).state == "approved_for_signing"
    with domain_world.engine.uow(write=False) as uow:
        rounds = list(
            uow.session.scalars(
                select(ReviewRound)
                .where(ReviewRound.case_id == walk.case_id, ReviewRound.state == "federal_review")
                .order_by(ReviewRound.number)
            )
        )
    assert [(r.number, r.outcome, r.documents["ru"]["number"]) for r in rounds] == [
        (1, "returned", 1),
        (2, "approved", 2),
    ]


def test_the_lead_reviewer_must_agree_even_when_the_others_have(domain_world):
    walk = walk_to(domain_world, REGIONAL, "federal_review")
    _approve_all(domain_world, walk.case_id, ("minec", "sector"))
    assert _case(domain_world, walk.case_id).state == "federal_review"
    _approve_all(domain_world, walk.case_id, ("mfa",))
    assert _case(domain_world, walk.case_id).state == "approved_for_signing"


def test_the_legal_office_can_return_a_draft_before_it_leaves_the_region(domain_world):
    walk = walk_to(domain_world, REGIONAL, "internal_clearance")
    domain_world.engine.fire(
        walk.case_id, "return_to_drafting", domain_world.actor("ta_legal"), comment=COMMENT
    )
    (task,) = _open_tasks(domain_world, walk.case_id)
    assert (task.state, task.assignee_id) == ("drafting", domain_world.user_id("ta_ini"))


def test_renewal_moves_the_end_date_forward_only(domain_world):
    walk = walk_to(domain_world, REGIONAL, "in_force")
    engine, ini = domain_world.engine, domain_world.actor("ta_ini")
    # The five-year term ends on 2 March 2031 (derived from in_force_from and term.years).
    engine.fire(walk.case_id, "renew", ini, data={"valid_until": "2036-03-01"})
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(walk.case_id, "renew", ini, data={"valid_until": "2031-03-03"})
    assert "01.03.2036" in refused.value.message
    assert _case(domain_world, walk.case_id).fields["valid_until"] == "2036-03-01"


def test_an_agreement_cannot_expire_before_its_end_date(domain_world):
    walk = walk_to(domain_world, REGIONAL, "in_force", valid_until="2031-03-01")
    with pytest.raises(TransitionNotAllowed) as refused:
        domain_world.engine.fire(walk.case_id, "expire", domain_world.actor("ta_ini"))
    assert "01.03.2031" in refused.value.message


def test_suspension_and_resumption(domain_world):
    walk = walk_to(domain_world, REGIONAL, "in_force")
    engine, head = domain_world.engine, domain_world.actor("ta_head")
    with pytest.raises(TransitionNotAllowed):
        engine.fire(walk.case_id, "suspend", head)  # a reason is required
    engine.fire(walk.case_id, "suspend", head, comment="Санкции")
    assert engine.fire(walk.case_id, "resume", head).to_state == "in_force"


def test_implementation_waits_for_the_adopted_plan_of_activities(domain_world):
    walk = walk_to(domain_world, REGIONAL, "in_force")
    with pytest.raises(TransitionNotAllowed) as refused:
        domain_world.engine.fire(walk.case_id, "start_implementation", domain_world.actor("ta_ini"))
    assert "plan of activities" in refused.value.message


def test_termination_waits_for_the_notice_period_of_the_agreements_own_clause(domain_world):
    walk = walk_to(domain_world, REGIONAL, "in_force")
    engine = domain_world.engine
    today = engine.today()
    engine.fire(
        walk.case_id,
        "give_termination_notice",
        domain_world.actor("ta_head"),
        comment="Решение главы",
        data={"termination": {"notice_date": today.isoformat(), "reason": "Утрата интереса"}},
    )
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(walk.case_id, "terminate", domain_world.actor("ta_ini"))
    # No clause in the agreement: the default 90 days from 2 March end on 31 May, a Sunday,
    # so on Monday 1 June.
    assert refused.value.refusals[0].details["ends_on"] == "2026-06-01"
    engine.fire(
        walk.case_id, "withdraw_notice", domain_world.actor("ta_head"), comment="Передумали"
    )
    assert _case(domain_world, walk.case_id).state == "in_force"


def test_the_clause_of_the_agreement_sets_the_notice_period(domain_world):
    walk = walk_to(
        domain_world,
        REGIONAL,
        "in_force",
        term={"years": 5, "termination_notice_days": 30},
    )
    domain_world.engine.fire(
        walk.case_id,
        "give_termination_notice",
        domain_world.actor("ta_head"),
        comment="Решение главы",
        data={"termination": {"notice_date": "2026-03-02", "reason": "Утрата интереса"}},
    )
    with pytest.raises(TransitionNotAllowed) as refused:
        domain_world.engine.fire(walk.case_id, "terminate", domain_world.actor("ta_ini"))
    assert refused.value.refusals[0].details["ends_on"] == "2026-04-01"


def test_a_municipal_filing_later_than_the_regions_term_is_refused_with_the_earliest_date(
    domain_world,
):
    # The filing is due 45 days before signing (no region's act changes it: the demo's 60 days
    # for Tatarstan are demo data); 10 April is only 39 days away.
    walk = walk_to(domain_world, TWIN, "municipal_approval", planned_signing_date="2026-04-10")
    with pytest.raises(TransitionNotAllowed) as refused:
        domain_world.engine.fire(walk.case_id, "file_with_region", domain_world.actor("kazan_head"))
    (refusal,) = refused.value.refusals
    assert refusal.reason == "lead_time"
    assert refusal.details["parameter"] == "filing_lead"
    # 45 days before Friday 10 April is Tuesday 24 February; filed on Monday 2 March, the
    # earliest signing is 45 days later, Thursday 16 April.
    assert refusal.details["last_allowed_day"] == "2026-02-24"
    assert refusal.details["earliest_allowed_date"] == "2026-04-16"
    assert refusal.details["rule"] == (
        "filed with the region no later than 45 calendar_days before signing (regional procedure)"
    )


def test_a_filing_45_days_ahead_goes_to_the_region(domain_world):
    walk = walk_to(
        domain_world,
        TWIN,
        "municipal_approval",
        owner="kron_ini",
        planned_signing_date="2026-04-20",
    )
    result = domain_world.engine.fire(
        walk.case_id, "file_with_region", domain_world.actor("kron_head")
    )
    assert result.to_state == "submitted_to_region"


def test_the_region_reviews_only_its_own_municipalities(domain_world):
    walk = walk_to(domain_world, TWIN, "regional_review")
    engine = domain_world.engine
    (task,) = _open_tasks(domain_world, walk.case_id)
    assert (task.role, task.org_id) == ("regional_reviewer", domain_world.org_id("RU-TA"))
    engine.fire(walk.case_id, "return_for_revision", domain_world.actor("ta_reviewer"), comment="!")
    kazan = domain_world.actor("kazan_ini")
    engine.fire(walk.case_id, "resubmit", kazan)
    result = engine.fire(walk.case_id, "consent", domain_world.actor("ta_reviewer"))
    assert result.to_state == "approved_for_signing"
