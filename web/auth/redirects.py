"""``next=`` targets: only paths on this site, never another host.

Browsers treat ``//evil.test``, ``/\\evil.test`` and ``\\\\evil.test`` as other hosts, and
percent-encoded forms of those decode into them along the way, so the check decodes repeatedly
and refuses anything that is not a plain absolute path (no scheme, no host, no backslash, no
control character, no empty or dot segment).
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
    if parts.scheme or parts.netloc:
        return False
    # Dot segments and empty segments are never needed by a link of ours, and "/..//host"
    # normalizes to "//host" in some parsers.
    segments = parts.path.split("/")[1:]
    return "" not in segments[:-1] and not any(s in (".", "..") for s in segments)
