"""A highlighted extract of a hit, the same on both backends.

Computed in Python from the entry's ``body`` for the rows of one page only, so PostgreSQL's
``ts_headline`` (which would differ from anything SQLite can make) is never used. The extract
is a window of about ``WORDS`` words around the first word whose lexemes the query looks for;
every word that matches is wrapped in ``<mark>``, everything else is HTML-escaped, so the result
is safe to insert into a page as is.

Cost (issue 12's benchmark, ``bench/search.py``): tokenizing a whole document (stemming every
word in Python) took ~10 ms for a text of a few pages, 20 hits made a page take 200–400 ms. The
body is now tokenized in pieces cut at whitespace (no token spans whitespace, so the pieces'
tokens are exactly the whole text's), and only the pieces around the first hit: a piece that
cannot hold a hit is skipped without tokenizing it, because every wanted lexeme is a substring
of the folded word it comes from (the Russian stemmer only strips endings; numbers, hosts,
paths are kept whole), except English stems (``happi``): with one of those wanted, every piece
up to the first hit is tokenized. The output is the same as tokenizing the whole body.
"""

from __future__ import annotations

from html import escape

from workflow.search.text import Token, fold, tokens

WORDS = 30
ELLIPSIS = "…"
PIECE = 600  # characters: a piece ends at the first whitespace after this many


def _pieces(body: str) -> list[tuple[int, int]]:
    """(start, end) of consecutive pieces of ``body``, each cut just before a whitespace."""
    out, start, n = [], 0, len(body)
    while start < n:
        end = start + PIECE
        while end < n and not body[end].isspace():
            end += 1
        out.append((start, min(end, n)))
        start = end
    return out


def _tokens_around_first_hit(
    body: str, wanted: frozenset[str], words: int
) -> tuple[list[Token], bool, bool]:
    """A run of consecutive tokens of ``body``: from its start or at least ``words`` before the
    first hit, to its end or at least ``words`` after it (the first hit being the first token
    when there is none); and whether the run starts at the first token and ends at the last."""
    pieces = _pieces(body)
    if not pieces:
        return [], True, True
    cache: dict[int, list[Token]] = {}

    def piece_tokens(index: int) -> list[Token]:
        if index not in cache:
            start, end = pieces[index]
            cache[index] = [
                Token(t.start + start, t.end + start, t.lexemes) for t in tokens(body[start:end])
            ]
        return cache[index]

    checkable = not any(x.isascii() and x.isalpha() for x in wanted)  # no English stems
    hit_piece, hit_at = None, 0
    for index, (start, end) in enumerate(pieces):
        if checkable:
            folded = fold(body[start:end])
            if not any(x in folded for x in wanted):
                continue
        found = piece_tokens(index)
        at = next((i for i, t in enumerate(found) if wanted.intersection(t.lexemes)), None)
        if at is not None:
            hit_piece, hit_at = index, at
            break
    low = high = hit_piece if hit_piece is not None else 0
    before = hit_at if hit_piece is not None else 0
    after = len(piece_tokens(low)) - before - 1
    while low > 0 and before < words:
        low -= 1
        before += len(piece_tokens(low))
    while high < len(pieces) - 1 and after < words:
        high += 1
        after += len(piece_tokens(high))
    run = [t for index in range(low, high + 1) for t in piece_tokens(index)]
    return run, low == 0, high == len(pieces) - 1


def snippet(body: str, wanted: frozenset[str], words: int = WORDS) -> str:
    """HTML: the window of ``body`` around its first hit (its start when none)."""
    found, from_start, to_end = _tokens_around_first_hit(body, wanted, words)
    if not found and from_start and to_end:
        return escape(body[:300])
    hits = [i for i, t in enumerate(found) if wanted.intersection(t.lexemes)]
    first = hits[0] if hits else 0
    start = max(0, first - words // 3)
    end = min(len(found), start + words)
    start = max(0, end - words)
    begin = found[start].start if start > 0 or not from_start else 0
    finish = found[end - 1].end if end < len(found) or not to_end else len(body)
    out = [ELLIPSIS] if begin > 0 else []
    position = begin
    marked = set(hits)
    for index in range(start, end):
        token = found[index]
        if index not in marked:
            continue
        out.append(escape(body[position : token.start]))
        out.append(f"<mark>{escape(body[token.start : token.end])}</mark>")
        position = token.end
    out.append(escape(body[position:finish]))
    if finish < len(body):
        out.append(ELLIPSIS)
    return "".join(out).strip()
