"""Reading one definition file: YAML → marshmallow → ``Definition``, with line numbers.

``load_file`` never raises on a bad file; it returns the problems it found, each naming the file,
the element and the rule, so ``soglasie definitions check`` can print them all at once.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from marshmallow import ValidationError

from workflow.calendar.durations import Duration
from workflow.definitions.model import (
    DeadlineSpec,
    Definition,
    GuardRef,
    ParameterSpec,
    ReviewSpec,
    RoleSpec,
    StateSpec,
    Text,
    TransitionSpec,
)
from workflow.definitions.problems import Problem
from workflow.definitions.schema import DefinitionSchema


def content_hash(data: Any) -> str:
    """SHA-256 of the normalized content: comments and key order do not make a new version."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# libyaml's loader when PyYAML has it: parsing is most of the cost of loading a definition
# (bench: definitions; ~10x faster than the pure-Python loader), and it reports the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def line_map(text: str) -> dict[str, int]:
    """Map each dotted element path of a YAML document to its 1-based line number."""
    lines: dict[str, int] = {}
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return lines

    def walk(node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = f"{path}.{key_node.value}" if path else str(key_node.value)
                lines[child] = key_node.start_mark.line + 1
                walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = f"{path}.{index}"
                lines[child] = item.start_mark.line + 1
                walk(item, child)

    if root is not None:
        walk(root, "")
    return lines


def line_for(lines: dict[str, int], element: str) -> int | None:
    """The line of ``element`` or of its nearest ancestor present in the file."""
    parts = element.split(".")
    while parts:
        found = lines.get(".".join(parts))
        if found:
            return found
        parts.pop()
    return None


def _flatten(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested error dict → [(dotted path, message)]."""
    out: list[tuple[str, str]] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == "value":  # fields.Dict wraps value errors in {"value": ...}
                out.extend(_flatten(value, prefix))
                continue
            if key == "key":
                out.extend((prefix, f"key {m}") for _, m in _flatten(value, ""))
                continue
            if key == "_schema":
                out.extend(_flatten(value, prefix))
                continue
            child = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, child))
    elif isinstance(errors, list):
        for item in errors:
            out.extend(
                _flatten(item, prefix) if isinstance(item, dict | list) else [(prefix, item)]
            )
    else:
        out.append((prefix, str(errors)))
    return out


def _schema_rule(message: str) -> str:
    if message == "Unknown field.":
        return "unknown-key"
    if message == "Missing data for required field.":
        return "missing-key"
    return "schema"


class LoadResult:
    def __init__(
        self, definition: Definition | None, problems: list[Problem], lines: dict[str, int]
    ):
        self.definition = definition
        self.problems = problems
        self.lines = lines


def load_text(text: str, name: str) -> LoadResult:
    """Parse and shape-check one definition given as text; ``name`` is used in problems."""
    lines = line_map(text)
    try:
        raw = yaml.load(text, Loader=_LOADER)  # a safe loader (CSafeLoader or SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        return LoadResult(
            None,
            [
                Problem(
                    name,
                    "(file)",
                    "yaml-syntax",
                    str(exc).replace('"<unicode string>"', name),
                    line=line,
                )
            ],
            lines,
        )
    if not isinstance(raw, dict):
        return LoadResult(
            None,
            [Problem(name, "(file)", "schema", "a definition is a YAML mapping", line=1)],
            lines,
        )
    try:
        data = DefinitionSchema().load(raw)
    except ValidationError as exc:
        problems = [
            Problem(name, path or "(file)", _schema_rule(msg), msg, line=line_for(lines, path))
            for path, msg in _flatten(exc.messages)
        ]
        return LoadResult(None, sorted(problems, key=lambda p: (p.line or 0, p.element)), lines)
    definition = build_definition(data, raw, name, text)
    return LoadResult(definition, [], lines)


def load_file(path: Path | str) -> LoadResult:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadResult(None, [Problem(str(path), "(file)", "unreadable", str(exc))], {})
    return load_text(text, str(path))


def _text(data: dict | None, fallback: str) -> Text:
    if not data:
        return Text(fallback, fallback)
    return Text(data["ru"], data["en"])


def build_definition(data: dict, raw: dict, name: str, text: str) -> Definition:
    """Turn schema-checked data into specs. Cross-references are not checked here."""
    states: dict[str, StateSpec] = {}
    for state_name, s in data["states"].items():
        deadline = None
        if "deadline" in s:
            d = s["deadline"]
            deadline = DeadlineSpec(
                within=d["within"],
                direction="after" if "after" in d else "before",
                anchor=d.get("after") or d.get("before"),
                pauses_in=tuple(d["pauses_in"]),
                escalate_to=d.get("escalate_to"),
            )
        review = None
        if "review" in s:
            r = s["review"]
            review = ReviewSpec(
                reviewers=tuple(r["reviewers"]),
                rule=r["rule"]["rule"],
                quorum=r["rule"]["quorum"],
                approve=r["approve"],
                reject=r["reject"],
                lead=r.get("lead"),
            )
        states[state_name] = StateSpec(
            name=state_name,
            kind=s["kind"],
            title=_text(s["title"], state_name),
            roles=tuple(s["roles"]),
            assignee=s.get("assignee"),
            deadline=deadline,
            reminders=tuple(Duration.parse(r) for r in s["reminders"]),
            requires=tuple(s["requires"]),
            editable=tuple(s["editable"]),
            review=review,
            public=s["public"],
            stage=s.get("stage"),
        )
    non_terminal = [n for n, s in states.items() if s.kind != "terminal"]
    transitions = []
    for t in data["transitions"]:
        sources = t["from_"]
        if sources == ["*"]:
            sources = [n for n in non_terminal if n not in t["except_"]]
        transitions.append(
            TransitionSpec(
                trigger=t["trigger"],
                sources=tuple(sources),
                dest=t["to"],
                roles=tuple(t["roles"]),
                title=_text(t.get("title"), t["trigger"].replace("_", " ")),
                guards=tuple(
                    GuardRef(g["name"], g["severity"], MappingProxyType(dict(g["params"])))
                    for g in t["guards"]
                ),
                comment=t["comment"],
                requires=tuple(t["requires"]),
                check_requirements=t["check_requirements"],
                by_system=t["by"] == "system",
            )
        )
    return Definition(
        key=data["key"],
        title=_text(data["title"], data["key"]),
        category=data["category"],
        initial=data["initial"],
        fields_schema=data["fields_"],
        start_roles=tuple(data["start_roles"]),
        roles=MappingProxyType(
            {
                n: RoleSpec(n, _text(r["title"], n), r["scope"], r.get("supervisor"))
                for n, r in data["roles"].items()
            }
        ),
        parameters=MappingProxyType(
            {
                n: ParameterSpec(
                    n,
                    Duration.parse(p["value"]),
                    p["source"],
                    p["basis"],
                    p["note"],
                    p["article"],
                    p["quote"],
                )
                for n, p in data["parameters"].items()
            }
        ),
        states=MappingProxyType(states),
        transitions=tuple(transitions),
        stages=tuple((s["name"], _text(s["title"], s["name"])) for s in data["stages"]),
        content_hash=content_hash(raw),
        source_name=name,
        source_text=text,
        raw=raw,
    )
