"""Full-text search (``workflow.queries.search``) on both backends: morphology, visibility,
the index following changes in their transaction, hostile query syntax and pagination."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from workflow.persistence.search import SearchEntry
from workflow.queries.search import search
from workflow.search.index import index_document, put_entry

TEXT = (
    "Стороны развивают научно-техническое сотрудничество и заключают контракт. "
    "Настоящее соглашение вступает в силу с даты подписания. Москва́ — место подписания."
)


def _case(engine, world, title="Соглашение о сотрудничестве", **fields):
    return engine.create_case(
        world.actor("ini"), "review_loop", fields={"title": title, **fields}
    ).id


def _hits(engine, world, q, username="ini", limit=50):
    with engine.uow(write=False) as uow:
        page = search(uow.session, world.actor(username), q, limit)
    return {(h.case_id, h.source) for h in page.hits}


def _with_document(engine, case_id, text=TEXT, language="ru", number=1):
    with engine.uow() as uow:
        index_document(uow.session, case_id, language, number, text)
        uow.commit()


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("соглашение", "Проект соглашения"),
        ("соглашение", "о соглашении сторон"),
        ("сотрудничество", "программа сотрудничества"),
        ("контракты", "заключают контракт"),
        ("Москва", "в городе Москва́"),
        ("научно-техническое", "научно-технического характера"),
        ("ёлка", "елка"),
        ("agreements", "the Agreement"),
    ],
)
def test_a_word_finds_its_other_forms(engine, world, query, text):
    case_id = _case(engine, world, title=f"Заголовок: {text}")
    assert (case_id, "title") in _hits(engine, world, query)


def test_titles_partner_titles_documents_and_comments_are_all_searched(engine, world):
    case_id = _case(engine, world, title="Меморандум", title_partner="Memorandum on tourism")
    _with_document(engine, case_id)
    engine.fire(case_id, "withdraw", world.actor("ini"), comment="Партнёр отказался от туризма")
    assert _hits(engine, world, "tourism") == {(case_id, "title")}
    assert _hits(engine, world, "контракт") == {(case_id, "document")}
    assert _hits(engine, world, "отказались") == {(case_id, "comment")}
    with engine.uow(write=False) as uow:
        (hit,) = search(uow.session, world.actor("ini"), "отказался", 10).hits
    assert hit.author_name == "Ini" and hit.at is not None
    assert hit.snippet == "Партнёр <mark>отказался</mark> от туризма"


def test_a_person_of_another_region_finds_nothing_in_a_case_she_cannot_see(engine, world):
    case_id = _case(engine, world, title="Соглашение о сотрудничестве в области туризма")
    assert _hits(engine, world, "туризм", "ini") == {(case_id, "title")}
    assert _hits(engine, world, "туризм", "mfa") == {(case_id, "title")}
    assert _hits(engine, world, "туризм", "other") == set()


def test_a_new_title_replaces_the_old_one_in_the_index(engine, world):
    case_id = _case(engine, world, title="Соглашение о туризме")
    engine.update_fields(case_id, world.actor("ini"), {"title": "Соглашение о медицине"})
    assert _hits(engine, world, "туризм") == set()
    assert _hits(engine, world, "медицина") == {(case_id, "title")}


def test_a_rolled_back_change_leaves_no_entry(engine, world):
    case_id = _case(engine, world)
    with pytest.raises(RuntimeError), engine.uow() as uow:
        put_entry(uow.session, case_id, "comment", "99", "Уникальнейшее замечание")
        raise RuntimeError("the service failed after indexing")
    assert _hits(engine, world, "уникальнейшее") == set()


def test_a_newer_version_of_a_text_replaces_the_older_and_an_empty_one_removes_it(engine, world):
    case_id = _case(engine, world, title="Меморандум")
    _with_document(engine, case_id, "Первая редакция о рыболовстве", number=1)
    _with_document(engine, case_id, "Вторая редакция о лесопользовании", number=2)
    assert _hits(engine, world, "рыболовство") == set()
    with engine.uow(write=False) as uow:
        (hit,) = search(uow.session, world.actor("ini"), "лесопользование", 10).hits
    assert (hit.source, hit.language, hit.number) == ("document", "ru", 2)
    _with_document(engine, case_id, "", number=3)
    assert _hits(engine, world, "лесопользование") == set()


def test_phrases_alternatives_and_exclusions(engine, world):
    a = _case(engine, world, title="Соглашение о культурном сотрудничестве")
    b = _case(engine, world, title="Соглашение о торговом сотрудничестве")
    assert _hits(engine, world, '"культурном сотрудничестве"') == {(a, "title")}
    assert _hits(engine, world, '"сотрудничестве культурном"') == set()
    assert _hits(engine, world, "культурное or торговый") == {(a, "title"), (b, "title")}
    assert _hits(engine, world, "соглашение -культурное") == {(b, "title")}
    assert _hits(engine, world, "-культурное") == set()  # an exclusion alone finds nothing


def test_a_phrase_is_found_across_a_stop_word_and_with_hyphens_never_out_of_order(engine, world):
    near = _case(engine, world, title="Программа сотрудничества в области образования")
    apart = _case(engine, world, title="Области сотрудничества и образования")
    _with_document(engine, near)  # "научно-техническое сотрудничество"
    assert _hits(engine, world, '"сотрудничество в области"') == {(near, "title")}
    assert _hits(engine, world, '"научно-техническое сотрудничество"') == {(near, "document")}
    assert _hits(engine, world, '"области сотрудничества" образования') == {(apart, "title")}
    assert _hits(engine, world, '"образования сотрудничества"') == set()


def test_pages_follow_each_other_without_repeating_or_skipping(engine, world):
    ids = {_case(engine, world, title=f"Соглашение номер {n}") for n in range(7)}
    seen, after = [], None
    with engine.uow(write=False) as uow:
        while True:
            page = search(uow.session, world.actor("ini"), "соглашение", 3, after)
            seen += [h.case_id for h in page.hits]
            if page.next_after is None:
                break
            after = page.next_after
    assert sorted(seen) == sorted(ids)


def test_every_index_change_happens_in_the_writers_transaction(engine, world):
    case_id = _case(engine, world, title="Соглашение", title_partner="Agreement")
    with engine.uow(write=False) as uow:
        count = uow.session.scalar(
            select(func.count()).select_from(SearchEntry).where(SearchEntry.case_id == case_id)
        )
    assert count == 2  # the title and the title in the partner's language


FTS_SYNTAX = st.text(
    alphabet=st.sampled_from([*"\"*()-^:+NEARORANDNOT соглашение ab{}[]\\'.,", "\x00"]),
    max_size=40,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.one_of(FTS_SYNTAX, st.text(max_size=60)))
def test_no_query_text_makes_the_search_fail(engine, world, q):
    q = q.replace("\x00", "")
    with engine.uow(write=False) as uow:
        page = search(uow.session, world.actor("ini"), q, 5)
    assert isinstance(page.hits, list)


def test_reindexing_everything_rebuilds_the_same_entries(engine, world):
    from workflow.search.index import reindex_all

    case_id = _case(engine, world, title="Соглашение о туризме", title_partner="Tourism")
    engine.fire(case_id, "withdraw", world.actor("ini"), comment="Отзываем проект")
    before = _hits(engine, world, "туризм or tourism or отзываем")
    with engine.uow() as uow:
        assert reindex_all(uow.session) == 1
        uow.commit()
    assert (
        _hits(engine, world, "туризм or tourism or отзываем")
        == before
        == {
            (case_id, "title"),
            (case_id, "comment"),
        }
    )
