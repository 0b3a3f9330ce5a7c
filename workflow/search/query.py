"""The search box's syntax, parsed once for both backends.

The syntax is PostgreSQL's ``websearch_to_tsquery``: words are AND-ed, ``"a quoted phrase"``
matches words in that order, ``or`` between two terms is an alternative, ``-word`` or
``-"a phrase"`` excludes. AND binds tighter than ``or`` (``a b or c`` is ``(a b) or c``).

Deviation from "``websearch_to_tsquery('russian', :q)`` on PostgreSQL": the *structure* is
parsed here, and only each term is given to PostgreSQL (``phraseto_tsquery('russian', term)``,
the same phrase ``websearch_to_tsquery`` makes of a word or a quoted phrase), so both backends
evaluate the same boolean expression. PostgreSQL's parser would accept forms FTS5 cannot run (a
lone exclusion ``-казань`` or ``a or -b``, which match almost every row) and differs in corners
(``--a``, ``or`` at the ends). Here a group of exclusions alone is dropped, and a query with
nothing left to find finds nothing.

On SQLite the query becomes an FTS5 MATCH expression in which every term is a quoted string
of lexemes (``workflow.search.text``): user input never reaches FTS5's own syntax (``NEAR(``,
``*``, ``AND``, column filters), because a lexeme never contains a double quote.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflow.search.text import fold, lexemes

MAX_TERMS = 32  # more is not a search but a document; the rest is ignored


@dataclass(frozen=True)
class Term:
    text: str  # folded (``workflow.search.text.fold``), for PostgreSQL's phraseto_tsquery
    lexemes: tuple[str, ...]  # for FTS5 and for highlighting
    negated: bool


@dataclass(frozen=True)
class SearchQuery:
    groups: tuple[tuple[Term, ...], ...]  # OR of groups; a group is an AND of terms

    @property
    def highlight(self) -> frozenset[str]:
        """The lexemes a snippet marks: those of every term that is not an exclusion."""
        return frozenset(x for g in self.groups for t in g if not t.negated for x in t.lexemes)

    def fts5(self) -> str:
        """The FTS5 MATCH expression."""

        def phrase(term: Term) -> str:
            return '"' + " ".join(x.replace('"', "") for x in term.lexemes) + '"'

        parts = []
        for group in self.groups:
            found = " AND ".join(phrase(t) for t in group if not t.negated)
            excluded = " OR ".join(phrase(t) for t in group if t.negated)
            parts.append(f"(({found}) NOT ({excluded}))" if excluded else f"({found})")
        return " OR ".join(parts)


def _scan(q: str):
    """Yield ``("or", None, False)`` or ``("term", text, negated)`` in order."""
    i, n = 0, len(q)
    negated = False
    after_operand = False
    while i < n:
        char = q[i]
        if char.isspace():
            i += 1
            continue
        if char == "-" and not negated:
            negated = True
            i += 1
            while i < n and q[i] == "-":
                i += 1
            continue
        if char == '"':
            end = q.find('"', i + 1)
            end = n if end < 0 else end
            yield "term", q[i + 1 : end], negated
            i, negated, after_operand = end + 1, False, True
            continue
        end = i
        while end < n and not q[end].isspace() and q[end] != '"':
            end += 1
        word = q[i:end]
        rest = q[end:].strip()
        if word.lower() == "or" and after_operand and not negated and rest:
            yield "or", None, False
            after_operand = False
        else:
            yield "term", word, negated
            after_operand = True
        i, negated = end, False


def parse(q: str) -> SearchQuery | None:
    """The query, or None when nothing in it can be searched for (empty, only stop words,
    only exclusions)."""
    groups: list[list[Term]] = [[]]
    count = 0
    for kind, text, negated in _scan(q or ""):
        if kind == "or":
            groups.append([])
            continue
        count += 1
        if count > MAX_TERMS:
            break
        found = tuple(lexemes(text))
        if found:
            groups[-1].append(Term(fold(text), found, negated))
    kept = tuple(tuple(g) for g in groups if any(not t.negated for t in g))
    return SearchQuery(kept) if kept else None
