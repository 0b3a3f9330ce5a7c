"""Printable papers built from the engine's data: the approval sheet (PDF) and the register of
agreements (XLSX).

Each paper's words and layout live in a YAML file under ``web/papers/templates/`` that a person
can read and change (labels in Russian and English, columns and widths); the Python modules only
draw. The data comes from the read side (``workflow.queries``) as plain data.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("ru", "en")


@lru_cache(maxsize=8)
def _load(name: str, mtime: float) -> dict[str, Any]:
    with (TEMPLATES / f"{name}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def template(name: str) -> dict[str, Any]:
    """The parsed template, read again when its file changes (an edit shows on the next
    download, no restart)."""
    path = TEMPLATES / f"{name}.yaml"
    return _load(name, path.stat().st_mtime)


def paper_language(language: str | None) -> str:
    return language if language in LANGUAGES else "ru"
