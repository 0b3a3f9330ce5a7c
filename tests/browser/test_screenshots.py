"""Screenshots of the main pages at desktop and phone width, for a person to look at.

The test also checks what can be checked mechanically on each: the page renders without a
horizontal scrollbar at phone width, and without console errors (CSP violations show up there).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import sign_in
from tests.web import scenario

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


def _populate(live):
    engine, world, clock = live.engine, live.world, live.clock
    signed = scenario.create_regional(
        engine, world, "Соглашение о торгово-экономическом сотрудничестве"
    )
    scenario.to_registered(engine, world, clock, signed)
    scenario.adopted_plan(engine, world, signed)
    clock.set(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
    in_review = scenario.create_regional(
        engine, world, "Соглашение о сотрудничестве в области образования"
    )
    scenario.returned_and_resubmitted(engine, world, in_review)
    engine.fire(in_review, "approve", world.actor("mfa"))
    draft = scenario.create_regional(engine, world, "Проект соглашения о культурном обмене")
    clock.set(dt.datetime(2026, 6, 15, 6, 0, tzinfo=dt.UTC))
    return signed, in_review, draft


@pytest.mark.parametrize("size", sorted(SIZES))
def test_main_pages_render_cleanly_at_desktop_and_phone_width(live, new_page, screenshot_dir, size):
    signed, in_review, _draft = _populate(live)
    width, height = SIZES[size]
    pages = {
        "inbox": ("minec", "/inbox?tab=claimable"),
        "agreement": ("ini", f"/agreements/{in_review}"),
        "region": ("ini", "/regions/RU-TST"),
        "public": (None, "/public/regions/RU-TST"),
        "list": ("ini", "/agreements"),
        "dashboard": ("coord", "/dashboard"),
        "signed": ("ini", f"/agreements/{signed}"),
    }
    for name, (user, path) in pages.items():
        page = new_page(width, height)
        errors = []
        page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
        if user:
            sign_in(page, live, user)
        response = page.goto(live.at(path))
        assert response.status == 200, (name, response.status)
        page.screenshot(path=str(screenshot_dir / f"{name}-{size}.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name} scrolls sideways at {size} width by {overflow}px"
        assert errors == [], (name, errors)
        page.context.close()
