"""Organizations: the list by kind, and the CSV import (all or nothing, errors by line)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from web.current import engine
from web.pages.admin import bp
from web.pages.common import actor
from workflow.persistence.models import Organization
from workflow.queries.aliases import PARENT
from workflow.services import user_admin
from workflow.services.orgs import COLUMNS, ImportRefused

KINDS = ("region", "municipality", "federal_body", "foreign_partner")


@bp.get("/orgs")
def orgs():
    kind = request.args.get("kind")
    with engine().uow(write=False) as uow:
        query = (
            select(
                Organization.id,
                Organization.code,
                Organization.kind,
                Organization.name_ru,
                Organization.name_en,
                Organization.name_native,
                Organization.country,
                Organization.calendar_code,
                PARENT.name_ru.label("parent_name"),
            )
            .outerjoin(PARENT, PARENT.id == Organization.parent_id)
            .order_by(Organization.kind, Organization.name_ru)
        )
        if kind in KINDS:
            query = query.where(Organization.kind == kind)
        rows = uow.session.execute(query).all()
    return render_template("admin/orgs.html", rows=rows, kind=kind, kinds=KINDS)


@bp.route("/orgs/import", methods=["GET", "POST"])
def import_orgs():
    errors = []
    if request.method == "POST":
        upload = request.files.get("file")
        source = "form"
        text = request.form.get("text") or ""
        if upload and upload.filename:
            source = upload.filename
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                flash(_("The file is not UTF-8 text. Save it as UTF-8 CSV and try again."), "error")
                return render_template("admin/orgs_import.html", columns=COLUMNS, errors=[]), 400
        try:
            summary = user_admin.import_orgs(engine(), actor(), text, source)
        except ImportRefused as exc:
            errors = exc.errors
            flash(_("Nothing was imported: the file has problems (see below)."), "error")
            return render_template(
                "admin/orgs_import.html", columns=COLUMNS, errors=errors, source=source
            ), 400
        flash(
            _(
                "Imported: %(created)d created, %(updated)d updated.",
                created=summary.created,
                updated=summary.updated,
            ),
            "success",
        )
        return redirect(url_for("admin.orgs"), 303)
    return render_template("admin/orgs_import.html", columns=COLUMNS, errors=errors)
