"""soglasie's benchmarks: how fast it is against the physical limit of its database, at
realistic scale. ``python -m bench`` runs them all; see ``bench/__main__.py`` and the README's
"Performance" section.

Each module has a ``NAME`` and a ``run(options) -> list[Figure]``.
"""

from __future__ import annotations

import importlib


class _Lazy:
    """A benchmark module imported only when it runs (``--only`` pays for nothing else)."""

    def __init__(self, module: str):
        self.module = module

    def run(self, options):
        return importlib.import_module(self.module).run(options)


BENCHMARKS = {
    "transitions": _Lazy("bench.transitions"),
    "reads": _Lazy("bench.reads"),
    "reminders": _Lazy("bench.reminders"),
    "http": _Lazy("bench.http"),
    "memory": _Lazy("bench.memory"),
    "definitions": _Lazy("bench.definitions"),
    "papers": _Lazy("bench.papers"),
    "search": _Lazy("bench.search"),
}
