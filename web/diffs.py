"""A readable comparison of two versions of a text: changed lines side by side in one column,
with the changed words marked inside them, and long unchanged stretches folded; or, where the
lines mean nothing (a PDF breaks a paragraph wherever its page is narrow), word by word.

Built on ``difflib``; output is escaped HTML using CSS classes only (no inline styles).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from html import escape

CONTEXT = 2
_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class DiffStats:
    added: int
    removed: int
    changed: int


def _line(kind: str, old_no: int | None, new_no: int | None, body: str) -> str:
    sign = {"add": "+", "del": "−", "same": " "}[kind]
    css = {"add": " diff-add", "del": " diff-del", "same": ""}[kind]
    return (
        f'<div class="diff-line{css}"><span class="ln">{old_no or ""}</span>'
        f'<span class="ln">{new_no or ""}</span><span class="sign">{sign}</span>'
        f'<span class="txt">{body or "&nbsp;"}</span></div>'
    )


def _word_diff(old: str, new: str) -> tuple[str, str]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    left, right = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old_part, new_part = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(old_part)
            right.append(new_part)
        else:
            if old_part:
                left.append(f"<del>{old_part}</del>")
            if new_part:
                right.append(f"<ins>{new_part}</ins>")
    return "".join(left), "".join(right)


def render_diff(old_text: str, new_text: str) -> tuple[str, DiffStats]:
    old, new = old_text.splitlines(), new_text.splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    out: list[str] = []
    added = removed = changed = 0
    opcodes = matcher.get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            span = i2 - i1
            first, last = index == 0, index == len(opcodes) - 1
            head = 0 if first else CONTEXT
            tail = 0 if last else CONTEXT
            if span <= head + tail + 1:
                for k in range(span):
                    out.append(_line("same", i1 + k + 1, j1 + k + 1, escape(old[i1 + k])))
                continue
            for k in range(head):
                out.append(_line("same", i1 + k + 1, j1 + k + 1, escape(old[i1 + k])))
            hidden = span - head - tail
            out.append(f'<div class="diff-skip">⋯ {hidden} ⋯</div>')
            for k in range(span - tail, span):
                out.append(_line("same", i1 + k + 1, j1 + k + 1, escape(old[i1 + k])))
        elif op == "replace":
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                left, right = _word_diff(old[i1 + k], new[j1 + k])
                out.append(_line("del", i1 + k + 1, None, left))
                out.append(_line("add", None, j1 + k + 1, right))
                changed += 1
            for k in range(i1 + pairs, i2):
                out.append(_line("del", k + 1, None, escape(old[k])))
                removed += 1
            for k in range(j1 + pairs, j2):
                out.append(_line("add", None, k + 1, escape(new[k])))
                added += 1
        elif op == "delete":
            for k in range(i1, i2):
                out.append(_line("del", k + 1, None, escape(old[k])))
                removed += 1
        elif op == "insert":
            for k in range(j1, j2):
                out.append(_line("add", None, k + 1, escape(new[k])))
                added += 1
    return '<div class="diff">' + "".join(out) + "</div>", DiffStats(added, removed, changed)


_TOKENS = re.compile(r"\S+|\n")


def render_word_diff(old_text: str, new_text: str) -> tuple[str, DiffStats]:
    """The newer text as it reads, with deleted words struck and inserted ones marked; line
    breaks and spacing are ignored when comparing. ``changed`` counts the changed passages."""

    def words(text: str) -> list[str]:
        return [t for t in _TOKENS.findall(text) if t != "\n"]

    a, b = words(old_text), words(new_text)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[str] = []
    added = removed = changed = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(b[j1:j2])))
            continue
        changed += 1
        removed += i2 - i1
        added += j2 - j1
        if i2 > i1:
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    return '<div class="diff diff-words">' + " ".join(out) + "</div>", DiffStats(
        added, removed, changed
    )
