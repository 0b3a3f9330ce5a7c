"""The region status page for the region's people (and federal bodies): its agreements and
municipal agreements by stage, its plans of activities, what is coming up, what is overdue.

Statements: 2 (authentication) + 3 (summary, plans, upcoming) = 5.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from web import defs
from web.current import engine
from web.i18n import language
from web.pages.common import actor, signed_in
from web.papers.region_report import region_annual_report_docx
from workflow.errors import NotFound
from workflow.persistence.models import Organization
from workflow.policy import Actor
from workflow.queries import regions as regions_q
from workflow.queries.visibility import sees_everything

bp = Blueprint("regions", __name__)


@dataclass
class StageRow:
    title: str
    states: list = field(default_factory=list)  # (state, title, regional, municipal, overdue)
    total: int = 0


@dataclass
class KindBlock:
    kind: str
    title: str
    stages: list[StageRow]
    total: int
    overdue: int
    public: int


def may_see_region(me: Actor, region_id: int) -> bool:
    return sees_everything(me) or any(p.region_id == region_id for p in me.principals())


def group_by_stage(counts: list[regions_q.StateCount]) -> list[KindBlock]:
    """Counts per kind, grouped by the stages of the kind's current definition (in order)."""
    per_kind: OrderedDict[str, list[regions_q.StateCount]] = OrderedDict()
    for c in sorted(counts, key=lambda c: c.kind):
        per_kind.setdefault(c.kind, []).append(c)
    blocks = []
    for kind, rows in per_kind.items():
        definition = defs.current(kind) or defs.definition(rows[0].definition_id)
        stage_titles = OrderedDict((name, defs.text(t)) for name, t in definition.stages)
        stage_titles.setdefault("", _("Other states"))
        grouped: OrderedDict[str, StageRow] = OrderedDict(
            (name, StageRow(title)) for name, title in stage_titles.items()
        )
        merged: dict[str, list[int]] = {}
        for c in rows:
            entry = merged.setdefault(c.state, [0, 0, 0])
            entry[1 if c.municipal else 0] += c.cases
            entry[2] += c.overdue
        order = list(definition.states)
        public = 0
        for state_name in sorted(merged, key=lambda s: order.index(s) if s in order else 999):
            regional, municipal, overdue = merged[state_name]
            spec = definition.states.get(state_name)
            stage = spec.stage if spec and spec.stage in grouped else ""
            title = defs.text(spec.title) if spec else state_name
            grouped[stage].states.append((state_name, title, regional, municipal, overdue))
            grouped[stage].total += regional + municipal
            if spec and spec.public:
                public += regional + municipal
        stages = [row for row in grouped.values() if row.states]
        blocks.append(
            KindBlock(
                kind,
                defs.text(definition.title),
                stages,
                sum(r.total for r in stages),
                sum(m[2] for m in merged.values()),
                public,
            )
        )
    return blocks


@bp.get("/regions/mine")
@signed_in
def mine():
    me = actor()
    if me.me.region_id is None:
        abort(404)
    with engine().uow(write=False) as uow:
        code = uow.session.scalar(
            select(Organization.code).where(Organization.id == me.me.region_id)
        )
    return redirect(url_for("regions.show", code=code))


@bp.get("/regions/<code>/annual-report.docx")
@signed_in
def annual_report(code: str):
    """The draft of the region's annual report to the federal body for ``?year=`` (default:
    last year); the region page's button and the reminder for the report link here."""
    me = actor()
    with engine().uow(write=False) as uow:
        region = uow.session.scalar(
            select(Organization).where(Organization.code == code, Organization.kind == "region")
        )
        if region is None:
            raise NotFound(f"Region {code} not found.")
        region_id = region.id
    if not may_see_region(me, region_id):
        abort(403, _("This page is for the people of the region and the federal bodies."))
    return region_annual_report_docx(
        me, region_id, request.args.get("year"), request.args.get("lang") or language()
    )


@bp.get("/regions/<code>")
@signed_in
def show(code: str):
    me = actor()
    eng = engine()
    today = eng.today()
    with eng.uow(write=False) as uow:
        summary = regions_q.summary(uow.session, code, today)
        if summary is None:
            raise NotFound(f"Region {code} not found.")
        if not may_see_region(me, summary.region.id):
            abort(403, _("This page is for the people of the region and the federal bodies."))
        plans = regions_q.plans(uow.session, summary.region.id, defs.kinds_of("plan"), today)
        upcoming = regions_q.upcoming(uow.session, me, summary.region.id, today, eng.clock.now())
    # Parallel reviewers' tasks share a case and a date: one line is enough.
    seen: set[tuple] = set()
    upcoming = [
        u
        for u in upcoming
        if (key := (u.what, u.case_id if u.what == "task" else u.id, u.on)) not in seen
        and not seen.add(key)
    ]
    agreement_kinds = set(defs.kinds_of("agreement"))
    blocks = list(group_by_stage([c for c in summary.counts if c.kind in agreement_kinds]))
    return render_template(
        "regions/show.html",
        region=summary.region,
        blocks=blocks,
        plans=plans,
        upcoming=upcoming,
        totals={
            "cases": sum(b.total for b in blocks),
            "overdue": sum(b.overdue for b in blocks),
            "public": sum(b.public for b in blocks),
            "plans": len(plans),
        },
    )
