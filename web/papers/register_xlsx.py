"""The register of agreements as an XLSX workbook (openpyxl, write-only mode).

Write-only mode streams rows to a temporary file as they come, so memory stays flat however
many agreements there are (bench: papers). What it costs: widths and the frozen pane must be
set before the first row, hence the sample: the first ``SAMPLE`` rows are held back to size the
columns from the heading and real values, then written with the rest. Dates are real dates with
a number format (so Excel sorts and filters them), the heading row is frozen and carries the
autofilter.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from web.papers import paper_language, template

SAMPLE = 200
CYRILLIC_WIDTH = 1.15  # a Cyrillic letter is wider than the "0" Excel measures widths in
MAX_WIDTH = 60
DATE_WIDTH = 12
DATETIME_WIDTH = 17


def _text_width(value: Any) -> float:
    text = "" if value is None else str(value)
    longest = max((len(line) for line in text.splitlines()), default=0)
    return longest * CYRILLIC_WIDTH + 2


def _widths(columns: list[dict], headings: list[str], sample: list[Mapping]) -> list[float]:
    widths = []
    for column, heading in zip(columns, headings, strict=True):
        kind = column.get("type", "text")
        if kind == "date":
            width = DATE_WIDTH
        elif kind == "datetime":
            width = DATETIME_WIDTH
        else:
            width = max((_text_width(row.get(column["key"])) for row in sample), default=0)
        # a heading may wrap onto two lines, so it asks for half its length (its longest word
        # at least)
        words = max((len(w) for w in heading.split()), default=0)
        width = max(width, words * CYRILLIC_WIDTH + 2, len(heading) * CYRILLIC_WIDTH / 2 + 2)
        width = max(width, column.get("min", 0))
        width = min(width, column.get("max", MAX_WIDTH))
        widths.append(round(width, 1))
    return widths


def write_register(rows: Iterable[Mapping[str, Any]], out: IO[bytes] | str, language: str) -> int:
    """Write the workbook to ``out``; returns the number of data rows. ``rows`` are mappings
    from the template's column keys to values (dates as ``date``, times as aware
    ``datetime``)."""
    layout = template("register")
    language = paper_language(language)
    columns = layout["columns"]
    headings = [c[language] for c in columns]
    rows = iter(rows)
    sample = list(itertools.islice(rows, SAMPLE))

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(layout["sheet"][language][:31])
    for index, width in enumerate(_widths(columns, headings, sample), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E6E6E6")
    wrap = Alignment(wrap_text=True, vertical="top")
    head = []
    for heading in headings:
        cell = WriteOnlyCell(ws, value=heading)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        head.append(cell)
    ws.append(head)

    # One formatted cell per date column, reused row after row: ``append`` writes the row out
    # at once, and a new styled cell per value would cost more than the rest of the row.
    formats = {"date": layout["date_format"], "datetime": layout["datetime_format"]}
    typed = []
    for column in columns:
        number_format = formats.get(column.get("type", "text"))
        cell = None
        if number_format:
            cell = WriteOnlyCell(ws)
            cell.number_format = number_format
        typed.append((column["key"], cell))
    count = 0
    for row in itertools.chain(sample, rows):
        values = []
        for key, cell in typed:
            value = row.get(key)
            if cell is not None and value is not None:
                if isinstance(value, dt.datetime) and value.tzinfo is not None:
                    value = value.astimezone(dt.UTC).replace(tzinfo=None)  # XLSX has no zones
                cell.value = value
                value = cell
            values.append(value)
        ws.append(values)
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    wb.save(out)
    return count
