"""The password policy (OWASP ASVS 5): length, the common-password list, no composition rules."""

from __future__ import annotations

import pytest

from workflow.password_policy import (
    COMMON,
    MAX_LENGTH,
    MIN_LENGTH,
    SPACES,
    TOO_LONG,
    TOO_SHORT,
    common_passwords,
    password_issue,
)
from workflow.passwords import password_problem


def test_the_figures_are_asvs_5s():
    assert MIN_LENGTH == 12 and MAX_LENGTH >= 64


@pytest.mark.parametrize(
    ("password", "issue"),
    [
        ("password1234", COMMON),  # 12 characters, but everybody's
        ("Password1234", COMMON),  # case does not hide it
        ("1qaz2wsx3edc", COMMON),
        ("abcdefghijk", TOO_SHORT),  # 11
        ("x" * (MAX_LENGTH + 1), TOO_LONG),
        (" a long phrase with a space in front", SPACES),
    ],
)
def test_refused(password, issue):
    assert password_issue(password) == issue
    assert password_problem(password)


@pytest.mark.parametrize(
    "password",
    [
        "abcdefghijkm",  # 12, only lowercase letters: no composition rules
        "correct-horse-battery",
        "a river of tea under the birch trees",
        "чай с малиной у камина",  # counted in characters, not bytes
        "y" * 64,
        "z" * MAX_LENGTH,
    ],
)
def test_accepted(password):
    assert password_issue(password) is None and password_problem(password) is None


def test_the_list_is_the_shipped_one_and_large():
    words = common_passwords()
    assert len(words) > 25_000 and "123456" in words and "password1234" in words
