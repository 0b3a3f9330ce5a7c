"""Issue 13 in Chromium: a person picks the partner's country by its name, sees the edit form
grouped by stage, and a refused value is explained in Russian under its own field (which
points at the explanation). Screenshots go to /tmp/words13-*.png for a person to look at."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import sign_in
from tests.web import scenario

pytestmark = pytest.mark.browser


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def test_the_edit_form_picks_names_and_explains_refusals_under_the_field(live, new_page):
    case_id = scenario.create_regional(live.engine, live.world)
    scenario.to_drafting(live.engine, live.world, case_id)
    page = new_page(1366, 900)
    errors = _console_errors(page)
    sign_in(page, live, "ini")
    page.goto(live.at(f"/agreements/{case_id}"))
    page.locator("#fields details.edit-block > summary").click()
    form = page.locator('form[action$="/fields"]')
    legends = form.locator("fieldset.field-group > legend").all_inner_texts()
    assert legends[0].startswith("Подготовка") and legends[-1] == "Прочие сведения"
    # The country by its Russian name; the page then reads it back by name.
    form.locator('[name="f.partner.country"]').select_option(label="Казахстан")
    page.screenshot(path="/tmp/words13-edit-form.png", full_page=True)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Казахстан (KZ)" in page.locator("#fields dl.facts").inner_text()

    # A value no picker offers (a hand-made form): the refusal sits under its field.
    page.locator("#fields details.edit-block > summary").click()
    page.evaluate(
        "() => { const s = document.querySelector('#e-f-partner-country');"
        " s.add(new Option('China', 'China', true, true)); }"
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.locator("#fields details.edit-block > summary").click()
    country = page.locator("#e-f-partner-country")
    described = country.get_attribute("aria-describedby").split()[0]
    assert page.locator(f"#{described}").inner_text() == "Выберите страну из списка."
    assert country.get_attribute("aria-invalid") == "true"
    country.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/words13-edit-error.png", full_page=True)
    assert "ISO 3166" not in page.content()
    assert not errors, errors


def test_the_dashboard_and_the_public_page_read_plainly(live, new_page):
    engine, world, clock = live.engine, live.world, live.clock
    case_id = scenario.create_regional(engine, world)
    scenario.to_registered(engine, world, clock, case_id)
    scenario.adopted_plan(engine, world, case_id)
    clock.set(dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC))
    page = new_page(1366, 900)
    errors = _console_errors(page)
    page.goto(live.at("/public/regions/RU-TST"))
    flagged = page.locator("text=срок прошёл, выполнение не отмечено")
    assert flagged.count() == 1
    page.screenshot(path="/tmp/words13-public.png", full_page=True)
    sign_in(page, live, "coord")
    page.goto(live.at("/dashboard"))
    times = page.locator("section:has(h2:text('Время на каждом этапе'))")
    assert "рабочих дней" in times.inner_text()
    page.screenshot(path="/tmp/words13-dashboard.png", full_page=True)
    page.goto(live.at("/agreements"))
    groups = page.locator("#state optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert "Соглашение субъекта РФ с иностранным партнёром" in groups
    countries = page.locator("#country option").all_inner_texts()
    assert "Китай" in countries and "CN" not in countries
    assert not errors, errors
