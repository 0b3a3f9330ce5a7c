"""The runtime catalog: definition versions stored in the database, and their compiled machines.

At start the current files are synced into ``definition_versions`` (a new row when a file's
content hash is new). Cases pin a row; an old version still in use is rebuilt from the YAML text
stored with it, so editing a file never changes a running case's procedure.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.calendar.durations import Duration
from workflow.clock import Clock
from workflow.definitions.directory import DefinitionSet
from workflow.definitions.loader import load_text
from workflow.definitions.model import Definition
from workflow.errors import NotFound
from workflow.machine import CompiledMachine
from workflow.persistence.models import DefinitionVersion


@dataclass(frozen=True)
class Version:
    id: int
    number: int
    definition: Definition
    machine: CompiledMachine


class Catalog:
    def __init__(self, definitions: DefinitionSet):
        self.definitions = definitions
        self._by_id: dict[int, Version] = {}
        self._current: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def calendars(self):
        return self.definitions.calendars

    def sync(self, session: Session, clock: Clock) -> dict[str, int]:
        """Store any new definition version; return ``key -> current version id``.

        The caller commits. Safe to run from several processes at once: the unique constraint on
        (key, content_hash) settles a race, and the loser re-reads.
        """
        for key, definition in self.definitions.definitions.items():
            row = session.scalar(
                select(DefinitionVersion).where(
                    DefinitionVersion.key == key,
                    DefinitionVersion.content_hash == definition.content_hash,
                )
            )
            if row is None:
                number = (
                    session.scalar(
                        select(func.max(DefinitionVersion.number)).where(
                            DefinitionVersion.key == key
                        )
                    )
                    or 0
                ) + 1
                row = DefinitionVersion(
                    key=key,
                    number=number,
                    content_hash=definition.content_hash,
                    source_name=definition.source_name,
                    source=definition.source_text,
                    loaded_at=clock.now(),
                )
                session.add(row)
                session.flush()
            with self._lock:
                self._current[key] = row.id
                self._by_id[row.id] = Version(
                    row.id, row.number, definition, CompiledMachine(definition)
                )
        return dict(self._current)

    def current(self, key: str) -> Version:
        try:
            return self._by_id[self._current[key]]
        except KeyError:
            raise NotFound(f"No workflow definition '{key}' is loaded.") from None

    def current_keys(self) -> list[str]:
        return list(self._current)

    def get(self, definition_id: int, session: Session | None = None) -> Version:
        """The version a case is pinned to, compiled once and cached."""
        version = self._by_id.get(definition_id)
        if version is not None:
            return version
        if session is None:
            raise NotFound(f"Definition version {definition_id} is not loaded.")
        row = session.get(DefinitionVersion, definition_id)
        if row is None:
            raise NotFound(f"Definition version {definition_id} does not exist.")
        loaded = load_text(row.source, row.source_name)
        if loaded.definition is None:
            raise NotFound(
                f"Stored definition {row.key} v{row.number} no longer parses: "
                + "; ".join(str(p) for p in loaded.problems)
            )
        version = Version(row.id, row.number, loaded.definition, CompiledMachine(loaded.definition))
        with self._lock:
            self._by_id[row.id] = version
        return version

    def parameter(self, definition: Definition, name: str, region_code: str | None) -> Duration:
        """A duration for ``name`` (parameter name or literal), with the region's override.

        Overrides apply to the key's parameters whatever the pinned version, because they change
        with regional practice, not with the procedure; a pinned version keeps its own default.
        """
        if name not in definition.parameters:
            return Duration.parse(name)
        if region_code:
            override = (
                self.definitions.overrides.get(region_code, {}).get(definition.key, {}).get(name)
            )
            if override is not None:
                return override.value
        return definition.parameters[name].value
