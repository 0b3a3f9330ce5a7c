"""Dependencies point inward: the engine imports no web framework, scheduler or mail transport."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_import_contracts_are_kept():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(
        [lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


def test_transitions_is_imported_by_the_machine_module_only():
    users = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "workflow").rglob("*.py")
        if "from transitions" in path.read_text(encoding="utf-8")
        or "import transitions" in path.read_text(encoding="utf-8")
    )
    assert users == ["workflow/machine.py"]


def test_only_the_unit_of_work_commits():
    offenders = []
    for package in ("workflow", "web", "notifications"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "session.commit()" in text and path.name != "uow.py":
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
