"""Benchmark 7: papers. The approval sheet of an agreement with 30 federal decisions (ten rounds:
nine returned with a long remark, the tenth approved; plus two internal clearances): the data
assembly from the audit trail and the PDF rendering, time and peak Python memory (tracemalloc).
The register (XLSX, openpyxl write-only): the writer alone on synthetic rows at 10k and 100k
rows (``--quick``: 2k and 20k), and the whole export from a generated database of 10,000
agreements (``--quick``: 1,000) — rows streamed from SQL into the sheet. Memory must not grow
with the rows: the writer's peak at the large size ÷ at the small one is reported (target ≤ 1.5).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator

from bench.core import Figure, Options, log, median_of
from bench.databases import scratch_database
from bench.pages import dataset
from bench.world import actors, bench_clock, build_world, case_in_federal_review
from web.papers.approval_sheet_pdf import SheetIssue, render
from web.papers.register_xlsx import write_register
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.policy import ADMIN, Actor, Principal
from workflow.queries.approval_sheet import data_hash, sheet_data
from workflow.queries.case_detail import header
from workflow.queries.cases import CaseFilters
from workflow.queries.register import register_rows

NAME = "papers"
REMARK = "Уточните статью 2: укажите формы обменов, сроки и источники финансирования. " * 4


def _peak_mb(work: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _thirty_decisions(engine: Engine) -> int:
    people = actors(engine, build_world(engine))
    case_id = case_in_federal_review(engine, people)
    for n in range(9):
        engine.fire(case_id, "approve", people["mfa"])
        engine.fire(case_id, "approve", people["sector"], comment=f"Учесть замечание {n}.")
        engine.fire(case_id, "return_for_revision", people["minec"], comment=REMARK)
        engine.add_document(case_id, people["ini"], "ru", f"Редакция {n + 2}.")
        engine.fire(case_id, "resubmit", people["ini"])
    for reviewer in ("mfa", "minec", "sector"):
        engine.fire(case_id, "approve", people[reviewer])
    return case_id


def _sheet(options: Options, backend: str) -> list[Figure]:
    url = options.stack.enter_context(
        scratch_database(backend, options.postgres_url, "papers", schema=True)
    )
    engine = Engine.create(url, load_verified(None), clock=bench_clock())
    try:
        case_id = _thirty_decisions(engine)

        def assemble():
            with engine.uow(write=False) as uow:
                head = header(uow.session, case_id)
                definition = engine.catalog.get(head.definition_id, uow.session).definition
                return sheet_data(uow.session, head, definition, "ru")

        data = assemble()
        rows = sum(len(r["rows"]) for r in data["rounds"])
        issue = SheetIssue(
            "ABCDEFGHJK",
            "https://soglasie.example/verify/ABCDEFGHJK",
            data_hash(data),
            dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
            "Bench",
        )
        reps = options.pick(7, 3)
        query_s, query_runs = median_of(reps, lambda: _seconds(assemble))
        render_s, render_runs = median_of(reps, lambda: _seconds(lambda: render(data, issue)))
        pages = render(data, issue).count(b"/Type /Page\n") or None
        peak = _peak_mb(lambda: render(data, issue))
    finally:
        engine.dispose()
    log(
        options,
        f"{backend}: sheet of {rows} decisions: data {query_s * 1000:.0f} ms, "
        f"PDF {render_s * 1000:.0f} ms, peak {peak:.1f} MB",
    )
    return [
        Figure(
            NAME,
            backend,
            f"approval sheet data, {rows} decisions",
            query_s * 1000,
            "ms",
            runs=[r * 1000 for r in query_runs],
        ),
        Figure(
            NAME,
            "-" if backend == "sqlite" else backend,
            f"approval sheet PDF, {rows} decisions",
            render_s * 1000,
            "ms",
            runs=[r * 1000 for r in render_runs],
            note=f"{pages or '?'} pages; peak Python memory {peak:.1f} MB",
        ),
    ]


def _seconds(work: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


def _synthetic(count: int) -> Iterator[dict]:
    day = dt.date(2026, 1, 1)
    updated = dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC)
    for i in range(count):
        yield {
            "id": i + 1,
            "kind": "Соглашение субъекта РФ с иностранным партнёром",
            "title": f"Соглашение о торгово-экономическом сотрудничестве № {i}",
            "owner": "Республика Татарстан",
            "region": "Республика Татарстан",
            "partner": "Провинция Хэйлунцзян",
            "partner_country": "CN",
            "state": "Зарегистрировано Минюстом России",
            "planned_date": day + dt.timedelta(days=i % 365),
            "signed_russian": day,
            "signed_partner": day,
            "registration_number": f"RU-TA-2026-{i:06d}",
            "registration_date": day,
            "in_force_from": day,
            "valid_until": day,
            "updated_at": updated,
        }


def _write_to_temp(rows) -> int:
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        return write_register(rows, path, "ru")
    finally:
        os.unlink(path)


def _writer(options: Options) -> list[Figure]:
    small, large = options.pick((10_000, 100_000), (2_000, 20_000))
    figures, peaks = [], {}
    for count in (small, large):
        seconds = _seconds(lambda c=count: _write_to_temp(_synthetic(c)))
        peaks[count] = _peak_mb(lambda c=count: _write_to_temp(_synthetic(c)))
        log(
            options, f"register writer, {count:,} rows: {seconds:.2f} s, peak {peaks[count]:.1f} MB"
        )
        figures.append(
            Figure(
                NAME,
                "-",
                f"register XLSX writer, {count:,} rows",
                seconds,
                "s",
                note=f"{count / seconds:,.0f} rows/s; peak Python memory {peaks[count]:.1f} MB",
            )
        )
        figures.append(
            Figure(
                NAME, "-", f"register XLSX writer peak memory, {count:,} rows", peaks[count], "MB"
            )
        )
    growth = peaks[large] / peaks[small]
    figures.append(
        Figure(
            NAME,
            "-",
            f"register writer peak memory, {large:,} ÷ {small:,} rows",
            growth,
            "×",
            target="≤ 1.5 (flat)",
            met=growth <= 1.5,
        )
    )
    return figures


def _everyone() -> Actor:
    return Actor(Principal(1, 1, "federal_body", None, frozenset({ADMIN})))


def _export(options: Options, backend: str) -> list[Figure]:
    agreements = options.pick(10_000, 1_000)
    data = dataset(options, backend, agreements)
    engine = Engine.create(data.url, load_verified(None), clock=bench_clock(), sync=False)
    try:

        def export() -> int:
            with engine.uow(write=False) as uow:
                rows = register_rows(uow.session, _everyone(), CaseFilters(), engine.today())
                return _write_to_temp(
                    vars(r) | {"owner": r.owner_name, "partner": r.partner} for r in rows
                )

        count = export()
        seconds = _seconds(export)
        peak = _peak_mb(export)
    finally:
        engine.dispose()
    log(
        options, f"{backend}: register of {count:,} agreements: {seconds:.2f} s, peak {peak:.1f} MB"
    )
    return [
        Figure(
            NAME,
            backend,
            f"register XLSX from the database, {count:,} agreements",
            seconds,
            "s",
            note=f"peak Python memory {peak:.1f} MB",
        )
    ]


def run(options: Options) -> list[Figure]:
    figures: list[Figure] = []
    for backend in options.backends:
        figures += _sheet(options, backend)
    figures += _writer(options)
    for backend in options.backends:
        figures += _export(options, backend)
    return figures
