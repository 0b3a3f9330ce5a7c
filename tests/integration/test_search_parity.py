"""SQLite and PostgreSQL find the same things: the same (case, source) hits for a fixed set of
queries over a fixed dataset, and the same lexemes for a corpus of texts. Skipped without
PostgreSQL (``SOGLASIE_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support.databases import fresh_sqlite, truncate_all
from tests.support.world import build_world
from workflow.engine import Engine
from workflow.persistence.search import FOLD_SQL
from workflow.queries.search import search
from workflow.search.index import index_document
from workflow.search.text import lexemes

DATASET = [
    (
        "Соглашение о торгово-экономическом и научно-техническом сотрудничестве",
        "Agreement on trade",
    ),
    ("Меморандум о сотрудничестве в области культуры", "Memorandum of understanding"),
    ("Соглашение о побратимских связях между городами", "Twin cities agreement"),
    ("План мероприятий на 2026–2027 годы", None),
    ("Соглашение об установлении дружественных связей с Москва́", "Friendship organization"),
]
DOCUMENT = (
    "Стороны, руководствуясь Федеральным законом № 4-ФЗ от 04.01.1999, содействуют развитию "
    "прямых связей между хозяйствующими субъектами, научными и образовательными организациями, "
    "включая обмен делегациями и проведение выставок (пункт 3.6/1). Контакты: info@tatar.ru, "
    "www.tatarstan.ru. The Parties shall encourage cooperation between organizations."
)
QUERIES = [
    "соглашение",
    "соглашения",
    "сотрудничество",
    "научно-техническое",
    "торговый",
    '"научно-техническом сотрудничестве"',
    "Москва",
    "связи",
    "побратим",
    "мероприятие",
    "культура",
    "2026",
    "4-ФЗ",
    "04.01.1999",
    "3.6/1",
    "info@tatar.ru",
    "tatarstan.ru",
    "organization",
    "agreements",
    "cooperation -trade",
    "соглашение -меморандум",
    "культуры or побратимских",
    "выставка делегация",
    '"обмен делегациями"',
    "и",
    "-и",
    "the of",
    "ёлка",
    "контакты",
    "прямых",
    "хозяйствующими субъектами",
]


def _fill(engine):
    world = build_world(engine)
    ini = world.actor("ini")
    ids = []
    for title, partner_title in DATASET:
        fields = {"title": title, **({"title_partner": partner_title} if partner_title else {})}
        ids.append(engine.create_case(ini, "review_loop", fields=fields).id)
    with engine.uow() as uow:
        index_document(uow.session, ids[0], "ru", 1, DOCUMENT)
        uow.commit()
    engine.fire(ids[1], "withdraw", ini, comment="Отозвано: партнёр просит изменить текст")
    hits = {}
    with engine.uow(write=False) as uow:
        for q in QUERIES:
            page = search(uow.session, ini, q, 100)
            hits[q] = {(ids.index(h.case_id), h.source, h.source_key) for h in page.hits}
    return hits


@pytest.fixture
def pg_url(postgres_url):
    if postgres_url is None:
        pytest.skip("PostgreSQL not configured (set SOGLASIE_TEST_POSTGRES_URL)")
    truncate_all(postgres_url)
    return postgres_url


def test_the_same_queries_find_the_same_hits_on_sqlite_and_postgresql(
    pg_url, tmp_path, clock, fixture_definitions
):
    found = {}
    for name, url in (("sqlite", fresh_sqlite(tmp_path / "s.db")), ("postgres", pg_url)):
        engine = Engine.create(url, fixture_definitions, clock=clock)
        try:
            found[name] = _fill(engine)
        finally:
            engine.dispose()
    assert found["sqlite"] == found["postgres"]
    assert sum(map(len, found["sqlite"].values())) > 20  # the comparison is not of empty sets


CORPUS = [
    DOCUMENT,
    *(t for pair in DATASET for t in pair if t),
    "Ростов-на-Дону, Санкт-Петербург, IT-технологии, COVID-19, план-2027, 10-ти, 19covid",
    "İstanbul, Türkiye, café, 黑龙江省人民政府, Thành phố Hồ Chí Minh, ½ x² ⅻ",
    "e.g. U.S. a.b.c x.1 /usr/local/x.txt 1/2 -3.5 1.5.2 ab_cd O'Brien e-mail https://mid.ru/a/b",
    "Её ЁЛКА ещё всё Москва́ научно-техническое internal organization intervals added",
]


@pytest.mark.parametrize("sample", CORPUS)
def test_the_sqlite_lexemes_are_postgresqls(pg_url, sample):
    from sqlalchemy import create_engine

    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            expected = conn.execute(
                text(
                    "SELECT array(SELECT lexeme FROM unnest(to_tsvector('russian', "
                    + FOLD_SQL.replace("body", ":body")
                    + ")) ORDER BY 1)"
                ),
                {"body": sample},
            ).scalar()
    finally:
        engine.dispose()
    assert sorted(set(lexemes(sample))) == sorted(expected)
