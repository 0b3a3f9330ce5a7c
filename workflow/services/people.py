"""Users and their roles."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.clock import Clock
from workflow.errors import Conflict, InvalidInput, NotFound
from workflow.passwords import hash_password, password_problem
from workflow.persistence.models import Organization, User, UserRole

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,79}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_user(
    session: Session,
    clock: Clock,
    username: str,
    org_code: str,
    roles: Iterable[str],
    *,
    email: str | None = None,
    password: str | None = None,
    full_name: str = "",
    language: str = "ru",
    position: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Create a user in organization ``org_code``. The caller commits."""
    username = username.strip().lower()
    errors = {}
    if not USERNAME.match(username):
        errors["username"] = "2–80 characters: lowercase letters, digits, '.', '_' or '-'."
    if email and not EMAIL.match(email):
        errors["email"] = "Not an email address."
    if language not in ("ru", "en"):
        errors["language"] = "Must be 'ru' or 'en'."
    if password is not None and (problem := password_problem(password)):
        errors["password"] = problem
    roles = sorted({r.strip() for r in roles if r.strip()})
    bad_roles = [r for r in roles if not re.match(r"^[a-z][a-z0-9_]*$", r)]
    if bad_roles:
        errors["roles"] = f"Not role names: {', '.join(bad_roles)}."
    if errors:
        raise InvalidInput("The user cannot be created: " + " ".join(errors.values()), errors)
    org = session.scalar(select(Organization).where(Organization.code == org_code))
    if org is None:
        raise NotFound(f"No organization with code '{org_code}'.")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named '{username}' already exists.")
    user = User(
        username=username,
        email=email or None,
        full_name=full_name,
        position=position,
        org_id=org.id,
        language=language,
        created_at=clock.now(),
        password_hash=password_hash or (hash_password(password) if password else None),
    )
    user.roles = [UserRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    return user
