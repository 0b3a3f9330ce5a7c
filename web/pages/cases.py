"""The agreements list (filters, search, pagination, CSV export) and starting a new case.

Statements per list page: 2 (authentication) + 1 (the page, total included) + 1 (filter
options) = 4.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web import defs
from web.current import engine
from web.fieldforms import inputs_for, keep_posted_choice, mark_required, read_posted
from web.formatting import fdate, name
from web.pages.common import actor, flash_error, may_start_any, page_number, signed_in
from web.pages.form_once import once_per_form
from web.vocab import country_label
from workflow.errors import WorkflowError
from workflow.policy import Actor, can_start
from workflow.queries import cases as cases_q

bp = Blueprint("cases", __name__)
PER_PAGE = 25
EXPORT_LIMIT = 10_000


def _filters(me: Actor) -> tuple[cases_q.CaseFilters, dict]:
    args = request.args
    kind = args.get("kind") or ""
    known = defs.all_current()
    if kind and kind not in known:
        kind = ""
    state = args.get("state") or ""
    if "/" in state:  # "kind/state" from the grouped stage filter
        state_kind, state = state.split("/", 1)
        if state_kind in known and not kind:
            kind = state_kind
    kinds = (kind,) if kind else defs.kinds_of("agreement") or tuple(sorted(known))
    try:
        region_id = int(args.get("region") or 0) or None
    except ValueError:
        region_id = None
    country = (args.get("country") or "").strip().upper()[:2] or None
    filters = cases_q.CaseFilters(
        kinds=kinds,
        state=state or None,
        region_id=region_id,
        partner_country=country,
        overdue=args.get("overdue") == "1",
        my_org=args.get("mine") == "1",
        q=(args.get("q") or "").strip()[:200] or None,
    )
    raw = {
        "kind": kind,
        "state": _state_value(kinds, filters.state),
        "region": region_id or "",
        "country": country or "",
        "overdue": filters.overdue,
        "mine": filters.my_org,
        "q": filters.q or "",
    }
    return filters, raw


def _state_value(kinds: tuple[str, ...], state: str | None) -> str:
    """The grouped filter's value for a state (the first procedure listing it)."""
    for key in kinds:
        found = defs.current(key)
        if state and found is not None and state in found.states:
            return f"{key}/{state}"
    return ""


def _state_options(kind: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The stage filter's options grouped by procedure (one ``<optgroup>`` each), states in
    the procedure's own order. A value is ``kind/state``: the same state name (``drafting``)
    means a different step in another procedure."""
    chosen = {kind: defs.current(kind)} if kind else defs.all_current()
    groups = []
    for key, definition in sorted(chosen.items(), key=lambda kv: defs.text(kv[1].title)):
        if definition is None:
            continue
        states = [
            (f"{key}/{name}", defs.text(spec.title)) for name, spec in definition.states.items()
        ]
        groups.append((defs.text(definition.title), states))
    return groups


def _country_options(codes: list[str]) -> list[tuple[str, str]]:
    return sorted(((c, country_label(c)) for c in codes), key=lambda pair: pair[1].casefold())


@bp.get("/agreements")
@signed_in
def index():
    me = actor()
    eng = engine()
    filters, raw = _filters(me)
    page = page_number()
    with eng.uow(write=False) as uow:
        result = cases_q.list_cases(
            uow.session, me, filters, eng.today(), page=page, per_page=PER_PAGE
        )
        options = cases_q.filter_options(uow.session, me)
    return render_template(
        "cases/list.html",
        result=result,
        raw=raw,
        options=options,
        kinds=sorted(defs.all_current().items(), key=lambda kv: defs.text(kv[1].title)),
        states=_state_options(raw["kind"]),
        countries=_country_options(options.countries),
        may_start=may_start_any(me),
    )


@bp.get("/agreements.csv")
@signed_in
def export():
    me = actor()
    eng = engine()
    filters, _raw = _filters(me)
    with eng.uow(write=False) as uow:
        result = cases_q.list_cases(uow.session, me, filters, eng.today(), limit=EXPORT_LIMIT)
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Number"),
            _("Kind"),
            _("Title"),
            _("Title in the partner's language"),
            _("Russian party"),
            _("Region"),
            _("Partner"),
            _("Partner country"),
            _("Stage"),
            _("Planned signing date"),
            _("Nearest deadline"),
            _("Overdue"),
        ]
    )
    for row in result.rows:
        writer.writerow(
            [
                row.id,
                defs.kind_title(row.kind),
                row.title,
                row.title_partner or "",
                name(row.owner_name, row.owner_name_en),
                name(row.region_name, row.region_name_en),
                row.partner_name or "",
                row.partner_country or "",
                defs.state_title(row.definition_id, row.state),
                fdate(row.planned_date, "short"),
                fdate(row.next_due, "short"),
                _("yes") if row.overdue else "",
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=agreements.csv"},
    )


def creation_fields(definition) -> list[str]:
    """What the "new" form asks: the titles and a summary, then what the first step needs.
    Everything else is filled in on the case page, where the state says what is editable."""
    initial = definition.states[definition.initial]
    wanted = ["title", "title_partner", "summary", *initial.requires]
    if "*" in initial.editable:
        return wanted
    return [p for p in wanted if p == "title" or p in initial.editable or p in initial.requires]


def _startable(me: Actor) -> list:
    return [
        (key, d)
        for key, d in sorted(defs.all_current().items(), key=lambda kv: defs.text(kv[1].title))
        if can_start(d, me, me.me.org_id)
    ]


@bp.route("/agreements/new", methods=["GET", "POST"])
@signed_in
@once_per_form(back=lambda: url_for("cases.index"))
def new():
    me = actor()
    startable = _startable(me)
    kind = request.values.get("kind")
    parent = request.values.get("parent", type=int)
    chosen = dict(startable).get(kind) if kind else None
    if kind and chosen is None:
        abort(403, _("You may not start this kind of case."))
    if chosen is None:
        return render_template("cases/new_choose.html", startable=startable, parent=parent)
    inputs = inputs_for(chosen.fields_schema, creation_fields(chosen), {})
    mark_required(inputs, ["title"])  # the rest can wait (the lead of the form says so)
    if request.method == "POST":
        data = read_posted(inputs, request.form, {})
        try:
            created = engine().create_case(me, kind, fields=data, parent_case_id=parent)
        except WorkflowError as exc:
            flash_error(exc)
            for item in inputs:
                if item.kind != "readonly":
                    posted = request.form.getlist(item.input_name)
                    item.value = (
                        posted
                        if item.kind in ("multi", "multiselect")
                        else (posted[-1] if posted else "")
                    )
                    keep_posted_choice(item)
            return render_template(
                "cases/new_form.html", definition=chosen, inputs=inputs, parent=parent
            ), 400
        flash(_("The draft has been created."), "success")
        return redirect(url_for("cases.show", case_id=created.id), 303)
    return render_template("cases/new_form.html", definition=chosen, inputs=inputs, parent=parent)
