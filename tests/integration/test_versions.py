"""Definition versions: running cases keep the procedure they started on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.integration.helpers import drafted_case, submitted_case
from workflow.definitions.directory import load_directory
from workflow.engine import Engine
from workflow.persistence.models import Case, DefinitionVersion, Task

VALID = Path(__file__).parents[1] / "fixtures" / "definitions" / "valid"


def _edited_definitions(tmp_path):
    """The review_loop procedure with a shorter review, a single reviewer role and a new name."""
    text = (VALID / "review_loop.yaml").read_text(encoding="utf-8")
    text = text.replace("value: 30 calendar_days", "value: 15 calendar_days")
    text = text.replace(
        "reviewers: [mfa, minec, sector], rule: all", "reviewers: [mfa, minec, sector], rule: any"
    )
    folder = tmp_path / "edited"
    folder.mkdir()
    (folder / "review_loop.yaml").write_text(text, encoding="utf-8")
    return load_directory(folder).raise_for_errors()


def _case(engine, case_id):
    with engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id)


def test_editing_the_yaml_creates_a_new_version_and_running_cases_keep_theirs(
    engine, world, db_url, clock, tmp_path
):
    in_review = submitted_case(engine, world)
    in_drafting = drafted_case(engine, world)
    old_version = _case(engine, in_review).definition_id

    restarted = Engine.create(db_url, _edited_definitions(tmp_path), clock=clock)
    try:
        with restarted.uow(write=False) as uow:
            versions = list(
                uow.session.scalars(
                    select(DefinitionVersion.number)
                    .where(DefinitionVersion.key == "review_loop")
                    .order_by(DefinitionVersion.number)
                )
            )
        assert versions == [1, 2]
        new_case = restarted.create_case(
            world.actor("ini"), "review_loop", fields={"title": "Новое", "languages": ["ru"]}
        )
        assert _case(restarted, new_case.id).definition_id != old_version

        # The old case still needs all three reviewers (rule "all" in version 1).
        first = restarted.fire(in_review, "approve", restarted.actor(world.user_id("mfa")))
        assert not first.moved

        # The case still in drafting is also pinned to version 1: its review lasts 30 days.
        restarted.fire(in_drafting, "submit", restarted.actor(world.user_id("ini")))
        with restarted.uow(write=False) as uow:
            due = {
                t.due_on.isoformat()
                for t in uow.session.scalars(
                    select(Task).where(Task.case_id == in_drafting, Task.status == "open")
                )
            }
        assert due == {"2026-04-01"}
    finally:
        restarted.dispose()


def test_loading_the_same_content_again_adds_no_version(engine, db_url, clock, fixture_definitions):
    again = Engine.create(db_url, fixture_definitions, clock=clock)
    try:
        with again.uow(write=False) as uow:
            count = len(list(uow.session.scalars(select(DefinitionVersion.id))))
        assert count == 1
    finally:
        again.dispose()


def test_a_pinned_version_is_rebuilt_from_its_stored_text(engine, world, db_url, clock, tmp_path):
    case_id = submitted_case(engine, world)
    definition_id = _case(engine, case_id).definition_id
    fresh = Engine.create(db_url, _edited_definitions(tmp_path), clock=clock)
    try:
        with fresh.uow(write=False) as uow:
            version = fresh.catalog.get(definition_id, uow.session)
        assert version.definition.states["review"].review.rule == "all"
    finally:
        fresh.dispose()
