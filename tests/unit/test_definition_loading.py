"""Loading definitions: content hashes, line numbers, parameters and per-region overrides."""

from __future__ import annotations

from pathlib import Path

from workflow.definitions.directory import DEFAULT_DIRECTORY, load_directory
from workflow.definitions.loader import load_text
from workflow.seed.dataset import DEMO_PARAMETERS

VALID = Path(__file__).parents[1] / "fixtures" / "definitions" / "valid" / "review_loop.yaml"


def _text() -> str:
    return VALID.read_text(encoding="utf-8")


def test_comments_and_key_order_do_not_change_the_version_hash():
    original = load_text(_text(), "a.yaml").definition
    commented = load_text("# a new comment\n" + _text(), "b.yaml").definition
    assert original.content_hash == commented.content_hash


def test_a_changed_deadline_changes_the_version_hash():
    original = load_text(_text(), "a.yaml").definition
    changed = load_text(
        _text().replace("value: 30 calendar_days", "value: 20 calendar_days"), "a.yaml"
    ).definition
    assert original.content_hash != changed.content_hash


def test_star_sources_expand_to_every_non_terminal_state_except_the_listed_ones():
    text = _text() + (
        "  - trigger: escalate\n    from: '*'\n    except: [approved]\n    to: withdrawn\n"
        "    roles: [head]\n    title: {ru: Эскалация, en: Escalate}\n"
    )
    definition = load_text(text, "x.yaml").definition
    (spec,) = [t for t in definition.transitions if t.trigger == "escalate"]
    assert set(spec.sources) == {"drafting", "review", "revision"}


def test_region_overrides_change_a_parameter_for_that_region_only(tmp_path):
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "review_loop.yaml").write_text(_text(), encoding="utf-8")
    (tmp_path / "parameters").mkdir()
    (tmp_path / "parameters" / "RU-TA.yaml").write_text(
        "review_loop:\n  review_sla: {value: 20 calendar_days, source: practice, "
        "basis: regional regulation, act: {title: Regional decree, number: '12', "
        "date: 2024-05-20, article: p. 7}}\n",
        encoding="utf-8",
    )
    result = load_directory(tmp_path)
    assert result.problems == []
    assert str(result.parameter("review_loop", "review_sla", "RU-TA").value) == "20 calendar_days"
    assert str(result.parameter("review_loop", "review_sla", "RU-SPE").value) == "30 calendar_days"


def test_an_override_of_an_unknown_parameter_is_reported_with_its_line(tmp_path):
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "review_loop.yaml").write_text(_text(), encoding="utf-8")
    (tmp_path / "parameters").mkdir()
    (tmp_path / "parameters" / "RU-TA.yaml").write_text(
        "review_loop:\n  no_such: {value: 1 months, source: practice}\n", encoding="utf-8"
    )
    (problem,) = load_directory(tmp_path).problems
    assert (problem.rule, problem.element, problem.line) == (
        "unknown-parameter",
        "review_loop.no_such",
        2,
    )


def test_an_unsourced_override_is_reported_and_not_applied(tmp_path):
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "review_loop.yaml").write_text(_text(), encoding="utf-8")
    (tmp_path / "parameters").mkdir()
    (tmp_path / "parameters" / "RU-TA.yaml").write_text(
        "review_loop:\n  review_sla: {value: 20 calendar_days, source: practice}\n",
        encoding="utf-8",
    )
    result = load_directory(tmp_path)
    (problem,) = result.problems
    assert (problem.rule, problem.severity, problem.element, problem.line) == (
        "unsourced-override",
        "warning",
        "review_loop.review_sla",
        2,
    )
    assert "cites no act" in problem.message
    assert str(result.parameter("review_loop", "review_sla", "RU-TA").value) == "30 calendar_days"


def test_the_demo_applies_its_example_overrides_and_nothing_else_does():
    shipped = load_directory(DEFAULT_DIRECTORY)
    demo = load_directory(DEFAULT_DIRECTORY, DEMO_PARAMETERS)
    assert shipped.overrides == {}
    assert [p for p in shipped.problems if p.rule == "unsourced-override"] == []
    assert demo.problems == []
    filing = demo.parameter("twin_city_agreement", "filing_lead", "RU-TA")
    assert str(filing.value) == "60 calendar_days" and filing.act is None
    default = shipped.parameter("twin_city_agreement", "filing_lead", "RU-TA")
    assert str(default.value) == "45 calendar_days"
