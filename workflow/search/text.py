"""Words into the lexemes PostgreSQL's ``russian`` text-search configuration would make of them.

SQLite has no Russian morphology, so the SQLite side of search indexes and queries the output of
this module, and the PostgreSQL side uses ``to_tsvector('russian', …)``. For both to find the
same rows this module imitates PostgreSQL closely on the text an agreement system holds:

- folding: lower case, ``ё`` → ``е``, stress marks (U+0301, U+0300) removed — done here *and*
  in PostgreSQL's generated column (``workflow.persistence.search``), because PostgreSQL itself
  would keep ``москва́`` as one odd word and treats ``её`` and ``ее`` differently;
- the default parser's token kinds: words (``asciiword`` → English Snowball stemmer, any
  other ``word`` → Russian Snowball stemmer), hyphenated words (the whole word *and* its parts:
  ``научно-технического`` → ``научно-техническ``, ``научн``, ``техническ``), words with digits
  and numbers (kept as written: ``covid19``, ``2027``, ``04.01.1999``, ``-19`` in ``covid-19``),
  e-mail addresses, dotted names (``mid.ru``, ``e.g``, ``a.b.c``: PostgreSQL's ``host`` and
  ``file``, kept whole; a host name ends before an underscore: ``h.case_id`` is ``h.case`` and
  ``id``), paths (``3.6/1`` is ``3.6`` and ``/1``) and URLs (kept whole, and as their host
  and path);
- stop words: the lists PostgreSQL ships (``workflow.search.stopwords``), checked before
  stemming, English for ASCII words and Russian for the rest; numbers are never stop words.

What is not imitated (PostgreSQL and SQLite may then disagree): XML tags and entities,
scientific notation, numbers in hyphenated words after the first part, letters of
scripts whose words contain combining marks (Devanagari vowel signs split a word here).
``tests/integration/test_search_parity.py`` compares the two on a corpus.

The stemmers, one per thread because they are not thread-safe: PyStemmer's Russian (Snowball C
code, as in PostgreSQL) and Snowball 2.2's English (``workflow.search.snowball22``: Snowball 3
changed the English algorithm, PostgreSQL 15 has 2.2).
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

import Stemmer

from workflow.search.snowball22 import EnglishStemmer
from workflow.search.stopwords import ENGLISH, RUSSIAN

STRESS_MARKS = "\u0301\u0300"
_FOLD = str.maketrans({"ё": "е", "\u0301": None, "\u0300": None})
_DOTTED_I = str.maketrans({"İ": "I"})  # Python lowers it to "i" + U+0307; PostgreSQL to "i"
MAX_LEXEME_BYTES = 2047  # PostgreSQL skips longer words ("word is too long to be indexed")

# Numbers that are no digits (superscripts, fractions, circled numbers) are word characters to
# Python but separators to PostgreSQL.
_NOT_WORD = "\u00b2\u00b3\u00b9\u00bc-\u00be\u2070-\u209f\u2150-\u215f\u2460-\u24ff"
_L = rf"[^\W\d_{_NOT_WORD}]"  # a letter of any script
_W = rf"[^\W_{_NOT_WORD}]"  # a letter or a digit
_HOST = r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}"
_TOKEN = re.compile(
    rf"""
    (?P<email>[a-z0-9][a-z0-9._+-]*@{_HOST})
  | (?P<url>(?:https?|ftp)://(?P<urlhost>{_HOST})(?P<path>/[^\s"'<>]*)?)
  | (?P<number>-?[0-9]+(?:\.[0-9]+)+)
  | (?P<host>[a-z_][a-z0-9_-]*(?:\.[a-z0-9_-]+)*\.[a-z]{{2,}})(?=_)
  | (?P<dotted>[a-z_][a-z0-9_-]*(?:[./][a-z0-9_-]+)+)
  | (?P<file>(?:[a-z0-9_-][a-z0-9_.-]*)?(?:/[a-z0-9_.-]+)+)
  | (?P<compound>{_L}{_W}*(?:-{_L}{_W}*)+)
  | (?P<alnum>{_L}{_W}*|[0-9]+{_L}{_W}*)
  | (?P<signed>-[0-9]+)
  | (?P<uint>[0-9]+)
    """,
    re.VERBOSE,
)
_HAS_DIGIT = re.compile(r"[0-9]")


@dataclass(frozen=True)
class Token:
    """A word of the original text (``start``/``end`` index the unfolded text) and the lexemes
    it yields; empty for a stop word."""

    start: int
    end: int
    lexemes: tuple[str, ...]


class _Stemmers(threading.local):
    def __init__(self) -> None:
        self.russian = Stemmer.Stemmer("russian")
        self.english = EnglishStemmer()


_stemmers = _Stemmers()


@functools.lru_cache(maxsize=20_000)
def _english(word: str) -> str:
    """Snowball 2.2 in pure Python (see ``workflow.search.snowball22``), hence the cache."""
    return _stemmers.english.stemWord(word)


def fold(text: str) -> str:
    """Lower case, ``ё`` → ``е``, no stress marks: the form both backends parse."""
    return text.translate(_DOTTED_I).lower().translate(_FOLD)


def _folded_with_origins(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, when its indices differ from the original's, where each of its
    characters came from (None: the same index)."""
    text = text.translate(_DOTTED_I)
    lowered = text.lower()
    if len(lowered) == len(text) and not any(m in text for m in STRESS_MARKS):
        return lowered.translate(_FOLD), None
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        for out in char.lower().translate(_FOLD):
            chars.append(out)
            origins.append(index)
    return "".join(chars), origins


def _is_word(part: str) -> bool:
    return _HAS_DIGIT.search(part) is None


def _stem(word: str) -> str | None:
    """A word of letters: PostgreSQL's ``english_stem`` for ASCII, ``russian_stem`` otherwise."""
    if word.isascii():
        if word in ENGLISH:
            return None
        return _english(word)
    if word in RUSSIAN:
        return None
    return _stemmers.russian.stemWord(word)


def _keep(lexeme: str | None) -> str | None:
    if not lexeme or len(lexeme.encode("utf-8")) > MAX_LEXEME_BYTES:
        return None
    return lexeme


def _word_or_numword(part: str) -> str | None:
    return _keep(_stem(part) if _is_word(part) else part)


def _lexemes(match: re.Match[str], after_compound: bool) -> tuple[str, ...]:
    kind = match.lastgroup
    if kind == "compound":
        whole = match.group(kind)
        parts = whole.split("-")
        first = _keep(_stem(whole)) if all(_is_word(p) for p in parts) else _keep(whole)
        rest = [_word_or_numword(p) for p in parts]
        return tuple(x for x in (first, *rest) if x)
    if kind == "alnum":
        lexeme = _word_or_numword(match.group(kind))
        return (lexeme,) if lexeme else ()
    if kind == "url":
        host, path = match.group("urlhost"), match.group("path")
        return (host + path, host, path) if path else (host,)
    if kind == "signed" and after_compound:
        return (match.group(kind)[1:],)  # "мин-во-5": the hyphen is a separator there
    return (match.group(kind),)


def tokens(text: str) -> list[Token]:
    """Every word of ``text`` with its span in ``text`` and its lexemes, in order."""
    folded, origins = _folded_with_origins(text)
    out: list[Token] = []
    previous_end, previous_kind = -1, None
    for match in _TOKEN.finditer(folded):
        after_compound = previous_kind == "compound" and match.start() == previous_end
        lexemes = _lexemes(match, after_compound)
        start, end = match.start(), match.end()
        if origins is not None:
            start, end = origins[start], origins[end - 1] + 1
            while end < len(text) and text[end] in STRESS_MARKS:
                end += 1  # a stress mark belongs to its word
        out.append(Token(start, end, lexemes))
        previous_end, previous_kind = match.end(), match.lastgroup
    return out


def lexemes(text: str) -> list[str]:
    """The lexemes of ``text`` in order (stop words left out): what the FTS5 column holds."""
    return [lexeme for token in tokens(text) for lexeme in token.lexemes]
