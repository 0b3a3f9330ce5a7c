"""Loading a whole definitions folder: workflows, per-region parameters and calendars.

Layout (``definitions/`` in the repository)::

    workflows/*.yaml            one workflow definition per file
    parameters/<REGION>.yaml    per-region values of definition parameters, each citing its act
    calendars/ru.yaml           corrections to the federal production calendar, and the
                                official working days of every supported year
    calendars/regions/<CODE>.yaml   a region's own non-working days (and official figures)

A region's override without a source (``act``: title, number, date, article) is reported as a
warning (rule ``unsourced-override``) and not applied: an unsourced figure must not govern a
real region's deadlines. The demo passes its own folder of example overrides
(``demo_parameters``), which are applied as they are.

The computed calendars are compared with their official figures
(``workflow.calendar.selfcheck``); a difference is an error (rule ``calendar-mismatch``), so
every process that loads the definitions refuses to start on a wrong ``holidays`` release.

A folder with no ``workflows/`` subfolder is read as a flat folder of workflow files (that is
how ``soglasie definitions check tests/fixtures/definitions/invalid`` works).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from marshmallow import ValidationError

from workflow.calendar.durations import Duration
from workflow.calendar.production import CalendarFileError, CalendarSet
from workflow.calendar.selfcheck import compare
from workflow.definitions.loader import line_for, line_map, load_file
from workflow.definitions.model import ActRef, Definition, ParameterSpec
from workflow.definitions.problems import DefinitionError, Problem
from workflow.definitions.schema import OverrideSchema
from workflow.definitions.verify import verify

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "definitions"


@dataclass
class DefinitionSet:
    root: Path
    definitions: dict[str, Definition] = field(default_factory=dict)
    overrides: dict[str, dict[str, dict[str, ParameterSpec]]] = field(default_factory=dict)
    calendars: CalendarSet = field(default_factory=lambda: CalendarSet.load(None))
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def raise_for_errors(self) -> DefinitionSet:
        if self.errors:
            raise DefinitionError(self.problems)
        return self

    def parameter(self, key: str, name: str, region_code: str | None = None) -> ParameterSpec:
        """A parameter's spec for a region: its override if the region has one."""
        if region_code:
            override = self.overrides.get(region_code, {}).get(key, {}).get(name)
            if override is not None:
                return override
        return self.definitions[key].parameters[name]


def workflow_files(root: Path) -> list[Path]:
    folder = root / "workflows" if (root / "workflows").is_dir() else root
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))


def load_directory(
    root: Path | str | None = None, demo_parameters: Path | None = None
) -> DefinitionSet:
    """Load and verify everything under ``root``; never raises for bad content.

    ``demo_parameters``: a folder of the demo's example overrides, applied even unsourced
    (only ``soglasie demo`` passes one).
    """
    root = Path(root) if root is not None else DEFAULT_DIRECTORY
    result = DefinitionSet(root=root)
    if not root.is_dir():
        result.problems.append(Problem(str(root), "(folder)", "unreadable", "not a folder"))
        return result
    first_file: dict[str, str] = {}
    for path in workflow_files(root):
        loaded = load_file(path)
        result.problems.extend(loaded.problems)
        definition = loaded.definition
        if definition is None:
            continue
        result.problems.extend(verify(definition, loaded.lines))
        if definition.key in first_file:
            result.problems.append(
                Problem(
                    str(path),
                    "key",
                    "duplicate-key",
                    f"key '{definition.key}' is already defined in {first_file[definition.key]}",
                    line=line_for(loaded.lines, "key"),
                )
            )
            continue
        first_file[definition.key] = str(path)
        result.definitions[definition.key] = definition
    _load_overrides(root / "parameters", result, demo=False)
    if demo_parameters is not None:
        _load_overrides(demo_parameters, result, demo=True)
    try:
        result.calendars = CalendarSet.load(root / "calendars")
    except CalendarFileError as exc:
        result.problems.append(Problem(exc.path, "(file)", "calendar", str(exc)))
    else:
        result.problems.extend(check_calendars(result.calendars))
    return result


def check_calendars(calendars: CalendarSet) -> list[Problem]:
    """The calendars the engine computes against their official figures: one error per month
    that differs, naming the year, the month, both counts and the installed ``holidays``."""
    problems = []
    for calendar in calendars.all():
        source = calendars.sources.get(calendar.name)
        lines = line_map(source.read_text(encoding="utf-8")) if source else {}
        for found in compare(calendar):
            problems.append(
                Problem(
                    str(source or calendar.name),
                    found.element,
                    "calendar-mismatch",
                    str(found),
                    line=line_for(lines, found.element),
                )
            )
    return problems


def load_verified(
    root: Path | str | None = None, demo_parameters: Path | None = None
) -> DefinitionSet:
    """Load and verify, raising ``DefinitionError`` on any error (used at process start)."""
    return load_directory(root, demo_parameters).raise_for_errors()


def _load_overrides(folder: Path, result: DefinitionSet, *, demo: bool) -> None:
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        name = str(path)
        text = path.read_text(encoding="utf-8")
        lines = line_map(text)
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            result.problems.append(Problem(name, "(file)", "yaml-syntax", str(exc)))
            continue
        if not isinstance(raw, dict):
            result.problems.append(Problem(name, "(file)", "schema", "expected a mapping", line=1))
            continue
        region = path.stem
        for key, params in raw.items():
            definition = result.definitions.get(key)
            if definition is None:
                result.problems.append(
                    Problem(
                        name,
                        str(key),
                        "unknown-definition",
                        f"no workflow '{key}'",
                        line=line_for(lines, key),
                    )
                )
                continue
            for param_name, spec in (params or {}).items():
                element = f"{key}.{param_name}"
                if param_name not in definition.parameters:
                    result.problems.append(
                        Problem(
                            name,
                            element,
                            "unknown-parameter",
                            f"'{key}' declares no parameter '{param_name}'",
                            line=line_for(lines, element),
                        )
                    )
                    continue
                try:
                    data = OverrideSchema().load(spec)
                except ValidationError as exc:
                    result.problems.append(
                        Problem(
                            name,
                            element,
                            "schema",
                            str(exc.messages),
                            line=line_for(lines, element),
                        )
                    )
                    continue
                act = ActRef(**data["act"]) if "act" in data else None
                if act is None and not demo:
                    result.problems.append(
                        Problem(
                            name,
                            element,
                            "unsourced-override",
                            "the override cites no act (act: title, number, date, article), "
                            f"so it is not applied: {region} keeps the definition's "
                            f"{definition.parameters[param_name].value}",
                            severity="warning",
                            line=line_for(lines, element),
                        )
                    )
                    continue
                result.overrides.setdefault(region, {}).setdefault(key, {})[param_name] = (
                    ParameterSpec(
                        param_name,
                        Duration.parse(data["value"]),
                        data["source"],
                        data["basis"],
                        data["note"],
                        data["article"],
                        data["quote"],
                        act,
                    )
                )
