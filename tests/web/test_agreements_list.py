"""The agreements list: filters, search (Cyrillic, any case, both databases), pages, CSV."""

from __future__ import annotations

import csv
import io
import re

from tests.web import scenario
from workflow.queries.cases import filter_options


def _titles(html: str) -> list[str]:
    return re.findall(r'class="cell-title" href="/agreements/\d+">([^<]+)<', html)


def _three_agreements(engine, world, clock):
    signed = scenario.create_regional(engine, world, "Соглашение с Хэйлунцзяном о торговле")
    scenario.to_registered(engine, world, clock, signed)
    review = scenario.create_regional(engine, world, "Соглашение об образовании")
    scenario.to_federal_review(engine, world, review)
    other = engine.create_case(
        world.actor("other"),
        "regional_agreement",
        fields={"title": "Соглашение другой области", "partner": {"country": "DE"}},
    )
    return signed, review, other.id


def test_search_matches_titles_and_partner_names_whatever_the_case(
    engine, web_world, signed_in, clock
):
    _three_agreements(engine, web_world, clock)
    mfa = signed_in("mfa")  # a federal body sees every region
    assert _titles(mfa.get("/agreements?q=ТОРГОВЛЕ").get_data(as_text=True)) == [
        "Соглашение с Хэйлунцзяном о торговле"
    ]
    by_partner = _titles(mfa.get("/agreements?q=провинция").get_data(as_text=True))
    assert len(by_partner) == 2  # "Провинция Хэйлунцзян" is the partner of both
    assert _titles(mfa.get("/agreements?q=100%25").get_data(as_text=True)) == []


def test_filters_narrow_the_list(engine, web_world, signed_in, clock):
    _three_agreements(engine, web_world, clock)
    mfa = signed_in("mfa")
    assert len(_titles(mfa.get("/agreements").get_data(as_text=True))) == 3
    region = web_world.org_id("RU-TST")
    assert len(_titles(mfa.get(f"/agreements?region={region}").get_data(as_text=True))) == 2
    assert _titles(mfa.get("/agreements?country=DE").get_data(as_text=True)) == [
        "Соглашение другой области"
    ]
    assert _titles(mfa.get("/agreements?state=federal_review").get_data(as_text=True)) == [
        "Соглашение об образовании"
    ]
    clock.advance(days=60)
    overdue = _titles(mfa.get("/agreements?overdue=1").get_data(as_text=True))
    assert "Соглашение об образовании" in overdue
    mine = _titles(signed_in("other").get("/agreements?mine=1").get_data(as_text=True))
    assert mine == ["Соглашение другой области"]


def test_a_region_sees_only_its_own_agreements(engine, web_world, signed_in, clock):
    _three_agreements(engine, web_world, clock)
    titles = _titles(signed_in("ini").get("/agreements").get_data(as_text=True))
    assert sorted(titles) == ["Соглашение об образовании", "Соглашение с Хэйлунцзяном о торговле"]


def test_the_list_is_paginated(engine, web_world, signed_in):
    for n in range(27):
        engine.create_case(web_world.actor("ini"), "regional_agreement", fields={"title": f"№{n}"})
    ini = signed_in("ini")
    first = ini.get("/agreements").get_data(as_text=True)
    assert len(_titles(first)) == 25 and "Page 1 of 2" in first
    assert len(_titles(ini.get("/agreements?page=2").get_data(as_text=True))) == 2
    assert _titles(ini.get("/agreements?page=9").get_data(as_text=True)) == []


def test_the_csv_export_has_the_filtered_rows_for_excel(engine, web_world, signed_in, clock):
    _three_agreements(engine, web_world, clock)
    response = signed_in("ini").get("/agreements.csv?q=образ")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Number", "Kind", "Title"]
    assert len(rows) == 2 and rows[1][2] == "Соглашение об образовании"
    assert rows[1][8] == "Federal review"


def test_the_country_filter_offers_the_countries_of_the_cases_one_may_see(engine, web_world, clock):
    _three_agreements(engine, web_world, clock)
    with engine.uow(write=False) as uow:
        federal = filter_options(uow.session, web_world.actor("mfa")).countries
        other_region = filter_options(uow.session, web_world.actor("other")).countries
    assert federal == ["CN", "DE"]  # every case's partner, found by the loose index scan
    assert other_region == ["DE"]  # only her own cases
