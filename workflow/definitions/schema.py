"""marshmallow schemas for the YAML definition format. Unknown keys are errors.

These schemas check shape and types only; cross-references (states, roles, guards, fields) and
graph properties are checked by ``workflow.definitions.verify``.
"""

from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflow.calendar.durations import Duration
from workflow.definitions.model import ROLE_SCOPES, STATE_KINDS

IDENT = validate.Regexp(r"^[a-z][a-z0-9_]*$", error="must be a lowercase identifier (a-z, 0-9, _)")


class DurationField(fields.String):
    """A duration written as ``"<N> <unit>"``; kept as text, checked here."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            Duration.parse(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        return text


class StringOrList(fields.Field):
    """``x`` or ``[x, y]``, always returned as a list of identifiers."""

    def _deserialize(self, value, attr, data, **kwargs):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValidationError("must be a name or a list of names")
        return items


class ReviewRuleField(fields.Field):
    """``all``, ``any`` or ``{quorum: N}``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in ("all", "any"):
            return {"rule": value, "quorum": None}
        if isinstance(value, dict) and set(value) == {"quorum"}:
            quorum = value["quorum"]
            if isinstance(quorum, int) and not isinstance(quorum, bool) and quorum >= 1:
                return {"rule": "quorum", "quorum": quorum}
        raise ValidationError("must be 'all', 'any' or {quorum: N} with N >= 1")


class Strict(Schema):
    class Meta:
        unknown = RAISE


class TextSchema(Strict):
    ru = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


class RoleSchema(Strict):
    title = fields.Nested(TextSchema, required=True)
    scope = fields.String(required=True, validate=validate.OneOf(ROLE_SCOPES))
    supervisor = fields.String(validate=IDENT)


class ParameterSchema(Strict):
    """A definition's parameter. ``law`` must also give ``article`` (the article and part of
    the act named in ``basis``) and ``quote`` (the words that set the term): the verifier
    refuses a ``law`` tag without them (rule ``law-without-quote``)."""

    value = DurationField(required=True)
    source = fields.String(required=True, validate=validate.OneOf(("law", "practice", "default")))
    basis = fields.String(load_default="")
    article = fields.String(load_default="")
    quote = fields.String(load_default="")
    note = fields.String(load_default="")


class DateField(fields.Field):
    """A date as YAML writes it (``2024-10-04``, read as a date) or as ISO text."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ValidationError("write the date as YYYY-MM-DD") from exc


class ActSchema(Strict):
    """The regional act a region's override comes from: which act, its number and date, and
    the article (and part or point) that sets the term."""

    title = fields.String(required=True, validate=validate.Length(min=1))
    number = fields.String(required=True, validate=validate.Length(min=1))
    date = DateField(required=True)
    article = fields.String(required=True, validate=validate.Length(min=1))


class OverrideSchema(ParameterSchema):
    """A region's value of a parameter (``definitions/parameters/<REGION>.yaml``). Without
    ``act`` it is unsourced: reported by ``soglasie definitions check`` and not applied, except
    in the demo's own data."""

    act = fields.Nested(ActSchema)


class DeadlineSchema(Strict):
    within = fields.String(required=True)
    after = fields.String()
    before = fields.String()
    pauses_in = fields.List(fields.String(validate=IDENT), load_default=list)
    escalate_to = fields.String(validate=IDENT)

    @validates_schema
    def _one_anchor(self, data, **kwargs):
        if ("after" in data) == ("before" in data):
            raise ValidationError("give exactly one of 'after' and 'before'", "within")


class ReviewSchema(Strict):
    reviewers = fields.List(fields.String(validate=IDENT), required=True)
    rule = ReviewRuleField(required=True)
    approve = fields.String(required=True, validate=IDENT)
    reject = fields.String(required=True, validate=IDENT)
    lead = fields.String(validate=IDENT)


class StateSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(STATE_KINDS))
    title = fields.Nested(TextSchema, required=True)
    roles = fields.List(fields.String(validate=IDENT), load_default=list)
    assignee = fields.String(validate=validate.OneOf(("creator",)))
    deadline = fields.Nested(DeadlineSchema)
    reminders = fields.List(DurationField(), load_default=list)
    requires = fields.List(fields.String(), load_default=list)
    editable = fields.List(fields.String(), load_default=list)
    review = fields.Nested(ReviewSchema)
    public = fields.Boolean(load_default=False)
    stage = fields.String(validate=IDENT)


class GuardRefField(fields.Field):
    """``name`` or ``{name: x, severity: warn, params: {...}}``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return {"name": value, "severity": "block", "params": {}}
        if isinstance(value, dict):
            unknown = set(value) - {"name", "severity", "params"}
            if unknown:
                raise ValidationError(f"unknown keys {sorted(unknown)}")
            if not isinstance(value.get("name"), str):
                raise ValidationError("a guard needs a 'name'")
            severity = value.get("severity", "block")
            if severity not in ("block", "warn"):
                raise ValidationError("severity must be 'block' or 'warn'")
            params = value.get("params") or {}
            if not isinstance(params, dict):
                raise ValidationError("params must be a mapping")
            return {"name": value["name"], "severity": severity, "params": params}
        raise ValidationError("a guard is a name or a mapping with 'name'")


class TransitionSchema(Strict):
    trigger = fields.String(required=True, validate=IDENT)
    from_ = StringOrList(required=True, data_key="from")
    except_ = fields.List(fields.String(), data_key="except", load_default=list)
    to = fields.String(required=True, validate=IDENT)
    roles = fields.List(fields.String(validate=IDENT), load_default=list)
    title = fields.Nested(TextSchema)
    guards = fields.List(GuardRefField(), load_default=list)
    comment = fields.String(
        load_default="optional", validate=validate.OneOf(("required", "optional", "none"))
    )
    requires = fields.List(fields.String(), load_default=list)
    check_requirements = fields.Boolean(load_default=True)
    by = fields.String(validate=validate.OneOf(("people", "system")), load_default="people")


class StageSchema(Strict):
    name = fields.String(required=True, validate=IDENT)
    title = fields.Nested(TextSchema, required=True)


class DefinitionSchema(Strict):
    key = fields.String(required=True, validate=IDENT)
    title = fields.Nested(TextSchema, required=True)
    description = fields.String()
    category = fields.String(
        required=True, validate=validate.OneOf(("agreement", "plan", "meeting"))
    )
    fields_ = fields.String(required=True, data_key="fields", validate=IDENT)
    initial = fields.String(required=True, validate=IDENT)
    start_roles = fields.List(fields.String(validate=IDENT), required=True)
    roles = fields.Dict(
        keys=fields.String(validate=IDENT), values=fields.Nested(RoleSchema), required=True
    )
    parameters = fields.Dict(
        keys=fields.String(validate=IDENT), values=fields.Nested(ParameterSchema), load_default=dict
    )
    stages = fields.List(fields.Nested(StageSchema), load_default=list)
    states = fields.Dict(
        keys=fields.String(validate=IDENT), values=fields.Nested(StateSchema), required=True
    )
    transitions = fields.List(fields.Nested(TransitionSchema), required=True)
