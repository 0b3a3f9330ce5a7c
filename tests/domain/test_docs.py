"""docs/definitions.md stays in step with the shipped definitions: every diagram is the current
output of ``soglasie definitions diagram KEY`` and every parameter is listed with its value and
provenance."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from web.cli import main
from workflow.definitions.directory import load_verified

DOC = Path(__file__).resolve().parents[2] / "docs" / "definitions.md"
DEFINITIONS = load_verified().definitions


@pytest.mark.parametrize("key", sorted(DEFINITIONS))
def test_the_documented_diagram_is_the_generated_one(key):
    generated = CliRunner().invoke(main, ["definitions", "diagram", key])
    assert generated.exit_code == 0
    assert f"```mermaid\n{generated.output}```" in DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(DEFINITIONS))
def test_every_deadline_parameter_is_documented_with_its_provenance(key):
    text = DOC.read_text(encoding="utf-8")
    for parameter in DEFINITIONS[key].parameters.values():
        row = f"| `{parameter.name}` | {parameter.value.describe('en')} | {parameter.source} |"
        assert row in text, row


def test_the_shipped_definitions_check_without_errors_or_warnings():
    result = CliRunner().invoke(main, ["definitions", "check", "--strict"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("4 definition(s) loaded, 0 error(s), 0 warning(s)")
