"""A small generic field schema, used by test fixtures and simple custom workflows."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from workflow.fields import dates
from workflow.fields.registry import FieldSet, register_field_set


class GenericFields(Schema):
    class Meta:
        unknown = RAISE

    title = fields.String(validate=validate.Length(min=1, max=500))
    title_partner = fields.String(validate=validate.Length(max=500))
    summary = fields.String()
    partner_country = fields.String(validate=validate.Regexp(r"^[A-Z]{2}$"))
    partner_level = fields.String(
        validate=validate.OneOf(("national", "state", "province", "city"))
    )
    languages = fields.List(fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$")))
    planned_signing_date = dates.Date()
    notes = fields.String()


register_field_set(
    FieldSet(
        "generic",
        GenericFields,
        promote={
            "title": lambda f: f.get("title"),
            "title_partner": lambda f: f.get("title_partner"),
            "partner_country": lambda f: f.get("partner_country"),
            "planned_date": lambda f: f.get("planned_signing_date"),
        },
    )
)
