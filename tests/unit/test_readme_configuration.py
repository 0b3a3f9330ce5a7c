"""The README's configuration table names every setting, so nobody learns one from the code."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from workflow.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
NOT_VARIABLES = {"extra", "env_named"}


def test_the_readme_lists_every_soglasie_variable_with_its_default():
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Configuration") :].split("\n\n")[2]
    rows = {line.split("|")[1].strip(" `"): line for line in table.splitlines()[2:]}
    wanted = {f"SOGLASIE_{f.name.upper()}" for f in fields(Settings)} - {
        f"SOGLASIE_{name.upper()}" for name in NOT_VARIABLES
    }
    missing = sorted(wanted - set(rows))
    assert not missing, f"not in the README's configuration table: {missing}"
    for name in wanted:
        default = rows[name].split("|")[2].strip()
        assert default, f"{name} has no default in the README"
