"""A problem found in a definition file: which file, which element, which rule, and where."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    element: str  # dotted path, e.g. "states.federal_review.deadline.within"
    rule: str  # stable identifier, e.g. "unreachable-state"
    message: str
    severity: str = "error"  # "error" | "warning"
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: [{self.rule}] {self.element}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class DefinitionError(Exception):
    """Raised when definitions have errors; the web app and the worker refuse to start on it."""

    def __init__(self, problems: list[Problem]):
        self.problems = [p for p in problems if p.is_error]
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} error(s) in workflow definitions:\n{lines}")
