"""Building blocks shared by the domain field schemas: people, acts, reports, vocabularies.

Every schema here rejects unknown keys (``RAISE``), including nested ones, so a typo in an API
payload is an error naming the field rather than silently stored data. Fields are never
``required`` at this level: the field set is always loaded with ``partial=True``, and what a
step needs is stated by the definition's ``requires`` (so a refusal can list what is missing).
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from workflow.fields import dates

# Subject areas of cooperation (DESIGN §2 "Data on an agreement"); also used by plan items.
SUBJECT_AREAS = (
    "trade_economic",
    "scientific_technical",
    "environmental",
    "humanitarian",
    "cultural",
    "education",
    "other",
)
TAGS = ("cross_border", "compatriots", "friendship_societies")
PARTNER_LEVELS = ("national", "state", "province", "city")
ENTRY_INTO_FORCE_RULES = ("on_signing", "on_registration", "after_legislative_approval")

COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="an ISO 3166-1 alpha-2 code such as CN")
LANGUAGE = validate.Regexp(r"^[a-z]{2,3}$", error="a language code such as ru, zh or kk")
QUARTER = validate.Regexp(r"^\d{4}-Q[1-4]$", error="a quarter written as 2027-Q2")


def text(max_length: int = 500) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_length))


class Strict(Schema):
    class Meta:
        unknown = RAISE


class PersonSchema(Strict):
    """A signatory: who signs, and in what capacity."""

    name = text(200)
    position = text(300)


class SignatoriesSchema(Strict):
    russian = fields.Nested(PersonSchema)
    partner = fields.Nested(PersonSchema)


class SigningSchema(Strict):
    """One party's signature. Parties may sign on different days in different places
    (sequential or remote signing), so each side has its own record."""

    date = dates.Date()
    place = text(300)
    signatory = fields.Nested(PersonSchema)


class ActSchema(Strict):
    """A reference to a formal act: a registration entry, a consent, a resolution."""

    number = text(100)
    date = dates.Date()
    note = text(1000)


class ReportSchema(Strict):
    """A periodic report: ``period`` is a year ("2026") or a quarter ("2026-Q3")."""

    period = fields.String(validate=validate.Regexp(r"^\d{4}(-Q[1-4])?$"))
    summary = text(20_000)
    submitted_on = dates.Date()
