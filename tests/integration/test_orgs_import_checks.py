"""``soglasie orgs import`` refuses what would quietly go wrong: a change of an organization's
kind, a calendar_code that names no calendar, a header naming a column twice and a quote never
closed, each as ``FILE:LINE: message`` with nothing imported."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.support.databases import stamp_head
from web.cli import main
from workflow.persistence.db import make_engine, make_session_factory
from workflow.persistence.models import Organization

HEADER = "code,kind,name_ru,name_en,name_native,parent_code,country,level,calendar_code,timezone\n"
GOOD = HEADER + (
    "RU-TA,region,Республика Татарстан,,,,,,RU-TA,Europe/Moscow\n"
    "RU-PRI,region,Приморский край,,,,,,RU-PRI,Asia/Vladivostok\n"
    "MFA,federal_body,МИД России,,,,,,,\n"
)


@pytest.fixture
def migrated(db_url):
    stamp_head(db_url)
    return db_url


def _import(db_url, tmp_path, text, name="orgs.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["orgs", "import", str(path), "--database-url", db_url])
    return path, result


def _kinds(db_url) -> dict[str, str]:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            return dict(session.execute(select(Organization.code, Organization.kind)).all())
    finally:
        engine.dispose()


def test_a_region_on_its_own_code_and_a_known_calendar_imports(migrated, tmp_path):
    _path, result = _import(migrated, tmp_path, GOOD)
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output


def test_a_change_of_kind_is_refused_with_its_line(migrated, tmp_path):
    _import(migrated, tmp_path, GOOD)
    again = HEADER + "MFA,region,МИД России,,,,,,,\nRU-TA,region,Татарстан,,,,,,RU-TA,\n"
    path, result = _import(migrated, tmp_path, again, "again.csv")
    assert result.exit_code == 1
    assert f"{path}:2: 'MFA' is a federal_body in the database; the file makes it a region" in (
        result.output
    )
    assert f"{path}:3:" not in result.output and "nothing imported" in result.output
    assert _kinds(migrated)["MFA"] == "federal_body"


def test_a_calendar_code_that_names_no_calendar_is_refused(migrated, tmp_path):
    typo = GOOD + "RU-SPE,region,Санкт-Петербург,,,,,,RU-SPB,\n"
    path, result = _import(migrated, tmp_path, typo)
    assert result.exit_code == 1
    assert f"{path}:5: calendar_code 'RU-SPB' names no calendar" in result.output
    assert "(known: RU-TA)" in result.output
    assert _kinds(migrated) == {}


def test_a_header_that_names_a_column_twice_is_refused(migrated, tmp_path):
    twice = "code,kind,name_ru,kind\nMFA,federal_body,МИД России,region\n"
    path, result = _import(migrated, tmp_path, twice)
    assert result.exit_code == 1
    assert f"{path}:1: column(s) named more than once: kind" in result.output


def test_an_unclosed_quote_is_refused_at_the_line_that_opened_it(migrated, tmp_path):
    unclosed = (
        GOOD + 'RU-AST,region,"Астраханская область,,,,,,,\nRU-KGD,region,Калининград,,,,,,,\n'
    )
    path, result = _import(migrated, tmp_path, unclosed)
    assert result.exit_code == 1
    assert f"{path}:5: a quoted field opened on this line is never closed" in result.output
    assert _kinds(migrated) == {}


def test_a_quoted_field_over_two_lines_is_still_one_field(migrated, tmp_path):
    multiline = (
        GOOD + 'RU-AST,region,"Астраханская\nобласть",,,,,,RU-AST,\nBAD,planet,Марс,,,,,,,\n'
    )
    path, result = _import(migrated, tmp_path, multiline)
    assert result.exit_code == 1
    assert f"{path}:7: kind 'planet'" in result.output  # counted from where its record starts
