"""A definition that demands a new version before resubmitting (the ``new_text_version``
guard): the engine refuses unchanged texts whatever is posted, and the page shows the step
disabled with the reason and a link to the upload form instead of a confirmation."""

from __future__ import annotations

import shutil

import pytest

from tests.web import scenario
from workflow.definitions.directory import DEFAULT_DIRECTORY, load_directory
from workflow.errors import TransitionNotAllowed
from workflow.persistence.models import Case

RESUBMIT = """  - trigger: resubmit
    from: conciliation
    to: federal_review
    roles: [initiator]
    title: {ru: Направить доработанный проект, en: Resubmit the revised draft}
"""


@pytest.fixture(scope="module")
def shipped_definitions(tmp_path_factory):
    """The shipped definitions, with the regional agreement's resubmission guarded."""
    root = tmp_path_factory.mktemp("guarded") / "definitions"
    shutil.copytree(DEFAULT_DIRECTORY, root)
    path = root / "workflows" / "regional_agreement.yaml"
    text = path.read_text(encoding="utf-8")
    assert RESUBMIT in text
    path.write_text(
        text.replace(RESUBMIT, RESUBMIT + "    guards: [new_text_version]\n"), encoding="utf-8"
    )
    return load_directory(root).raise_for_errors()


def _returned(engine, world) -> int:
    case_id = scenario.create_regional(engine, world)
    scenario.to_federal_review(engine, world, case_id)
    engine.fire(case_id, "return_for_revision", world.actor("minec"), comment="Статья 2.")
    return case_id


def _state(engine, case_id) -> str:
    with engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id).state


def test_the_engine_refuses_to_resubmit_unchanged_texts(engine, web_world):
    case_id = _returned(engine, web_world)
    ini = web_world.actor("ini")
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(case_id, "resubmit", ini)
    assert [r.reason for r in refused.value.refusals] == ["no_new_version"]
    assert refused.value.refusals[0].details["round"] == 1
    engine.add_document(case_id, ini, "zh", scenario.TEXT_ZH + "第四条\n")
    engine.fire(case_id, "resubmit", ini)
    assert _state(engine, case_id) == "federal_review"


def test_the_page_shows_the_step_disabled_with_the_reason_and_the_upload_link(
    engine, web_world, signed_in
):
    case_id = _returned(engine, web_world)
    ini = signed_in("ini")
    html = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    form = html[html.rindex("<form", 0, html.index('value="resubmit"')) :]
    form = form[: form.index("</form>")]
    assert 'name="confirm_unchanged"' not in form  # refused, not confirmed
    assert "disabled" in form.split("<button", 1)[1].split(">", 1)[0]
    why = form.split('id="why-resubmit"', 1)[1].split("</p>", 1)[0]
    assert "No text has a new version since review round 1 returned the draft" in why
    assert '<a href="#documents">Upload the text</a>' in why
    assert "Статья 2." in form  # the remarks are there all the same
    # posting anyway, even "confirmed", is refused by the engine with the same words
    with engine.uow(write=False) as uow:
        version = uow.session.get(Case, case_id).version
    response = ini.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "resubmit", "expected_version": version, "confirm_unchanged": "1"},
    )
    page = ini.get(response.headers["Location"]).get_data(as_text=True)
    assert "No text has a new version since review round 1" in page.split('id="actions"')[0]
    assert _state(engine, case_id) == "conciliation"
