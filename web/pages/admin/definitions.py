"""Workflow definitions: the verifier's report on the definitions folder, each definition's
diagram and parameters, and which stored versions running cases are pinned to."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import case, func, select

from web import defs
from web.current import engine, settings
from web.pages.admin import bp
from web.svg import diagram
from workflow.definitions.directory import load_directory
from workflow.errors import NotFound
from workflow.machine import mermaid_diagram
from workflow.persistence.models import Case, DefinitionVersion


def _versions():
    with engine().uow(write=False) as uow:
        return uow.session.execute(
            select(
                DefinitionVersion.id,
                DefinitionVersion.key,
                DefinitionVersion.number,
                DefinitionVersion.content_hash,
                DefinitionVersion.source_name,
                DefinitionVersion.loaded_at,
                func.count(Case.id).label("cases"),
                func.sum(case((Case.is_closed.is_(False), 1), else_=0)).label("open"),
            )
            .outerjoin(Case, Case.definition_id == DefinitionVersion.id)
            .group_by(
                DefinitionVersion.id,
                DefinitionVersion.key,
                DefinitionVersion.number,
                DefinitionVersion.content_hash,
                DefinitionVersion.source_name,
                DefinitionVersion.loaded_at,
            )
            .order_by(DefinitionVersion.key, DefinitionVersion.number.desc())
        ).all()


@bp.get("/definitions")
def definitions():
    report = load_directory(settings().definitions_dir)
    catalog = engine().catalog
    current_ids = {key: catalog.current(key).id for key in catalog.current_keys()}
    return render_template(
        "admin/definitions.html",
        report=report,
        problems=sorted(report.problems, key=lambda p: (p.file, p.line or 0)),
        versions=_versions(),
        current_ids=current_ids,
        loaded=defs.all_current(),
    )


@bp.get("/definitions/<key>")
def definition(key: str):
    found = defs.current(key)
    if found is None:
        raise NotFound(f"No definition {key}.")
    svg = diagram.render(
        found,
        None,
        set(),
        defs.language(),
        title=_("Process diagram"),
        hub_note=_("from several stages"),
    )
    return render_template(
        "admin/definition.html",
        d=found,
        diagram=Markup(svg),
        mermaid=mermaid_diagram(found),
        versions=[v for v in _versions() if v.key == key],
    )
