"""Countries and languages by name, in the reader's language, for pickers and filters.

The codes stored stay ISO (country ``CN``, language ``zh``); people choose and read names. The
kept lists are Babel's locale data (CLDR): every two-letter territory that is a country, and
every two-letter language with a name in both interface languages, so a picker in Russian and
one in English offer the same codes.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale

from web.i18n import LANGUAGES, language

# CLDR two-letter territories that are not countries a partner can be in.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"})


@lru_cache(maxsize=len(LANGUAGES))
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


@lru_cache(maxsize=1)
def country_codes() -> tuple[str, ...]:
    territories = [set(_locale(lang).territories) for lang in LANGUAGES]
    common = set.intersection(*territories)
    return tuple(
        sorted(c for c in common if len(c) == 2 and c.isalpha() and c not in NOT_COUNTRIES)
    )


@lru_cache(maxsize=1)
def language_codes() -> tuple[str, ...]:
    known = [set(_locale(lang).languages) for lang in LANGUAGES]
    common = set.intersection(*known)
    return tuple(sorted(c for c in common if len(c) == 2 and c.isalpha() and c.islower()))


def country_label(code: str | None, lang: str | None = None) -> str:
    """``CN`` → ``Китай``; an unknown code stays as it is."""
    if not code:
        return ""
    return _locale(lang or language()).territories.get(code.upper()) or code


def language_label(code: str | None, lang: str | None = None) -> str:
    """``zh`` → ``китайский``; an unknown code stays as it is."""
    if not code:
        return ""
    return _locale(lang or language()).languages.get(code) or code


@lru_cache(maxsize=2 * len(LANGUAGES))
def _sorted_choices(kind: str, lang: str) -> tuple[tuple[str, str], ...]:
    codes = country_codes() if kind == "country" else language_codes()
    label = country_label if kind == "country" else language_label
    pairs = [(code, label(code, lang)) for code in codes]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


def country_choices(extra: str | None = None) -> tuple[tuple[str, str], ...]:
    """``(code, name)`` of every country, sorted by name in the reader's language. A stored
    code outside the list (``extra``) is kept as an option so editing does not lose it."""
    return _with_extra(_sorted_choices("country", language()), extra, country_label)


def language_choices(extra=None) -> tuple[tuple[str, str], ...]:
    """``(code, name)`` of every language, sorted by name in the reader's language."""
    return _with_extra(_sorted_choices("language", language()), extra, language_label)


def _with_extra(choices, extra, label):
    wanted = [extra] if isinstance(extra, str) else list(extra or [])
    known = {code for code, _ in choices}
    missing = tuple((code, label(code)) for code in wanted if code and code not in known)
    return missing + choices


def language_options(first: list[str]) -> tuple[tuple[str, str], ...]:
    """Every language by name, the case's own (``first``, in their order) at the top."""
    everything = language_choices(first)
    named = dict(everything)
    top = tuple((code, named[code]) for code in dict.fromkeys(first) if code in named)
    return top + tuple(pair for pair in everything if pair[0] not in set(first))
