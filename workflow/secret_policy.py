"""Is a secret key a secret? What production and the long-running commands accept.

A key signs sessions, remember-me cookies, unsubscribe and email-decision links: guessing it is
signing in as anyone. So it must be long and unpredictable. Length alone is not enough
(``"a" * 32`` or ``"password" * 4`` are 32 characters), and entropy cannot be measured from one
sample, so the rules refuse what people actually type instead of a random value: whitespace,
a short unit repeated, too few distinct characters. ``secrets.token_urlsafe(32)`` (43
characters of 64 symbols) and ``secrets.token_hex(32)`` (64 of 16) always pass.
"""

from __future__ import annotations

MIN_LENGTH = 32
MIN_DISTINCT = 12
HOW_TO_MAKE_ONE = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def _shortest_period(text: str) -> int:
    """The shortest p with text[i] == text[i + p] everywhere ("abcabcab" → 3), from the KMP
    failure function: a unit repeated, whole or cut off at the end."""
    border = [0] * len(text)
    k = 0
    for i in range(1, len(text)):
        while k and text[i] != text[k]:
            k = border[k - 1]
        if text[i] == text[k]:
            k += 1
        border[i] = k
    return len(text) - (border[-1] if text else 0)


def weakness(secret: str) -> str | None:
    """Why ``secret`` is not a secret, or None when it will do."""
    if len(secret) < MIN_LENGTH:
        return f"it has {len(secret)} characters; at least {MIN_LENGTH} are needed"
    if any(ch.isspace() for ch in secret):
        return "it contains whitespace (a phrase, or a copy-paste accident)"
    period = _shortest_period(secret)
    if period <= len(secret) // 2:
        return f"it is {secret[:period]!r} repeated"
    if len(set(secret)) < MIN_DISTINCT:
        return f"it uses only {len(set(secret))} different characters"
    return None
