"""Typed errors raised by the services. The web layer maps each to one HTTP status.

Every error carries a message a person understands; ``TransitionNotAllowed`` also says *why*
(wrong state, a guard's message, the missing fields, a lead-time rule with its earliest date).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class WorkflowError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "workflow_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(WorkflowError):
    code = "not_found"


class PermissionDenied(WorkflowError):
    code = "permission_denied"


class ConcurrentUpdate(WorkflowError):
    """Someone else changed the record since the caller read it (version mismatch)."""

    code = "concurrent_update"

    def __init__(
        self,
        message: str = "Someone else acted first; reload and try again.",
        *,
        current_version: int | None = None,
    ):
        super().__init__(message)
        self.current_version = current_version


class InvalidInput(WorkflowError):
    """The caller's data is malformed; ``errors`` maps field names to messages."""

    code = "invalid_input"

    def __init__(self, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.errors = errors or {}


class Conflict(WorkflowError):
    """The request is well-formed but contradicts the current data (e.g. a duplicate)."""

    code = "conflict"


@dataclass(frozen=True)
class Refusal:
    """One reason a transition was refused."""

    reason: (
        str  # "wrong_state" | "guard" | "missing_fields" | "lead_time" | "comment_required" | ...
    )
    message: str
    details: dict[str, Any] = field(default_factory=dict)


class TransitionNotAllowed(WorkflowError):
    code = "transition_not_allowed"

    def __init__(self, refusals: list[Refusal]):
        self.refusals = list(refusals)
        super().__init__("; ".join(r.message for r in self.refusals) or "Transition not allowed.")

    @property
    def reasons(self) -> list[str]:
        return [r.reason for r in self.refusals]

    @property
    def missing_fields(self) -> list[str]:
        missing: list[str] = []
        for refusal in self.refusals:
            missing.extend(refusal.details.get("missing", []))
        return missing
