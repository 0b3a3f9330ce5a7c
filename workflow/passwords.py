"""Password hashing with argon2id (argon2-cffi), upgraded transparently on login.

Werkzeug's default scrypt parameters are below OWASP ASVS 5; argon2id with the library's
RFC 9106 "low memory" profile is the usual choice. ``verify`` tells the caller when a stored
hash uses older parameters (or another scheme) so it can be re-hashed after a good login.
"""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY

from workflow.password_policy import MESSAGES, password_issue

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)

# A valid hash with the hasher's parameters, verified when the user does not exist, so the
# response time does not reveal whether a username is known. A literal, not hashed at import:
# one argon2id hash with this profile takes 64 MiB and ~0.2 s, which every process importing this
# module (the worker, the CLI) paid at start-up. tests/unit/test_passwords.py checks that it
# still matches the profile.
_DUMMY = (
    "$argon2id$v=19$m=65536,t=3,p=4$h2TcHd9j8InTYsL5HA51XA"
    "$9QEgB7znpx+7Pwf541y8EteHJOUl39lA+leGqD/MdP4"
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash)."""
    if not stored_hash:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY, password)
        return False, False
    try:
        _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    return True, _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable (``workflow.password_policy``), or None."""
    issue = password_issue(password)
    return MESSAGES[issue] if issue else None
