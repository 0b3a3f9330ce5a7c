"""Users: the list, creating one, changing roles, deactivating, setting a password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from web import defs
from web.current import engine
from web.pages.account import policy_refusal_text
from web.pages.admin import bp
from web.pages.common import actor, flash_error, page_number
from workflow import password_policy
from workflow.errors import NotFound, WorkflowError
from workflow.persistence.models import Organization, User, UserRole
from workflow.policy import ADMIN, COORDINATOR
from workflow.queries.cases import text_match
from workflow.services import user_admin

PER_PAGE = 50


def known_roles() -> list[tuple[str, str]]:
    """Every role any current definition names, plus admin and coordinator."""
    roles: dict[str, str] = {ADMIN: _("Administrator"), COORDINATOR: _("Coordinator")}
    # A role name is shared by several procedures; the agreements' wording is the one people
    # know it by ("initiator" is the regional office, not a plan's author).
    ordered = sorted(defs.all_current().values(), key=lambda d: (d.category != "agreement", d.key))
    for definition in ordered:
        for name, spec in definition.roles.items():
            roles.setdefault(name, defs.text(spec.title))
    return sorted(roles.items(), key=lambda kv: kv[1])


@bp.get("/users")
def users():
    q = (request.args.get("q") or "").strip()
    page = page_number()
    with engine().uow(write=False) as uow:
        query = (
            select(
                User.id,
                User.username,
                User.full_name,
                User.email,
                User.is_active,
                Organization.name_ru,
                Organization.name_en,
                func.count().over().label("total"),
            )
            .join(Organization, Organization.id == User.org_id)
            .order_by(User.username)
        )
        if q:
            query = query.where(
                text_match(uow.session, [User.username, User.full_name, Organization.name_ru], q)
            )
        rows = uow.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
        ids = [r.id for r in rows]
        roles: dict[int, list[str]] = {}
        for user_id, role in uow.session.execute(
            select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_(ids))
        ):
            roles.setdefault(user_id, []).append(role)
    total = rows[0].total if rows else 0
    return render_template(
        "admin/users.html",
        rows=rows,
        roles=roles,
        role_titles=dict(known_roles()),
        q=q,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
    )


def _orgs():
    with engine().uow(write=False) as uow:
        return uow.session.execute(
            select(Organization.code, Organization.name_ru, Organization.kind)
            .where(Organization.kind != "foreign_partner", Organization.is_active.is_(True))
            .order_by(Organization.kind, Organization.name_ru)
        ).all()


def _password_refused(password: str | None) -> str | None:
    """Why the policy refuses ``password``, in the reader's language (the service refuses it
    too, in English, for the API and the command line)."""
    issue = password_policy.password_issue(password) if password is not None else None
    return policy_refusal_text(issue) if issue else None


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = request.form
    if request.method == "POST" and (refused := _password_refused(form.get("password") or None)):
        flash(refused, "error")
    elif request.method == "POST":
        try:
            user_id = user_admin.add_user(
                engine(),
                actor(),
                form.get("username", ""),
                form.get("org_code", ""),
                form.getlist("roles"),
                email=form.get("email") or None,
                full_name=form.get("full_name", "").strip(),
                position=form.get("position") or None,
                language=form.get("language", "ru"),
                password=form.get("password") or None,
            )
        except WorkflowError as exc:
            flash_error(exc)
        else:
            flash(_("The user has been created."), "success")
            return redirect(url_for("admin.user", user_id=user_id), 303)
    return render_template("admin/user_new.html", orgs=_orgs(), roles=known_roles(), form=form), (
        400 if request.method == "POST" else 200
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    me = actor()
    eng = engine()
    if request.method == "POST":
        what = request.form.get("what")
        try:
            if what == "roles":
                user_admin.set_roles(eng, me, user_id, request.form.getlist("roles"))
                flash(_("The roles are saved."), "success")
            elif what == "deactivate":
                user_admin.set_active(eng, me, user_id, False)
                flash(_("The user is deactivated and can no longer sign in."), "success")
            elif what == "activate":
                user_admin.set_active(eng, me, user_id, True)
                flash(_("The user is active again."), "success")
            elif what == "password":
                password = request.form.get("password", "")
                if refused := _password_refused(password):
                    flash(refused, "error")
                else:
                    user_admin.set_password(eng, me, user_id, password)
                    flash(_("The new password is set."), "success")
        except WorkflowError as exc:
            flash_error(exc)
        return redirect(url_for("admin.user", user_id=user_id), 303)
    with eng.uow(write=False) as uow:
        row = uow.session.execute(
            select(
                User.id,
                User.username,
                User.full_name,
                User.email,
                User.position,
                User.language,
                User.is_active,
                User.created_at,
                Organization.name_ru,
            )
            .join(Organization, Organization.id == User.org_id)
            .where(User.id == user_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"User {user_id} not found.")
        held = set(uow.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))
    return render_template("admin/user.html", u=row, held=held, roles=known_roles(), me=me)
