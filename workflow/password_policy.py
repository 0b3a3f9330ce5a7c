"""What a new password must be, after OWASP ASVS 5 (V6.2): long enough, not too long to accept,
and not one of the passwords everybody tries first. No composition rules (no "a digit and a
capital"): they make passwords harder to remember, not harder to guess.

- at least ``MIN_LENGTH`` (12) characters, the figure ASVS 5 asks for; counted in Unicode
  characters, so a Russian passphrase counts the same as a Latin one;
- at most ``MAX_LENGTH`` (128), above ASVS's "at least 64 must be accepted";
- not in the list of the 30,000 most common passwords that the ``zxcvbn`` package ships
  (``zxcvbn.frequency_lists``), compared without regard to case;
- no spaces at its start or end (a pasted password often drags one along unseen).

``password_issue`` answers with a code the pages translate; ``workflow.passwords.password_problem``
turns it into the English sentence the API, the command line and the services use.
"""

from __future__ import annotations

from functools import cache

MIN_LENGTH = 12
MAX_LENGTH = 128

TOO_SHORT = "too_short"
TOO_LONG = "too_long"
COMMON = "common"
SPACES = "spaces"

MESSAGES = {
    TOO_SHORT: f"A password needs at least {MIN_LENGTH} characters.",
    TOO_LONG: f"A password may have at most {MAX_LENGTH} characters.",
    COMMON: "This password is among the most common ones and is guessed first; choose another.",
    SPACES: "A password cannot start or end with spaces.",
}


@cache
def common_passwords() -> frozenset[str]:
    """The common-password list, loaded on first use (about 30,000 entries, ~2 MB)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def password_issue(password: str) -> str | None:
    """The code of what is wrong with a new password (``MESSAGES`` has its text), or None."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    if password.strip() != password:
        return SPACES
    if password.lower() in common_passwords():
        return COMMON
    return None
