"""Snowball 2.2's English stemmer, the one PostgreSQL 12-17 use for ASCII words.

PyStemmer and snowballstemmer 3.x carry Snowball 3, whose English algorithm stems differently
("organization": 2.2 "organ", 3.x "organiz"; "internal": "intern" / "internal"), which would
make SQLite and PostgreSQL disagree on English words. The three modules here are copied
unchanged from snowballstemmer 2.2.0 (BSD-3-Clause, ``COPYING``). Russian is not vendored:
PyStemmer's Russian stems a corpus of the project's texts exactly as PostgreSQL 15 does
(``tests/integration/test_search_parity.py``).
"""

from workflow.search.snowball22.english_stemmer import EnglishStemmer

__all__ = ["EnglishStemmer"]
