"""The ``soglasie`` command line, end to end against a real database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.support.databases import stamp_head
from web.cli import main
from workflow.passwords import verify
from workflow.persistence.db import make_engine, make_session_factory
from workflow.persistence.models import Organization, User

FIXTURES = Path(__file__).parents[1] / "fixtures"

ORGS_CSV = """code,kind,name_ru,name_en,name_native,parent_code,country,level,calendar_code,timezone
RU-TA,region,Республика Татарстан,Republic of Tatarstan,,,,,RU-TA,Europe/Moscow
RU-TA-KAZAN,municipality,Казань,Kazan,Казан,RU-TA,,,,
MFA,federal_body,МИД России,MFA of Russia,,,,,,
CN-HLJ,foreign_partner,Провинция Хэйлунцзян,Heilongjiang,黑龙江省,,CN,province,,
"""


def _run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def _count(db_url, model):
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


@pytest.fixture
def migrated(db_url):
    stamp_head(db_url)
    return db_url


def test_db_upgrade_creates_the_schema_on_a_new_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = _run("db", "upgrade", "--database-url", url)
    assert result.exit_code == 0, result.output
    assert _count(url, Organization) == 0


def test_commands_refuse_a_database_that_was_never_upgraded(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = CliRunner().invoke(main, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 1 and "soglasie db upgrade" in result.output


def test_definitions_check_prints_every_problem_and_exits_1():
    result = CliRunner().invoke(
        main, ["definitions", "check", str(FIXTURES / "definitions" / "invalid")]
    )
    assert result.exit_code == 1
    assert "unknown-state.yaml:" in result.output and "[ambiguous-transition]" in result.output


def test_definitions_check_passes_a_clean_folder():
    result = _run("definitions", "check", str(FIXTURES / "definitions" / "valid"))
    assert "0 error(s)" in result.output


def test_definitions_diagram_highlights_a_state():
    result = _run(
        "definitions",
        "diagram",
        "review_loop",
        "--highlight",
        "review",
        "--directory",
        str(FIXTURES / "definitions" / "valid"),
    )
    assert "class review current" in result.output


def test_definitions_diagram_names_the_known_keys_for_a_typo():
    result = CliRunner().invoke(
        main,
        [
            "definitions",
            "diagram",
            "reviewloop",
            "--directory",
            str(FIXTURES / "definitions" / "valid"),
        ],
    )
    assert result.exit_code == 1 and "review_loop" in result.output


def test_orgs_import_then_users_create_with_a_password_from_stdin(migrated, tmp_path):
    csv_file = tmp_path / "orgs.csv"
    csv_file.write_text(ORGS_CSV, encoding="utf-8")
    result = _run("orgs", "import", str(csv_file), "--database-url", migrated)
    assert "4 created, 0 updated" in result.output
    result = _run(
        "users",
        "create",
        "tat.initiator",
        "--org",
        "RU-TA",
        "--role",
        "initiator",
        "--role",
        "legal_office",
        "--email",
        "i@tatar.test",
        "--password-stdin",
        "--database-url",
        migrated,
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(migrated)
    try:
        with make_session_factory(engine)() as session:
            user = session.scalar(select(User).where(User.username == "tat.initiator"))
            assert user.role_names == {"initiator", "legal_office"}
            assert verify(user.password_hash, "correct horse battery") == (True, False)
            kazan = session.scalar(select(Organization).where(Organization.code == "RU-TA-KAZAN"))
            assert kazan.parent.code == "RU-TA"
    finally:
        engine.dispose()


def test_orgs_import_with_a_bad_line_names_it_and_imports_nothing(migrated, tmp_path):
    bad = ORGS_CSV + "RU-XX-TOWN,municipality,Городок,,,RU-NOWHERE,,,,\nBAD,planet,Марс,,,,,,,\n"
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(main, ["orgs", "import", str(csv_file), "--database-url", migrated])
    assert result.exit_code == 1
    assert f"{csv_file}:6: parent_code 'RU-NOWHERE'" in result.output
    assert f"{csv_file}:7: kind 'planet'" in result.output
    assert "nothing imported" in result.output
    assert _count(migrated, Organization) == 0


def test_users_create_refuses_an_unknown_organization(migrated):
    result = CliRunner().invoke(
        main,
        [
            "users",
            "create",
            "someone",
            "--org",
            "NOPE",
            "--role",
            "initiator",
            "--database-url",
            migrated,
        ],
    )
    assert result.exit_code == 1 and "NOPE" in result.output


def test_users_create_refuses_a_short_password(migrated, tmp_path):
    csv_file = tmp_path / "orgs.csv"
    csv_file.write_text(ORGS_CSV, encoding="utf-8")
    _run("orgs", "import", str(csv_file), "--database-url", migrated)
    result = CliRunner().invoke(
        main,
        [
            "users",
            "create",
            "shorty",
            "--org",
            "MFA",
            "--role",
            "mfa_reviewer",
            "--password-stdin",
            "--database-url",
            migrated,
        ],
        input="short\n",
    )
    assert result.exit_code == 1 and "at least 12 characters" in result.output


def test_the_orgs_import_module_documents_its_columns():
    from workflow.services import orgs

    header = io.StringIO(ORGS_CSV).readline().strip().split(",")
    assert tuple(header) == orgs.COLUMNS
