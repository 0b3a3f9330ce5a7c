"""Where the shared corpus of real office files is (never copied into the project).

Beside the checkout (``<repo>/../shared/corpus``) where developers work; CI runs on a clean clone
somewhere else on the same machine, so the workplace's own copy (``/work/shared/corpus``) and
``SOGLASIE_TEST_CORPUS`` are looked at too. Tests that need it skip when none exists.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path:
    candidates = [
        os.environ.get("SOGLASIE_TEST_CORPUS"),
        _REPO.parent / "shared" / "corpus",
        "/work/shared/corpus",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "MANIFEST.md").is_file():
            return Path(candidate).resolve()
    return (_REPO.parent / "shared" / "corpus").resolve()


CORPUS = corpus_dir()
