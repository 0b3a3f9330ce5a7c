"""Benchmark 6: loading and verifying workflow definitions.

Synthetic definitions of 50 states each (a chain of 40 task states, a parallel review every
tenth state with a return loop, a withdrawal from every task state, terminal states), written
as YAML files and loaded with ``workflow.definitions.directory.load_directory`` (parse, schema,
verification). Reported for 10, 100 and 1,000 definitions; verification must stay linear-ish:
the time per definition at 1,000 ÷ at 10 is reported (target ≤ 2).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from bench.core import Figure, Options, log, median_of
from workflow.definitions.directory import load_directory

NAME = "definitions"
STATES = 50


def definition_yaml(index: int, states: int = STATES) -> str:
    tasks = states - 4  # plus review, approved-terminal, withdrawn, done
    lines = [
        f"key: synthetic_{index:04d}",
        f"title: {{ru: Процедура {index}, en: Procedure {index}}}",
        "category: agreement",
        "fields: generic",
        "initial: s00",
        "start_roles: [clerk]",
        "roles:",
        "  clerk: {title: {ru: Исполнитель, en: Clerk}, scope: party, supervisor: chief}",
        "  chief: {title: {ru: Руководитель, en: Chief}, scope: party}",
        "  rev_a: {title: {ru: Ревизор А, en: Reviewer A}, scope: global}",
        "  rev_b: {title: {ru: Ревизор Б, en: Reviewer B}, scope: global}",
        "parameters:",
        "  step_time: {value: 5 working_days, source: default}",
        "  review_sla: {value: 30 calendar_days, source: default}",
        "stages:",
        "  - {name: work, title: {ru: Работа, en: Work}}",
        "  - {name: end, title: {ru: Итог, en: End}}",
        "states:",
    ]
    for i in range(tasks):
        lines += [
            f"  s{i:02d}:",
            "    kind: task",
            f"    title: {{ru: Шаг {i}, en: Step {i}}}",
            "    roles: [clerk]",
            "    deadline: {within: step_time, after: entered}",
            "    reminders: [2 working_days]",
            "    stage: work",
        ]
    lines += [
        "  review:",
        "    kind: review",
        "    title: {ru: Согласование, en: Review}",
        "    review: {reviewers: [rev_a, rev_b], rule: all, lead: rev_a, approve: approve,"
        " reject: reject}",
        "    deadline: {within: review_sla, after: entered, escalate_to: chief}",
        "    stage: work",
        "  approved:",
        "    kind: task",
        "    title: {ru: Одобрено, en: Approved}",
        "    roles: [chief]",
        "    deadline: {within: step_time, after: entered}",
        "    stage: end",
        "  done: {kind: terminal, title: {ru: Завершено, en: Done}, stage: end}",
        "  withdrawn: {kind: terminal, title: {ru: Отозвано, en: Withdrawn}, stage: end}",
        "transitions:",
    ]
    for i in range(tasks):
        dest = f"s{i + 1:02d}" if i + 1 < tasks else "review"
        lines += [
            f"  - {{trigger: next_{i:02d}, from: s{i:02d}, to: {dest}, roles: [clerk],"
            f" title: {{ru: Далее {i}, en: Next {i}}}}}",
            f"  - {{trigger: withdraw, from: s{i:02d}, to: withdrawn, roles: [clerk],"
            " title: {ru: Отозвать, en: Withdraw}}",
        ]
    lines += [
        "  - {trigger: approve, from: review, to: approved, roles: [rev_a, rev_b],"
        " title: {ru: Одобрить, en: Approve}}",
        "  - {trigger: reject, from: review, to: s00, roles: [rev_a, rev_b],"
        " title: {ru: Вернуть, en: Return}, comment: required}",
        "  - {trigger: close, from: approved, to: done, roles: [chief],"
        " title: {ru: Закрыть, en: Close}}",
    ]
    return "\n".join(lines) + "\n"


def _load_seconds(folder: Path, count: int) -> float:
    start = time.perf_counter()
    result = load_directory(folder)
    elapsed = time.perf_counter() - start
    if result.errors:
        raise RuntimeError(f"synthetic definitions rejected: {result.errors[0]}")
    if len(result.definitions) != count:
        raise RuntimeError(f"loaded {len(result.definitions)} definitions, expected {count}")
    return elapsed


def run(options: Options) -> list[Figure]:
    figures: list[Figure] = []
    sizes = options.pick((10, 100, 1000), (10, 30))
    repetitions = options.pick(3, 2)
    per_definition: dict[int, float] = {}
    for count in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"soglasie-bench-defs-{count}-"))
        try:
            (folder / "workflows").mkdir()
            for i in range(count):
                path = folder / "workflows" / f"synthetic_{i:04d}.yaml"
                path.write_text(definition_yaml(i), encoding="utf-8")
            reps = 1 if count >= 1000 else repetitions  # 1,000 definitions take minutes
            seconds, runs = median_of(reps, lambda f=folder, c=count: _load_seconds(f, c))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        per_definition[count] = seconds / count
        log(options, f"{count} definitions of {STATES} states: {seconds:.2f} s")
        figures.append(
            Figure(
                NAME,
                "-",
                f"load + verify {count} × {STATES}-state definitions",
                seconds * 1000,
                "ms",
                runs=[r * 1000 for r in runs],
                note=f"{seconds / count * 1000:.1f} ms per definition",
            )
        )
    small, large = min(sizes), max(sizes)
    growth = per_definition[large] / per_definition[small]
    figures.append(
        Figure(
            NAME,
            "-",
            f"time per definition, {large} ÷ {small}",
            growth,
            "×",
            target="≤ 2 (linear-ish)",
            met=growth <= 2.0,
        )
    )
    return figures
