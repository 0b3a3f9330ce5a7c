"""The dashboard's SVG charts: labels fit their column, numbers are printed on the bars."""

import re

from web.svg import charts

STAGES = ["Подготовка", "Внутреннее согласование", "Федеральное согласование на уровне МИД"]


def _labels(svg: str) -> list[tuple[float, str]]:
    """(x of the label's right edge, visible text) of every label drawn right-aligned."""
    found = re.findall(
        r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end"><title>[^<]*</title>([^<]*)<', svg
    )
    return [(float(x), text) for x, text in found]


def test_labels_fit_in_the_label_column_of_a_narrow_chart():
    svg = charts.hbars([(name, [index + 1]) for index, name in enumerate(STAGES)], width=460)
    for right_edge, text in _labels(svg):
        assert len(text) * charts.CHAR_W <= right_edge, text  # nothing drawn left of x = 0


def test_a_long_label_is_cut_with_an_ellipsis_and_kept_whole_in_its_title():
    svg = charts.hbars([(STAGES[2], [3])], width=460)
    assert f"<title>{STAGES[2]}</title>" in svg
    assert next(text for _x, text in _labels(svg)).endswith("…")


def test_each_bar_shows_its_value():
    svg = charts.hbars([("a", [2, 3]), ("b", [1.5])])
    assert ">5</text>" in svg and ">1.5</text>" in svg
