"""Smoke tests of the benchmarks' machinery, for correctness, never speed: the generator fills a
small database the pages can render (within their statement budget), the transition
benchmark's review cycle runs on the shipped definition, the synthetic definitions load, and
the search benchmark's dataset holds the lexemes the index would and can be searched."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import func, select

from bench.core import Options
from bench.definitions import definition_yaml
from bench.generate import Plan, generate
from bench.pages import SqlMeter, make_app, sign_in, time_page
from bench.profile import OTHER, layer_of, profile_fire
from bench.search import QUERIES, Corpus, build_dataset, measure_indexing, measure_queries
from bench.world import REVIEW_CYCLE, actors, bench_clock, build_world, case_in_federal_review
from workflow.definitions.directory import load_directory, load_verified
from workflow.engine import Engine
from workflow.persistence.models import AuditEvent, Case, Task

PAGES = (
    ("inbox", "/inbox?tab=mine"),
    ("region", "/regions/RU-R01"),
    ("federal", "/agreements?kind=regional_agreement&state=in_force&country=CN"),
)


@pytest.fixture
def small_plan():
    return Plan(agreements=300, users=400, regions=5, inbox_tasks=20, big_region_agreements=100)


def test_generated_database_has_the_planned_rows(db_url, small_plan):
    summary = generate(db_url, small_plan, verbose=False)
    engine = Engine.create(db_url, load_verified(None), clock=bench_clock(), sync=False)
    try:
        with engine.uow(write=False) as uow:
            cases = uow.session.scalar(select(func.count()).select_from(Case))
            audit = uow.session.scalar(select(func.count()).select_from(AuditEvent))
            inbox = uow.session.scalar(
                select(func.count())
                .select_from(Task)
                .where(Task.assignee_id == summary["users"]["inbox"], Task.status == "open")
            )
    finally:
        engine.dispose()
    assert cases == 300
    assert audit == summary["counts"]["audit_events"] and audit >= 300
    assert inbox == 20


@pytest.mark.parametrize(("user", "path"), PAGES)
def test_each_benchmarked_page_renders_within_five_statements(
    db_url, small_plan, tmp_path, user, path
):
    generate(db_url, small_plan, verbose=False)
    app, engine = make_app(db_url, str(tmp_path / "cache"))
    meter = SqlMeter()
    meter.install(engine.bind)
    try:
        timing = time_page(sign_in(app, user), meter, path, requests=2, warmup=1)
    finally:
        engine.dispose()
    assert 1 <= timing.statements <= 5


def test_the_review_cycle_returns_the_case_to_federal_review(db_url):
    engine = Engine.create(db_url, load_verified(None), clock=bench_clock())
    try:
        people = actors(engine, build_world(engine))
        case_id = case_in_federal_review(engine, people)
        versions = []
        for trigger, who, comment in REVIEW_CYCLE * 2:
            versions.append(engine.fire(case_id, trigger, people[who], comment=comment).version)
        with engine.uow(write=False) as uow:
            state = uow.session.scalar(select(Case.state).where(Case.id == case_id))
            open_tasks = uow.session.scalar(
                select(func.count())
                .select_from(Task)
                .where(Task.case_id == case_id, Task.status == "open")
            )
    finally:
        engine.dispose()
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert state == "federal_review"
    assert open_tasks == 3


def test_a_synthetic_fifty_state_definition_loads_without_problems(tmp_path):
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "synthetic.yaml").write_text(definition_yaml(1), encoding="utf-8")
    loaded = load_directory(tmp_path)
    assert not loaded.errors
    assert len(loaded.definitions["synthetic_0001"].states) == 50


def test_the_profile_splits_time_by_layer():
    assert layer_of("~", "<method 'execute' of 'sqlite3.Cursor' objects>") == "database driver"
    assert layer_of("/x/site-packages/psycopg/connection.py", "wait") == "database driver"
    assert layer_of("/x/site-packages/sqlalchemy/orm/session.py", "execute") == "SQLAlchemy"
    assert layer_of("/app/web/templates/inbox/inbox.html", "root") == "Jinja2 templates"
    assert layer_of("/app/web/pages/inbox.py", "inbox") == "pages (web/)"
    assert layer_of("/app/workflow/engine.py", "fire") == "engine (workflow/)"
    assert layer_of("/usr/lib/python3.11/json/encoder.py", "iterencode") == OTHER


def test_the_profile_of_the_review_cycle_names_the_engine(db_url):
    text = profile_fire(db_url, seconds=0.2)
    fires, _, rest = text.partition(" fires, ")
    assert int(fires.replace(",", "")) % len(REVIEW_CYCLE) == 0 and int(fires.replace(",", ""))
    assert "engine (workflow/)" in rest and "fire (workflow/engine.py:" in rest


def test_the_search_dataset_is_searchable_and_indexing_is_measured():
    with contextlib.ExitStack() as stack:
        options = Options(quick=True, verbose=False, stack=stack)
        data = build_dataset(options, "sqlite", 300)  # checks stems against lexemes() itself
        assert (data.versions, data.entries) == (600, 900)
        timings = measure_queries(options, data, repetitions=1)
        assert len(timings) == sum(len(qs) for _label, qs in QUERIES) * 3
        assert timings[("common word", "соглашение", "coordinator")].hits == 20
        assert timings[("common word, page 2", "соглашение", "coordinator")].hits == 20
        upload, index, stems, _words = measure_indexing(options, "sqlite", Corpus.make(200), 3)
        assert len(upload) == len(index) == len(stems) == 3
