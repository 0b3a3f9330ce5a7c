"""One text shape for every format, so search, diff and display never see format quirks.

``normalize``: newlines become "\n" (also Word's vertical tab, form feed, U+2028/2029), other
control characters and lone surrogates go, then NFC, no-break spaces become spaces, trailing
whitespace of any kind (U+3000 too) is stripped from each line and runs of blank lines collapse
to one. Combining accents stay as they are (NFC composes what has a composed form; search folds
accents itself).

``Lines`` collects what an extractor finds and refuses as soon as the *raw* text passes twice
the limit, so a hostile file cannot make us build gigabytes of text before the exact check on
the normalised text (normalising only shrinks text, e.g. blank-line runs in PDFs, hence slack).
"""

from __future__ import annotations

import re
import unicodedata

from workflow.documents import refusals

RAW_SLACK = 2

_NEWLINES = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = {
    code: None for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(code) not in "\t\n"
}
_SURROGATES = re.compile("[\ud800-\udfff]")
_NO_BREAK_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})
_TRAILING = re.compile(r"[^\S\n]+$", re.MULTILINE)  # any whitespace but the newline
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalize(raw: str) -> str:
    text = _NEWLINES.sub("\n", raw).translate(_CONTROLS)
    text = _SURROGATES.sub("\ufffd", text)
    text = unicodedata.normalize("NFC", text).translate(_NO_BREAK_SPACES)
    text = _TRAILING.sub("", text)
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")


def finish(raw: str, max_chars: int) -> str:
    """The normalised text, or ``text_too_long`` if it is over ``max_chars``."""
    text = normalize(raw)
    if len(text) > max_chars:
        raise refusals.text_too_long(max_chars, len(text))
    return text


class Lines:
    """Paragraphs as an extractor finds them, with a guard on their total raw size."""

    def __init__(self, max_chars: int):
        self._max_chars = max_chars
        self._cap = max_chars * RAW_SLACK
        self._lines: list[str] = []
        self._size = 0

    def add(self, line: str) -> None:
        self._size += len(line) + 1
        if self._size > self._cap:
            raise refusals.text_too_long(self._max_chars, self._size)
        self._lines.append(line)

    def extend(self, lines: list[str]) -> None:
        for line in lines:
            self.add(line)

    def joined(self) -> str:
        return "\n".join(self._lines)
