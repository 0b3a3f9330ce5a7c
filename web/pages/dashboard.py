"""The coordinator's dashboard: agreements by stage and by region, overdue tasks, time in each
stage (median and 90th percentile, from the audit trail) and agreements signed per year, with
a filter by kind and period. For the coordinating agency, federal bodies and administrators."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, defaultdict

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from web import defs
from web.current import engine
from web.pages.common import actor, is_coordinator, sees_dashboard, signed_in
from web.svg import charts
from workflow.clock import MOSCOW
from workflow.queries import dashboard as dash_q

bp = Blueprint("dashboard", __name__)

PERIODS = ("all", "12m", "year")


def _period(choice: str, year: int | None, today: dt.date) -> dash_q.Period:
    if choice == "12m":
        start = dt.datetime.combine(today - dt.timedelta(days=365), dt.time(), tzinfo=MOSCOW)
        return dash_q.Period(start, None)
    if choice == "year" and year:
        start = dt.datetime(year, 1, 1, tzinfo=MOSCOW)
        return dash_q.Period(start, dt.datetime(year + 1, 1, 1, tzinfo=MOSCOW))
    return dash_q.Period(None, None)


def _resting_stages(definition) -> frozenset[str]:
    """Stages in which the agreement is in force rather than in procedure: every state of
    the stage can lapse into a public end (expired, terminated). Time spent there is the
    agreement's life, not a stage's processing time, so the time-in-stage chart leaves it out."""
    public_ends = {n for n, s in definition.states.items() if s.is_terminal and s.public}
    by_stage: dict[str, list[str]] = defaultdict(list)
    for name, spec in definition.states.items():
        if spec.stage and not spec.is_terminal:
            by_stage[spec.stage].append(name)
    return frozenset(
        stage
        for stage, states in by_stage.items()
        if all(
            any(name in t.sources and t.dest in public_ends for t in definition.transitions)
            for name in states
        )
    )


def _stage_of(kind: str, definition_id: int, state: str) -> str | None:
    spec = defs.state_spec(definition_id, state)
    if spec is None or spec.is_terminal:
        return None
    if spec.stage in _resting_stages(defs.definition(definition_id)):
        return None
    return spec.stage or state


def _working_days(calendar):
    """Working days of a stint on the federal calendar (the dashboard spans regions)."""

    def between(entered: dt.datetime, left: dt.datetime) -> float:
        start, end = entered.astimezone(MOSCOW).date(), left.astimezone(MOSCOW).date()
        return float(calendar.working_days_between(start, end))

    return between


def days_text(value: float) -> str:
    """Whole days without decimals, others with one (7, 12.5)."""
    rounded = round(value, 1)
    return f"{rounded:.0f}" if float(rounded).is_integer() else f"{rounded:.1f}"


def _cap(values: list[float]) -> float | None:
    """Where the time axis ends: when the longest bar is over three times the next one, at
    one and a half times the next one, so the others stay readable."""
    ordered = sorted(values, reverse=True)
    if len(ordered) >= 2 and ordered[1] > 0 and ordered[0] > 3 * ordered[1]:
        return ordered[1] * 1.5
    return None


@bp.get("/dashboard")
@signed_in
def index():
    me = actor()
    if not sees_dashboard(me):
        abort(403, _("The dashboard is for the coordinating agency and the federal bodies."))
    eng = engine()
    today = eng.today()
    agreement_kinds = defs.kinds_of("agreement") or tuple(defs.all_current())
    kind = request.args.get("kind") or ""
    kinds = (kind,) if kind in agreement_kinds else agreement_kinds
    choice = request.args.get("period") if request.args.get("period") in PERIODS else "all"
    year = request.args.get("year", type=int) or today.year
    period = _period(choice, year, today)
    with eng.uow(write=False) as uow:
        s = uow.session
        states = dash_q.by_state(s, kinds, period)
        regions = dash_q.by_region(s, kinds, period)
        overdue_total, overdue = dash_q.overdue_tasks(s, kinds, today)
        times = dash_q.time_in_stage(
            s, kinds, period, _stage_of, _working_days(eng.catalog.calendars.federal)
        )
        signed = dash_q.signed_per_year(s, kinds, defs.public_states())

    # Cases by stage, in the order of the first kind's stages.
    stage_counts: OrderedDict[str, int] = OrderedDict()
    stage_names: dict[str, str] = {}
    for k in kinds:
        definition = defs.current(k)
        if definition:
            open_stages = {
                spec.stage for spec in definition.states.values() if not spec.is_terminal
            }
            for name, title in definition.stages:
                if name not in open_stages:
                    continue  # only ends ("Closed"): counted below, one row per end
                stage_counts.setdefault(name, 0)
                stage_names.setdefault(name, defs.text(title))
    finished: dict[str, int] = defaultdict(int)
    for row in states:
        spec = defs.state_spec(row.definition_id, row.state)
        if spec is not None and spec.is_terminal:
            finished[defs.text(spec.title)] += row.cases
            continue
        stage = (spec.stage if spec else None) or row.state
        stage_counts[stage] = stage_counts.get(stage, 0) + row.cases
        stage_names.setdefault(stage, defs.state_title(row.definition_id, row.state))
    # [in progress, finished]: an end (expired, terminated) is its own row in the colour of
    # "finished", like the region chart, instead of a symbol after its name.
    stage_rows = [(stage_names.get(k, k), [v, 0]) for k, v in stage_counts.items()]
    stage_rows += [(title, [0, n]) for title, n in sorted(finished.items())]

    per_region: dict[str, list[int]] = OrderedDict()
    for row in sorted(regions, key=lambda r: r.name_ru or ""):
        label = (defs.language() == "en" and row.name_en) or row.name_ru or _("Federal level")
        entry = per_region.setdefault(label, [0, 0])
        entry[1 if row.closed else 0] += row.cases
    region_rows = sorted(per_region.items(), key=lambda kv: -sum(kv[1]))

    time_rows = sorted(
        times,
        key=lambda t: list(stage_names).index(t.stage) if t.stage in stage_names else 99,
    )
    year_points = [(str(y), n) for y, n in signed.items()]
    return render_template(
        "dashboard/index.html",
        kinds=agreement_kinds,
        kind=kind,
        choice=choice,
        year=year,
        years=list(range(today.year, today.year - 6, -1)),
        stage_rows=stage_rows,
        stage_chart=Markup(
            charts.hbars(stage_rows, classes=("bar", "bar-alt"), title=_("Agreements by stage"))
        ),
        region_rows=region_rows,
        region_chart=Markup(
            charts.hbars(region_rows, classes=("bar", "bar-alt"), title=_("Agreements by region"))
        ),
        overdue_total=overdue_total,
        overdue=overdue,
        time_rows=time_rows,
        stage_names=stage_names,
        time_chart=Markup(
            charts.hbars(
                [(stage_names.get(t.stage, t.stage), [t.median_days]) for t in time_rows],
                title=_("Median working days in stage"),
                width=460,
                cap=_cap([t.median_days for t in time_rows]),
            )
        ),
        days_text=days_text,
        years_chart=Markup(charts.columns(year_points, title=_("Agreements signed per year"))),
        year_points=year_points,
        coordinator=is_coordinator(me),
    )
