"""Issue 13: pages in words a person understands. The edit form grouped by stage with pickers
instead of codes; refusals translated and attached to their field; no raw keys (language codes,
quarters, parameter names and sources, the invitation counter, acting for oneself); the stage
filter grouped by procedure and the country filter by name; the dashboard's time in stage in
working days without the in-force stage; past plan activities still planned flagged."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from icalendar import Calendar

from tests.web import scenario
from tests.web.conftest import Browser


@pytest.fixture
def russian(app):
    """``russian("ini")``: a Browser signed in as that user, reading the pages in Russian."""

    def make(username: str) -> Browser:
        b = Browser(app.test_client(), lang="ru")
        assert b.login(username).status_code == 303
        return b

    return make


def _fieldset(html: str, stage: str) -> str:
    """The inputs of one group of the edit form (up to the next group or the form's end)."""
    for piece in html.split('<fieldset class="field-group" ')[1:]:
        if piece.startswith(f'data-stage="{stage}"'):
            return piece.split("</form>", 1)[0]
    raise AssertionError(f"no group {stage}")


def test_the_edit_form_groups_by_stage_and_picks_names_not_codes(engine, web_world, russian):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    html = russian("ini").get(f"/agreements/{case_id}").get_data(as_text=True)
    groups = re.findall(r'<fieldset class="field-group" data-stage="(\w+)">', html)
    assert groups[0] == "preparation" and groups[-1] == "other"
    now = _fieldset(html, "preparation")
    # Countries and languages by name in the reader's language, stored as codes.
    assert re.search(r'<select id="e-f-partner-country" name="f.partner.country"', now)
    assert '<option value="CN" selected>Китай</option>' in now
    assert re.search(r'<select id="e-f-languages" name="f.languages" multiple', now)
    assert '<option value="zh" selected>китайский</option>' in now
    assert '<select id="e-f-partner-org_id"' in now  # the directory's partners by name
    # What the next step needs is marked, for people and for screen readers.
    assert re.search(r'for="e-f-planned_signing_date">[^<]*<abbr class="required-mark"', now)
    assert re.search(r'id="e-f-planned_signing_date"[^>]*aria-required="true"', now)
    # Registration and termination belong to later stages: not offered while drafting.
    assert "f.registration." not in html and "f.termination." not in html
    assert "ISO" not in html and "directory number" not in html


def test_a_refused_field_is_explained_under_it_in_the_readers_language(
    engine, web_world, russian, signed_in
):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    page = f"/agreements/{case_id}"
    ini = russian("ini")
    version = re.search(
        r'name="expected_version" value="(\d+)"', ini.get(page).get_data(as_text=True)
    )
    posted = {
        "expected_version": version.group(1),
        "f.partner.country": "China",  # what a hand-made form could send
        "f.languages": ["ru", "Russian"],
    }
    response = ini.post(f"{page}/fields", posted, form_page=page)
    assert response.status_code == 303
    html = ini.get(page).get_data(as_text=True)
    assert "Выберите страну из списка." in html and "Выберите язык из списка." in html
    assert "ISO 3166" not in html and "a language code" not in html and "0:" not in html
    # Each message sits under its own field, which points at it.
    assert re.search(
        r'id="e-f-partner-country"[^>]*aria-describedby="e-f-partner-country-error"[^>]*aria-invalid="true"',
        html,
    )
    assert (
        '<p class="field-error" id="e-f-partner-country-error">Выберите страну из списка.</p>'
        in html
    )
    assert "Языки аутентичных текстов: Выберите язык из списка." in html  # the summary above
    # Once shown, the message is gone from the next page.
    assert "field-error" not in ini.get(page).get_data(as_text=True)
    # The same refusal in English for a person who reads English.
    english = signed_in("ini")
    english.post(f"{page}/fields", posted, form_page=page)
    assert "Choose a country from the list." in english.get(page).get_data(as_text=True)


def test_the_new_form_keeps_refusals_by_their_field_and_marks_the_title_required(
    engine, web_world, russian
):
    ini = russian("ini")
    form = "/agreements/new?kind=regional_agreement"
    html = ini.get(form).get_data(as_text=True)
    assert re.search(r'id="f-title"[^>]*aria-required="true" required', html)
    response = ini.post(form, {"f.title": "Проект", "f.partner.country": "ZZZ"}, form_page=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="f-partner-country-error">Выберите страну из списка.</p>' in html
    assert '<option value="ZZZ" selected>ZZZ</option>' in html  # what was sent is kept
    response = ini.post(form, {"f.title": ""}, form_page=form)
    html = response.get_data(as_text=True)
    assert 'id="f-title-error">Обязательное поле.</p>' in html
    assert "Missing data for required field" not in html


def test_no_raw_keys_on_the_case_plan_and_definition_pages(engine, web_world, russian, clock):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    html = russian("ini").get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "Язык: китайский" in html and "Язык: zh" not in html
    # A new text's language is picked by name, the agreement's own languages first.
    upload = re.search(r'<select id="doc-language" name="language" required>(.*?)</select>', html)
    assert re.findall(r">([^<]+)</option>", upload.group(1))[:2] == ["русский", "китайский"]
    admin = russian("admin").get("/admin/definitions/regional_agreement").get_data(as_text=True)
    for raw in ("initiation_time", ">default<", ">practice<", "working_days", "calendar_days"):
        assert raw not in re.sub(r'title="[^"]*"', "", admin), raw
    assert "Уведомление после регистрации инициативы: 20 рабочих дней" in admin
    assert "выбран здесь" in admin


def test_meeting_page_says_what_the_invitation_counter_means(engine, web_world, russian):
    meeting = engine.schedule_meeting(
        web_world.actor("coord"),
        year=2026,
        title_ru="Координационное совещание 2026",
        starts_at=dt.datetime(2026, 10, 20, 7, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC),
        venue="Москва, Воздвиженка, 18",
        participant_org_ids=[web_world.org_id("RU-TST")],
    )
    html = russian("coord").get(f"/meetings/{meeting.meeting_id}").get_data(as_text=True)
    assert "Версия приглашения" not in html
    assert "отправлены один раз, с тех пор не менялись" in html


def test_the_stage_filter_is_grouped_by_procedure_and_countries_are_named(
    engine, web_world, russian
):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    mfa = russian("mfa")
    html = mfa.get("/agreements").get_data(as_text=True)
    assert '<optgroup label="Соглашение субъекта РФ с иностранным партнёром">' in html
    assert '<option value="regional_agreement/federal_review"' in html
    assert (
        '<option value="CN" >Китай</option>' in html or '<option value="CN">Китай</option>' in html
    )
    chosen = mfa.get("/agreements?state=regional_agreement/federal_review").get_data(as_text=True)
    assert 'value="regional_agreement/federal_review" selected' in chosen
    assert "Соглашение о сотрудничестве с Хэйлунцзяном" in chosen
    other = mfa.get("/agreements?state=regional_agreement/drafting").get_data(as_text=True)
    assert "Соглашение о сотрудничестве с Хэйлунцзяном" not in other
    # Links from before the grouping still filter.
    old = mfa.get("/agreements?state=federal_review").get_data(as_text=True)
    assert 'value="regional_agreement/federal_review" selected' in old


def test_time_in_stage_leaves_out_the_life_in_force_and_counts_working_days(
    engine, web_world, russian, clock
):
    clock.set(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_registered(engine, web_world, clock, case_id)
    engine.fire(
        case_id,
        "enter_into_force",
        web_world.actor("ini"),
        data={"in_force_from": "2026-05-28", "entry_into_force": "on_registration"},
    )
    clock.advance(days=200)
    notice = {"notice_date": engine.today().isoformat(), "reason": "По соглашению сторон"}
    engine.fire(
        case_id,
        "give_termination_notice",
        web_world.actor("head"),
        "Уведомление направлено",
        data={"termination": notice},
    )
    # Too early: the guard's refusal reads in Russian, with the date in words.
    ini = russian("ini")
    page = f"/agreements/{case_id}"
    version = re.search(
        r'name="expected_version" value="(\d+)"', ini.get(page).get_data(as_text=True)
    )
    ini.post(
        f"{page}/actions",
        {"trigger": "terminate", "expected_version": version.group(1)},
        form_page=page,
    )
    refused = ini.get(page).get_data(as_text=True)
    assert "Срок уведомления ещё не истёк: соглашение можно прекратить с " in refused
    assert "runs for" not in refused
    clock.advance(days=200)
    engine.fire(case_id, "terminate", web_world.actor("ini"))  # the in-force stint ends
    html = russian("coord").get("/dashboard").get_data(as_text=True)
    section = html.split("Время на каждом этапе", 1)[1].split("</section>", 1)[0]
    assert "Действует" not in section  # the agreement's life is not a stage of the procedure
    assert "рабочих дней" in section
    assert not re.search(r'<td class="num">\d+\.0</td>', section)  # no needless ".0"
    assert "✓" not in html


def test_a_past_activity_still_planned_is_flagged_on_the_public_page(
    engine, web_world, russian, browser, clock
):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_registered(engine, web_world, clock, case_id)
    scenario.adopted_plan(engine, web_world, case_id)
    public = Browser(browser.client, lang="ru")
    before = public.get("/public/regions/RU-TST").get_data(as_text=True)
    assert "срок прошёл, выполнение не отмечено" not in before
    clock.set(dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC))  # after 15 September
    after = public.get("/public/regions/RU-TST").get_data(as_text=True)
    assert after.count("срок прошёл, выполнение не отмечено") == 1
    row = after.split("Дни Тестовой области в Харбине", 1)[1].split("</tr>", 1)[0]
    assert "срок прошёл, выполнение не отмечено" in row


def test_the_calendar_feed_speaks_one_language(engine, web_world, browser, clock):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_registered(engine, web_world, clock, case_id)
    scenario.adopted_plan(engine, web_world, case_id)
    english_session = Browser(browser.client, lang="en")  # the site read in English
    feed = Calendar.from_ical(english_session.get("/public/regions/RU-TST/calendar.ics").data)
    assert str(feed["X-WR-CALNAME"]).endswith(": совещания и сроки")
    assert "meetings" not in str(feed["X-WR-CALNAME"])
    english = Calendar.from_ical(browser.get("/public/regions/RU-TST/calendar.ics?lang=en").data)
    assert str(english["X-WR-CALNAME"]) == "Test Oblast: meetings and deadlines"


def test_a_meeting_moved_into_the_past_is_refused_in_russian_under_the_time(
    engine, web_world, russian
):
    meeting = engine.schedule_meeting(
        web_world.actor("coord"),
        year=2026,
        title_ru="Координационное совещание 2026",
        starts_at=dt.datetime(2026, 10, 20, 7, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC),
        participant_org_ids=[web_world.org_id("RU-TST")],
    )
    coord = russian("coord")
    form = f"/meetings/{meeting.meeting_id}/reschedule"
    sequence = re.search(
        r'name="expected_sequence" value="(\d+)"', coord.get(form).get_data(as_text=True)
    )
    html = coord.post(
        form,
        {
            "day": "2020-01-15",
            "starts": "10:00",
            "ends": "12:00",
            "expected_sequence": sequence.group(1),
        },
        form_page=form,
    ).get_data(as_text=True)
    assert "In the past" not in html and "Starts at" not in html
    assert "Начало: Это время уже прошло." in html  # the summary above the form
    assert '<p class="field-error" id="starts-error">Это время уже прошло.</p>' in html


def test_one_dominant_stage_does_not_flatten_the_others():
    from web.pages.dashboard import _cap, days_text
    from web.svg import charts

    rows = [("Подготовка", [18.0]), ("Подписание", [34.0]), ("Федеральное", [400.0])]
    cap = _cap([v[0] for _label, v in rows])
    assert cap == 51.0  # one and a half times the runner-up
    svg = charts.hbars(rows, cap=cap, width=460)
    widths = [float(w) for w in re.findall(r'<rect class="bar"[^>]*width="([\d.]+)"', svg)]
    assert widths[1] > widths[2] * 0.6  # the runner-up keeps two thirds of the axis
    assert 'class="bar-break"' in svg and ">400<" in svg  # the long bar says it is cut
    assert _cap([10.0, 12.0, 15.0]) is None  # nothing dominates: a plain axis
    assert [days_text(v) for v in (4.0, 23.2, 4.5, 7.04)] == ["4", "23.2", "4.5", "7"]


def test_countries_and_languages_come_by_name_in_both_languages(app):
    from web import vocab

    with app.test_request_context():
        assert vocab.country_label("KZ", "ru") == "Казахстан"
        assert vocab.country_label("KZ", "en") == "Kazakhstan"
        assert vocab.language_label("kk", "ru") == "казахский"
        assert {"CN", "KZ", "BY", "IN", "TR", "VN"} <= set(vocab.country_codes())
        assert "EU" not in vocab.country_codes() and "001" not in vocab.country_codes()
        assert {"ru", "zh", "kk", "be", "vi", "tr", "hi", "gu"} <= set(vocab.language_codes())
