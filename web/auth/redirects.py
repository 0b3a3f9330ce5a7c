"""``next=`` targets: only paths on this site, never another host.

Browsers treat ``//evil.test``, ``/\\evil.test`` and ``\\\\evil.test`` as other hosts, and
percent-encoded forms of those decode into them along the way, so the check decodes repeatedly
and refuses anything that is not a plain absolute path.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

_MAX_DECODE = 4


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a local path such as ``/agreements/7?tab=history``, else None."""
    if not target or len(target) > 2000:
        return None
    decoded = target
    for _ in range(_MAX_DECODE):
        if not _looks_local(decoded):
            return None
        again = unquote(decoded)
        if again == decoded:
            break
        decoded = again
    else:
        return None  # still changing after several decodes: refuse rather than guess
    return target


def _looks_local(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc
