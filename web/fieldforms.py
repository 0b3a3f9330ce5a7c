"""HTML inputs generated from a definition's marshmallow field schema, and posted values read
back into the nested field data the engine expects.

Which fields appear comes from the definition (a state's ``editable`` list, a transition's
``requires``); how each is entered comes from its marshmallow type: dates get a date picker,
choices a select, lists of choices checkboxes, nested schemas a group of inputs. Lists of nested
records are shown read-only (there is no generic way to edit them without scripts). Countries,
languages and directory organizations are picked by name (``web.vocab``), never typed as codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields as mf
from marshmallow import validate

from web import defs, vocab
from workflow.fields import get_field_set
from workflow.fields.registry import DOCUMENT_TOKENS, value_at

MULTILINE = {"summary", "notes", "description", "text", "comment", "clauses", "subject"}

# Labels of the fields the shipped schemas use. A nested path is labelled by its parts
# ("Signing, Russian side: date"); anything unknown falls back to the schema's metadata
# ("title": {"ru", "en"}) or to the field name.
LABELS = {
    "title": _l("Title"),
    "title_partner": _l("Title in the partner's language"),
    "summary": _l("Summary"),
    "notes": _l("Notes"),
    "partner": _l("Foreign partner"),
    "partner_country": _l("Partner country"),
    "partner_level": _l("Partner level"),
    "subject_areas": _l("Areas of cooperation"),
    "tags": _l("Tags"),
    "languages": _l("Languages of the authentic texts"),
    "planned_signing_date": _l("Planned signing date"),
    "planned_signing_place": _l("Planned signing place"),
    "signatories": _l("Signatories"),
    "signing_russian": _l("Signing, Russian side"),
    "signing_partner": _l("Signing, partner side"),
    "term": _l("Term"),
    "valid_until": _l("Valid until"),
    "entry_into_force": _l("Entry into force"),
    "in_force_from": _l("In force from"),
    "registration": _l("State registration"),
    "termination": _l("Termination"),
    "requires_government_consent": _l("Needs the consent of the Government"),
    "government_consent": _l("Consent of the Government"),
    "legislative_approval_required": _l("Needs approval by the legislature"),
    "legislative_approval": _l("Approval by the legislature"),
    "partner_profile": _l("Partner profile"),
    "region_consent": _l("Consent of the region"),
    "report_period_end": _l("End of the reporting period"),
    "annual_report": _l("Annual report"),
    "period_start": _l("Plan period from"),
    "period_end": _l("Plan period to"),
    "adoption": _l("Adoption act"),
    "monitoring_period_end": _l("End of the monitoring period"),
    "progress_report": _l("Progress report"),
    "year_report": _l("Yearly report"),
    "year": _l("Year"),
    "meeting_date": _l("Meeting date"),
    "venue": _l("Venue"),
    # leaves of nested records
    "org_id": _l("organization in the directory"),
    "country": _l("country"),
    "level": _l("level"),
    "name_ru": _l("name in Russian"),
    "name_partner": _l("name in the partner's language"),
    "language": _l("language"),
    "russian": _l("Russian side"),
    "name": _l("name"),
    "position": _l("position"),
    "date": _l("date"),
    "place": _l("place"),
    "signatory": _l("signatory"),
    "years": _l("years"),
    "automatic_renewal": _l("renewed automatically"),
    "renewal_years": _l("renewal, years"),
    "termination_notice_days": _l("notice of termination, days"),
    "number": _l("number"),
    "note": _l("note"),
    "notice_date": _l("notice date"),
    "reason": _l("reason"),
    "period": _l("period"),
    "submitted_on": _l("submitted on"),
    # what the services name in their refusals besides a case's fields
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "timezone": _l("time zone"),
    "text": _l("Text"),
    "kind": _l("Kind"),
    "decisions": _l("decisions"),
    "password": _l("Password"),
    "roles": _l("Roles"),
    "expires_on": _l("valid until"),
    "url": _l("address (URL)"),
    # requirement tokens that are not fields
    "documents": _l("texts of the agreement"),
    "documents:ru": _l("Russian text"),
    "documents:partner": _l("text in the partner's language"),
    "languages:partner": _l("the partner's language among the languages of the texts"),
}

# How to fill in a few leaves whose format is not obvious.
HINTS = {
    "period": _l("A year (2026) or a quarter (2026-Q3)."),
    "languages": _l("Hold Ctrl (⌘ on a Mac) to choose several; type to find a language."),
}

# Labels of vocabulary values (choices) the shipped schemas use.
CHOICES = {
    "trade_economic": _l("trade and economic"),
    "scientific_technical": _l("scientific and technical"),
    "environmental": _l("environmental"),
    "humanitarian": _l("humanitarian"),
    "cultural": _l("cultural"),
    "education": _l("education"),
    "other": _l("other"),
    "cross_border": _l("cross-border"),
    "compatriots": _l("compatriots"),
    "friendship_societies": _l("friendship societies"),
    "national": _l("national government"),
    "state": _l("state"),
    "province": _l("province"),
    "city": _l("city"),
    "on_signing": _l("on signing"),
    "on_registration": _l("on registration"),
    "after_legislative_approval": _l("after approval by the legislature"),
}


@dataclass
class FieldInput:
    path: str
    label: str
    # text|textarea|date|integer|number|checkbox|select|multi|multiselect|org|list|readonly
    kind: str
    value: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    required: bool = False  # the step at hand needs it (marked on the form)
    error: str = ""  # why the last submission refused it, in the reader's language

    @property
    def input_name(self) -> str:
        return f"f.{self.path}"

    @property
    def input_id(self) -> str:
        return "f-" + self.path.replace(".", "-")

    def covers(self, path: str) -> bool:
        """Is ``path`` (``languages.0``, ``partner.country``) this input's value?"""
        return path == self.path or path.startswith(self.path + ".")


# Labels that differ by field set: a meeting cycle's second title is its English one.
SCHEMA_LABELS = {("coordination_cycle", "title_partner"): _l("Title in English")}


def label_for(path: str, schema_name: str | None = None) -> str:
    # A list element ("languages.0") is reported by the list's own label.
    path = ".".join(part for part in path.split(".") if not part.isdigit()) or path
    if (schema_name, path) in SCHEMA_LABELS:
        return str(SCHEMA_LABELS[(schema_name, path)])
    if path in LABELS:
        return str(LABELS[path])
    if path.startswith("documents:"):
        return str(_l("text in language %(lang)s", lang=path.split(":", 1)[1]))
    if "." in path and all(part in LABELS for part in path.split(".")):
        head, *rest = path.split(".")
        return f"{LABELS[head]}: " + ", ".join(str(LABELS[p]) for p in rest)
    if schema_name:
        found = _field_at(schema_name, path)
        title = found.metadata.get("title") if found is not None else None
        if isinstance(title, Mapping):
            return title.get(defs.language()) or title.get("ru") or path
        if isinstance(title, str):
            return title
    leaf = path.rsplit(".", 1)[-1]
    return leaf.replace("_", " ").capitalize()


def _schema(schema_name: str):
    return get_field_set(schema_name).schema()


def _field_at(schema_name: str, path: str) -> mf.Field | None:
    schema = _schema(schema_name)
    current: Any = schema
    found = None
    for part in path.split("."):
        fields_map = getattr(current, "fields", None)
        if fields_map is None:
            return None
        found = next((f for name, f in fields_map.items() if (f.data_key or name) == part), None)
        if found is None:
            return None
        inner = found.inner if isinstance(found, mf.List) else found
        current = inner.schema if isinstance(inner, mf.Nested) else None
    return found


def _choices(field: mf.Field) -> tuple[tuple[str, str], ...]:
    for validator in getattr(field, "validators", []):
        if isinstance(validator, validate.OneOf):
            labels = field.metadata.get("choices") or {}
            return tuple((str(c), _choice_label(labels.get(c), c)) for c in validator.choices)
    return ()


def _choice_label(label: Any, value: str) -> str:
    if isinstance(label, Mapping):
        return label.get(defs.language()) or label.get("ru") or value
    if label:
        return str(label)
    return str(CHOICES[value]) if value in CHOICES else value.replace("_", " ")


def choice_label(value: Any) -> Any:
    """A vocabulary value in the reader's language (other values unchanged)."""
    return str(CHOICES[value]) if isinstance(value, str) and value in CHOICES else value


def _input(schema_name: str, path: str, field: mf.Field, fields_data: Mapping[str, Any]):
    made = _bare_input(schema_name, path, field, fields_data)
    leaf = path.rsplit(".", 1)[-1]
    if made is not None and not made.hint and leaf in HINTS:
        made.hint = str(HINTS[leaf])
    return made


def _bare_input(schema_name: str, path: str, field: mf.Field, fields_data: Mapping[str, Any]):
    value = value_at(fields_data, path)
    label = label_for(path, schema_name)
    if isinstance(field, mf.Nested):
        return None  # expanded into its leaves by the caller
    leaf = path.rsplit(".", 1)[-1]
    if isinstance(field, mf.List):
        inner = field.inner
        if isinstance(inner, mf.Nested):
            return FieldInput(path, label, "readonly", value)
        if leaf == "languages":
            chosen = list(value or [])
            # The chosen languages first: a list box shows only a few lines of ~180.
            offered = sorted(vocab.language_choices(chosen), key=lambda c: c[0] not in chosen)
            return FieldInput(path, label, "multiselect", chosen, tuple(offered))
        choices = _choices(inner)
        if choices:
            return FieldInput(path, label, "multi", list(value or []), choices)
        return FieldInput(
            path,
            label,
            "list",
            ", ".join(map(str, value or [])),
            hint=str(_l("Separate with commas.")),
        )
    if leaf == "org_id":
        return FieldInput(path, label, "org", "" if value is None else str(value), org_choices())
    if isinstance(field, mf.Boolean):
        return FieldInput(path, label, "checkbox", bool(value))
    if isinstance(field, mf.Date):
        return FieldInput(path, label, "date", value or "")
    if isinstance(field, mf.Integer):
        return FieldInput(path, label, "integer", "" if value is None else value)
    if isinstance(field, mf.Float | mf.Decimal):
        return FieldInput(path, label, "number", "" if value is None else value)
    if isinstance(field, mf.Dict):
        return FieldInput(path, label, "readonly", value)
    if leaf == "country" or leaf.endswith("_country"):
        return FieldInput(path, label, "select", value or "", vocab.country_choices(value))
    if leaf == "language" or leaf.endswith("_language"):
        return FieldInput(path, label, "select", value or "", vocab.language_choices(value))
    choices = _choices(field)
    if choices:
        return FieldInput(path, label, "select", value or "", choices)
    kind = "textarea" if path.rsplit(".", 1)[-1] in MULTILINE else "text"
    return FieldInput(path, label, kind, "" if value is None else value)


def _leaves(schema, prefix: str = ""):
    for name, field in schema.fields.items():
        path = f"{prefix}{field.data_key or name}"
        if isinstance(field, mf.Nested):
            yield from _leaves(field.schema, f"{path}.")
        else:
            yield path, field


def inputs_for(
    schema_name: str, paths: Iterable[str], fields_data: Mapping[str, Any]
) -> list[FieldInput]:
    """Inputs for ``paths`` (``*`` means every field); nested paths expand to their leaves.
    Document tokens (``documents``, ``documents:ru``) are not fields and are skipped."""
    schema = _schema(schema_name)
    wanted = [p for p in paths if p not in DOCUMENT_TOKENS and not p.startswith("documents")]
    everything = "*" in wanted
    result: list[FieldInput] = []
    seen: set[str] = set()
    for path, field in _leaves(schema):
        if not everything and not any(path == w or path.startswith(w + ".") for w in wanted):
            continue
        if path in seen:
            continue
        made = _input(schema_name, path, field, fields_data)
        if made is not None:
            seen.add(path)
            result.append(made)
    return result


def _set(target: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _clean(kind: str, raw: list[str]) -> Any:
    if kind == "checkbox":
        return bool(raw and raw[-1] in ("on", "1", "true", "yes"))
    if kind in ("multi", "multiselect"):
        return [r for r in raw if r]
    value = (raw[-1] if raw else "").strip()
    if kind == "list":
        return [part.strip() for part in value.split(",") if part.strip()]
    if value == "":
        return None
    if kind in ("integer", "number", "org"):
        # Strict schemas want real numbers; a value that is not one goes through as text, so
        # marshmallow reports it by its field name.
        try:
            return float(value.replace(",", ".")) if kind == "number" else int(value)
        except ValueError:
            return value
    if kind == "date":
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            return value
    return value


# Inputs that post nothing when nothing is chosen (the form lists them in "shown").
CHOSEN_MANY = ("checkbox", "multi", "multiselect")


def org_choices() -> tuple[tuple[str, str], ...]:
    """Foreign partners of the directory as ``(id, "name (country)")``, by name."""
    from web.current import engine
    from workflow.queries.partners import foreign_partners

    with engine().uow(write=False) as uow:
        rows = foreign_partners(uow.session)
    english = defs.language() == "en"
    labelled = [
        (str(r.id), f"{(english and r.name_en) or r.name_ru} ({vocab.country_label(r.country)})")
        if r.country
        else (str(r.id), (english and r.name_en) or r.name_ru)
        for r in rows
    ]
    return tuple(sorted(labelled, key=lambda pair: pair[1].casefold()))


def attach_errors(inputs: list[FieldInput], errors: Mapping[str, str]) -> None:
    """Give each input the refusal of its field (``languages.0`` belongs to ``languages``)."""
    for path, message in errors.items():
        for item in inputs:
            if item.covers(path) and not item.error:
                item.error = message


def keep_posted_choice(item: FieldInput) -> None:
    """A refused form shows what was sent, even a value the list does not offer."""
    offered = {value for value, _label in item.choices}
    chosen = item.value if isinstance(item.value, list) else [item.value]
    extra = tuple((v, v) for v in chosen if v and v not in offered)
    if item.kind in ("select", "multiselect", "org") and extra:
        item.choices = extra + item.choices


def mark_required(inputs: list[FieldInput], needed: Iterable[str]) -> None:
    """Mark the inputs of what ``needed`` names (a nested path or one of its parents)."""
    wanted = list(needed)
    for item in inputs:
        if any(item.path == n or item.path.startswith(n + ".") for n in wanted):
            item.required = True


def read_posted(inputs: list[FieldInput], form, current: Mapping[str, Any]) -> dict[str, Any]:
    """The top-level fields whose posted value differs from ``current``.

    Nested records are merged with their current content, so a form that shows some leaves
    keeps the others. An input that is not in the posted form at all is left unchanged (for
    checkboxes, whose unticked state posts nothing, the form lists the ones it showed). One
    posted empty removes a nested leaf; top-level fields cannot be blanked (the schemas accept
    no nulls). An unticked checkbox or an empty list where nothing was set before is not a
    change.
    """
    merged: dict[str, Any] = {}
    shown = set(form.getlist("shown"))
    for item in inputs:
        if item.kind == "readonly":
            continue
        raw = form.getlist(item.input_name)
        # An unticked box posts nothing; the form says which boxes it showed ("shown").
        if not raw and (item.kind not in CHOSEN_MANY or item.path not in shown):
            continue
        value = _clean(item.kind, raw)
        if value in (False, []) and value_at(current, item.path) is None:
            continue
        top = item.path.split(".", 1)[0]
        if "." in item.path and top not in merged:
            existing = current.get(top)
            merged[top] = _deep_copy(existing) if isinstance(existing, Mapping) else {}
        if value is None:
            if "." in item.path:
                _drop(merged, item.path)
            continue
        _set(merged, item.path, value)
    changes = {}
    for key, value in merged.items():
        if isinstance(value, dict):
            value = _prune(value)
        if value != current.get(key) and not (value in (None, {}) and current.get(key) is None):
            changes[key] = value
    return changes


def _deep_copy(value: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in value.items()}


def _drop(target: dict, path: str) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.get(part) or {}
    if isinstance(target, dict):
        target.pop(parts[-1], None)


def _prune(value: dict) -> dict:
    out = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = _prune(item)
            if not item:
                continue
        if item is None:
            continue
        out[key] = item
    return out
