"""The search page and the header's search box."""

from __future__ import annotations

from tests.web import scenario


def test_the_search_page_shows_highlighted_hits_of_visible_cases_only(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world, "Соглашение о научном сотрудничестве")
    page = signed_in("ini").get("/search?q=сотрудничество").get_data(as_text=True)
    assert f'href="/agreements/{case_id}"' in page
    assert "<mark>сотрудничестве</mark>" in page
    other = signed_in("other").get("/search?q=сотрудничество").get_data(as_text=True)
    assert f'href="/agreements/{case_id}"' not in other and "Nothing found." in other


def test_every_signed_in_page_has_the_search_box(web_world, signed_in):
    page = signed_in("ini").get("/inbox").get_data(as_text=True)
    assert 'action="/search"' in page and 'name="q"' in page


def test_hostile_query_text_renders_a_page(web_world, signed_in):
    browser = signed_in("ini")
    for q in ('"', "NEAR(", "* AND OR -", "<script>", "a" * 500):
        assert browser.get("/search", query_string={"q": q}).status_code == 200
