"""Every rule of the verifier has a deliberately broken file that reports exactly that rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workflow.definitions import verify as verify_module
from workflow.definitions.directory import load_directory
from workflow.definitions.loader import load_file
from workflow.definitions.verify import verify

INVALID = Path(__file__).parents[1] / "fixtures" / "definitions" / "invalid"
VALID = Path(__file__).parents[1] / "fixtures" / "definitions" / "valid"
FILES = sorted(INVALID.glob("*.yaml"))
LOADER_RULES = {"yaml-syntax", "unknown-key", "missing-key", "schema"}


def _problems(path: Path):
    loaded = load_file(path)
    if loaded.definition is None:
        return loaded.problems
    return verify(loaded.definition, loaded.lines)


def _documented_rules() -> set[str]:
    return set(re.findall(r"^([a-z-]+)\s{2,}", verify_module.__doc__, re.MULTILINE))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_broken_file_reports_exactly_its_rule(path):
    problems = _problems(path)
    assert {p.rule for p in problems} == {path.stem}
    for problem in problems:
        assert problem.file == str(path)
        assert problem.element
        assert problem.message


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_problem_points_at_a_line_when_the_element_exists(path):
    problems = _problems(path)
    if path.stem == "missing-key":  # the element is absent: there is no line to point at
        assert all(p.line is None for p in problems)
    else:
        assert all(p.line and p.line > 1 for p in problems)


def test_every_documented_rule_has_a_broken_fixture():
    rules_with_fixture = {p.stem for p in FILES}
    assert _documented_rules() | LOADER_RULES <= rules_with_fixture


def test_a_law_tag_must_quote_its_article_and_part():
    problems = _problems(INVALID / "law-without-quote.yaml")
    assert {p.element for p in problems} == {
        "parameters.drafting_time.article",
        "parameters.drafting_time.quote",
    }
    assert all(p.is_error for p in problems)


def test_a_state_mixing_federal_and_regional_roles_is_a_warning():
    (problem,) = _problems(INVALID / "mixed-calendars.yaml")
    assert problem.severity == "warning" and problem.element == "states.review"


def test_a_missing_deadline_is_a_warning_not_an_error():
    (problem,) = _problems(INVALID / "task-without-deadline.yaml")
    assert problem.severity == "warning" and not problem.is_error


def test_the_folder_check_reports_every_file_and_refuses():
    result = load_directory(INVALID)
    assert {p.rule for p in result.problems} == {p.stem for p in FILES}
    assert len(result.errors) >= len(FILES) - 2  # task-without-deadline, mixed-calendars warn


def test_two_files_with_one_key_are_a_duplicate(tmp_path):
    text = (VALID / "review_loop.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    result = load_directory(tmp_path)
    (problem,) = result.problems
    assert problem.rule == "duplicate-key" and problem.file.endswith("b.yaml")
    assert problem.line is not None


def test_the_fixture_definition_is_clean():
    result = load_directory(VALID)
    assert result.problems == []


def test_a_yaml_syntax_error_names_the_file_not_a_stream():
    (problem,) = _problems(INVALID / "yaml-syntax.yaml")
    assert "<unicode string>" not in problem.message
    assert "yaml-syntax.yaml" in problem.message
