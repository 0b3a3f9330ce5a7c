"""Walking a case of a shipped definition along a given path, through the Engine services.

A *recipe* per definition knows how to start a case (with the fields the path needs: a national
partner for the Government's consent, the legislature flag...), what data each trigger carries,
what must happen before some triggers (a plan adopted before implementation, minutes written
before they go round) and which triggers go through a service rather than ``fire`` (cancelling
or holding a meeting). The walker picks, for each step, a user who holds one of the
transition's roles for the case; a review approval is voted by every reviewer role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from tests.domain.world import DomainWorld
from workflow.clock import MOSCOW
from workflow.definitions.model import Definition, TransitionSpec
from workflow.persistence.meetings import Meeting
from workflow.persistence.models import Case

COMMENT = "Комментарий к действию"


def quarter_end(day: dt.date) -> dt.date:
    month = ((day.month - 1) // 3 + 1) * 3
    following = dt.date(day.year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def person(name: str, position: str) -> dict[str, str]:
    return {"name": name, "position": position}


def signing(today: dt.date, place: str, name: str) -> dict[str, Any]:
    return {"date": today.isoformat(), "place": place, "signatory": person(name, "Глава")}


def agreement_fields(today: dt.date, *, twin: bool, states: set[str]) -> dict[str, Any]:
    partner = (
        {
            "country": "TR",
            "level": "city",
            "name_ru": "Город Эскишехир",
            "name_partner": "Eskişehir Büyükşehir Belediyesi",
            "language": "tr",
        }
        if twin
        else {
            "country": "CN",
            "level": "national" if "government_consent" in states else "province",
            "name_ru": "Провинция Хэйлунцзян",
            "name_partner": "黑龙江省人民政府",
            "language": "zh",
        }
    )
    fields: dict[str, Any] = {
        "title": "Соглашение о сотрудничестве",
        "title_partner": "Cooperation agreement",
        "partner": partner,
        "subject_areas": ["trade_economic", "cultural"],
        "tags": ["friendship_societies"],
        "languages": ["ru", partner["language"]],
        "planned_signing_date": (today + dt.timedelta(days=100)).isoformat(),
        "planned_signing_place": "Казань",
        "signatories": {
            "russian": person("Р. Н. Минниханов", "Раис"),
            "partner": person("Li", "Губернатор"),
        },
        "term": {"years": 5, "automatic_renewal": True, "renewal_years": 5},
        "entry_into_force": "on_registration",
    }
    if not twin and "legislative_approval" in states:
        fields["legislative_approval_required"] = True
    return fields


@dataclass
class Recipe:
    kind: str
    start: Callable[[Walk], int]
    data: dict[str, Callable[[dt.date], dict[str, Any]]] = field(default_factory=dict)
    before: dict[str, Callable[[Walk], None]] = field(default_factory=dict)
    via: dict[str, Callable[[Walk, str], None]] = field(default_factory=dict)


@dataclass
class Walk:
    """One case being walked along one path."""

    world: DomainWorld
    definition: Definition
    recipe: Recipe
    states: set[str]
    case_id: int = 0
    meeting_id: int | None = None
    overrides: dict[str, Any] = field(default_factory=dict)  # fields replacing the recipe's
    owner: str | None = None  # the starting user, when not the recipe's

    @property
    def engine(self):
        return self.world.engine

    @property
    def today(self) -> dt.date:
        return self.engine.today()

    def state(self) -> str:
        with self.engine.uow(write=False) as uow:
            return uow.session.scalar(select(Case.state).where(Case.id == self.case_id))

    def fire(self, spec: TransitionSpec, username: str) -> None:
        data = self.recipe.data.get(spec.trigger, lambda _today: {})(self.today)
        comment = COMMENT if spec.comment_required else None
        self.engine.fire(
            self.case_id, spec.trigger, self.world.actor(username), comment, None, data
        )

    def step(self, source: str, spec: TransitionSpec) -> None:
        assert self.state() == source
        if spec.trigger in self.recipe.before:
            self.recipe.before[spec.trigger](self)
        state = self.definition.states[source]
        if state.review and spec.trigger == state.review.approve:
            for role in state.review.reviewers:
                self.fire(spec, self.world.acting(self.definition, [role], self.case_id))
        elif state.review and spec.trigger == state.review.reject:
            role = state.review.reviewers[-1]
            self.fire(spec, self.world.acting(self.definition, [role], self.case_id))
        else:
            username = self.world.acting(self.definition, spec.roles, self.case_id)
            if spec.trigger in self.recipe.via:
                self.recipe.via[spec.trigger](self, username)
            else:
                self.fire(spec, username)
        assert self.state() == spec.dest, (source, spec.trigger, self.state())


# --- the recipes -------------------------------------------------------------------------------


def _start_agreement(kind: str, username: str, twin: bool):
    def start(walk: Walk) -> int:
        engine, actor = walk.engine, walk.world.actor(walk.owner or username)
        fields = agreement_fields(walk.today, twin=twin, states=walk.states)
        fields = {k: v for k, v in {**fields, **walk.overrides}.items() if v is not None}
        case = engine.create_case(actor, kind, fields=fields)
        for language in fields.get("languages", ()):
            engine.add_document(case.id, actor, language, f"Текст соглашения ({language})")
        return case.id

    return start


def adopted_plan(walk: Walk, parent_case_id: int | None, username: str) -> int:
    """A plan of activities walked to ``adopted`` (attached to ``parent_case_id``)."""
    engine, today = walk.engine, walk.today
    owner = walk.world.actor(username)
    plan = engine.create_case(
        owner,
        "activity_plan",
        fields={
            "title": "План мероприятий",
            "period_start": today.isoformat(),
            "period_end": (today + dt.timedelta(days=365)).isoformat(),
        },
        parent_case_id=parent_case_id,
    )
    add_plan_item(walk, plan.id, username)
    coord = walk.world.actor("coord")
    engine.fire(plan.id, "submit_plan", owner)
    engine.fire(plan.id, "approve_plan", coord)
    engine.fire(plan.id, "adopt_plan", owner, data=PLAN_DATA["adopt_plan"](today))
    return plan.id


def add_plan_item(walk: Walk, plan_case_id: int, username: str) -> None:
    walk.engine.add_plan_item(
        plan_case_id,
        walk.world.actor(username),
        title="Дни культуры",
        area="cultural",
        responsible_org_id=walk.world.org_id("RU-TA"),
        due_quarter=f"{walk.today.year}-Q4",
        budget_line="3.6/1",
    )


def _before_implementation(username: str):
    def before(walk: Walk) -> None:
        adopted_plan(walk, walk.case_id, username)

    return before


AGREEMENT_DATA: dict[str, Callable[[dt.date], dict[str, Any]]] = {
    "grant_consent": lambda t: {"government_consent": {"number": "1234-р", "date": t.isoformat()}},
    "record_signing": lambda t: {
        "signing_russian": signing(t, "Казань", "Р. Н. Минниханов"),
        "signing_partner": signing(t, "Харбин", "Li"),
    },
    "approve_by_legislature": lambda t: {
        "legislative_approval": {"number": "12-ЗРТ", "date": t.isoformat()}
    },
    "register": lambda t: {"registration": {"number": "R-2026-001", "date": t.isoformat()}},
    "enter_into_force": lambda t: {
        "in_force_from": t.isoformat(),
        "report_period_end": dt.date(t.year, 12, 31).isoformat(),
    },
    "expire": lambda t: {"valid_until": t.isoformat()},
    "give_termination_notice": lambda t: {
        "termination": {
            "notice_date": (t - dt.timedelta(days=120)).isoformat(),
            "reason": "Нецелесообразность продолжения",
        }
    },
    "complete_profiling": lambda t: {"partner_profile": "Город-партнёр, 900 тыс. жителей"},
}


def _regional_data() -> dict[str, Callable[[dt.date], dict[str, Any]]]:
    data = dict(AGREEMENT_DATA)
    enter = data["enter_into_force"]
    data["enter_into_force"] = lambda t: {
        k: v for k, v in enter(t).items() if k != "report_period_end"
    }
    return data


PLAN_DATA: dict[str, Callable[[dt.date], dict[str, Any]]] = {
    "adopt_plan": lambda t: {
        "adoption": {"number": "45-р", "date": t.isoformat()},
        "monitoring_period_end": quarter_end(t).isoformat(),
    },
    "report_year": lambda t: {"year_report": {"period": str(t.year), "summary": "Выполнено"}},
}

CYCLE_DATA: dict[str, Callable[[dt.date], dict[str, Any]]] = {
    "start_monitoring": lambda t: {"monitoring_period_end": quarter_end(t).isoformat()},
    "report_year": lambda t: {"year_report": {"period": str(t.year), "summary": "Итоги года"}},
}


def _start_plan(walk: Walk) -> int:
    actor = walk.world.actor("ta_ini")
    today = walk.today
    case = walk.engine.create_case(
        actor,
        "activity_plan",
        fields={
            "title": "План мероприятий",
            "period_start": today.isoformat(),
            "period_end": (today + dt.timedelta(days=365)).isoformat(),
        },
    )
    return case.id


def _start_cycle(walk: Walk) -> int:
    today = walk.today
    starts = dt.datetime.combine(today, dt.time(10), tzinfo=MOSCOW)
    scheduled = walk.engine.schedule_meeting(
        walk.world.actor("coord"),
        year=today.year,
        title_ru="Координационное совещание",
        title_en="Coordinating meeting",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=4),
        venue="Москва, Россотрудничество",
        participant_org_ids=[walk.world.org_id("RU-TA"), walk.world.org_id("RU-SPE")],
    )
    walk.meeting_id = scheduled.meeting_id
    return scheduled.case_id


def _meeting_id(walk: Walk) -> int:
    with walk.engine.uow(write=False) as uow:
        return uow.session.scalar(select(Meeting.id).where(Meeting.case_id == walk.case_id))


def _record_minutes(walk: Walk) -> None:
    walk.engine.record_minutes(
        _meeting_id(walk), walk.world.actor("coord"), "Протокол совещания", decisions=()
    )


RECIPES: dict[str, Recipe] = {
    "regional_agreement": Recipe(
        "regional_agreement",
        _start_agreement("regional_agreement", "ta_ini", twin=False),
        data=_regional_data(),
        before={"start_implementation": _before_implementation("ta_ini")},
    ),
    "twin_city_agreement": Recipe(
        "twin_city_agreement",
        _start_agreement("twin_city_agreement", "kazan_ini", twin=True),
        data=AGREEMENT_DATA,
        before={"start_implementation": _before_implementation("kazan_ini")},
    ),
    "activity_plan": Recipe(
        "activity_plan",
        _start_plan,
        data=PLAN_DATA,
        before={"submit_plan": lambda walk: add_plan_item(walk, walk.case_id, "ta_ini")},
    ),
    "coordination_cycle": Recipe(
        "coordination_cycle",
        _start_cycle,
        data=CYCLE_DATA,
        before={"submit_minutes": _record_minutes},
        via={
            "cancel": lambda walk, user: walk.engine.cancel_meeting(
                _meeting_id(walk), walk.world.actor(user), COMMENT
            ),
            "record_meeting_held": lambda walk, user: walk.engine.record_meeting_held(
                _meeting_id(walk), walk.world.actor(user)
            ),
        },
    ),
}


def walk_to(
    world: DomainWorld,
    definition: Definition,
    target: str,
    *,
    through: set[str] = frozenset(),
    owner: str | None = None,
    **overrides: Any,
) -> Walk:
    """A new case walked along the first simple path that reaches ``target`` (passing the
    states in ``through``), stopped there. ``overrides`` replace the recipe's fields (``None``
    removes one)."""
    from tests.domain.paths import simple_paths

    for steps in simple_paths(definition):
        states = [definition.initial, *(spec.dest for _source, spec in steps)]
        if target in states and through <= set(states[: states.index(target) + 1]):
            prefix = steps[: states.index(target)]
            break
    else:
        raise LookupError(f"no simple path of {definition.key} reaches {target}")
    reached = set(states[: states.index(target) + 1])
    walk = Walk(world, definition, RECIPES[definition.key], reached, overrides=overrides)
    walk.owner = owner
    walk.case_id = walk.recipe.start(walk)
    for source, spec in prefix:
        walk.step(source, spec)
    return walk
