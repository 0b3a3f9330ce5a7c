"""What every benchmark reports, and the statistics behind each figure.

A ``Figure`` is one line of the table: a measured value, the baseline measured in the same run
(or none, for a figure whose target is absolute), their ratio, the target and whether it is
met. Every value is a median of several repetitions (``median_of``), so one noisy repetition on
this shared machine moves nothing; the spread (min–max of the repetitions) is kept in the JSON.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    bench: str  # the benchmark's --only name
    backend: str  # sqlite | postgres | - (backend-free)
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str | None = None
    target: str = ""
    met: bool | None = None  # None: reported, no target
    runs: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        return data


@dataclass
class Options:
    quick: bool = False
    postgres_url: str | None = None  # the admin URL (SOGLASIE_TEST_POSTGRES_URL)
    backends: tuple[str, ...] = ("sqlite",)
    workdir: str = "."
    verbose: bool = True
    stack: Any = None  # a contextlib.ExitStack that lives as long as the whole run
    datasets: dict = field(default_factory=dict)  # (backend, agreements) -> generated DB URL

    def pick(self, full, quick):
        return quick if self.quick else full


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def median_of(repetitions: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    """Run ``measure`` ``repetitions`` times; (median, all runs)."""
    runs = [measure() for _ in range(repetitions)]
    return median(runs), runs


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call, on the monotonic performance counter."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def log(options: Options, message: str) -> None:
    if options.verbose:
        print(f"  · {message}", flush=True)


def fmt(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def table(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table (it reads in a terminal and pastes into the README)."""
    header = ["bench", "db", "figure", "value", "baseline", "ratio", "target", "met?"]
    rows = []
    for f in figures:
        baseline = f"{fmt(f.baseline, f.unit)} ({f.baseline_name})" if f.baseline else "–"
        ratio = (
            f"{f.ratio:.0%}"
            if f.ratio is not None and f.unit.endswith("/s")
            else (f"{f.ratio:.2f}" if f.ratio is not None else "–")
        )
        met = "–" if f.met is None else ("yes" if f.met else "NO")
        rows.append(
            [f.bench, f.backend, f.name, fmt(f.value, f.unit), baseline, ratio, f.target, met]
        )
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(line(r) for r in rows)
    return "\n".join(out)
