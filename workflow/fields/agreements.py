"""Fields of cooperation agreements: ``regional_agreement`` (a region with a foreign partner,
4-FZ) and ``twin_city_agreement`` (a municipality with a foreign local government, 131-FZ).

The two share one shape; the twin-city set narrows the partner to the local level and adds the
profiling note and the annual report. Dotted paths (``signing_partner.date``) are what the
definitions' ``requires`` name, so a refusal lists exactly the missing piece.

Per-party data is kept in separate top-level fields (``signing_russian``, ``signing_partner``)
because a trigger's data replaces top-level fields whole: recording the partner's signature must
not erase the Russian side's.
"""

from __future__ import annotations

from marshmallow import fields, validate

from workflow.fields import dates
from workflow.fields.common import (
    COUNTRY,
    ENTRY_INTO_FORCE_RULES,
    LANGUAGE,
    PARTNER_LEVELS,
    SUBJECT_AREAS,
    TAGS,
    ActSchema,
    ReportSchema,
    SignatoriesSchema,
    SigningSchema,
    Strict,
    text,
)
from workflow.fields.derived import derive_valid_until
from workflow.fields.registry import FieldSet, register_field_set


class PartnerSchema(Strict):
    """The foreign party: an organization from the directory (``org_id``) and/or its country,
    level and names. ``level: national`` means a body of a foreign national government, which
    under 4-FZ art. 1 needs the Russian Government's consent."""

    org_id = fields.Integer(strict=True, validate=validate.Range(min=1))
    country = fields.String(validate=COUNTRY)
    level = fields.String(validate=validate.OneOf(PARTNER_LEVELS))
    name_ru = text(300)
    name_partner = text(300)  # the name in the partner's own language
    language = fields.String(validate=LANGUAGE)


class LocalPartnerSchema(PartnerSchema):
    """Municipalities deal only with foreign local governments (131-FZ art. 69.4)."""

    level = fields.String(
        validate=validate.OneOf(("city",), error="a twin-city partner is a local government")
    )


class TermSchema(Strict):
    years = fields.Integer(strict=True, validate=validate.Range(min=1, max=99))
    automatic_renewal = fields.Boolean()
    renewal_years = fields.Integer(strict=True, validate=validate.Range(min=1, max=99))
    termination_notice_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=3650))


class TerminationSchema(Strict):
    notice_date = dates.Date()  # the day the other party was notified
    reason = text(2000)


class AgreementFields(Strict):
    title = text(500)
    title_partner = text(500)
    summary = fields.String(validate=validate.Length(max=20_000))
    notes = fields.String(validate=validate.Length(max=20_000))
    partner = fields.Nested(PartnerSchema)
    subject_areas = fields.List(fields.String(validate=validate.OneOf(SUBJECT_AREAS)))
    tags = fields.List(fields.String(validate=validate.OneOf(TAGS)))
    languages = fields.List(fields.String(validate=LANGUAGE))  # of the authentic texts
    planned_signing_date = dates.Date()
    planned_signing_place = text(300)
    signatories = fields.Nested(SignatoriesSchema)
    signing_russian = fields.Nested(SigningSchema)
    signing_partner = fields.Nested(SigningSchema)
    term = fields.Nested(TermSchema)
    valid_until = dates.Date()
    entry_into_force = fields.String(validate=validate.OneOf(ENTRY_INTO_FORCE_RULES))
    in_force_from = dates.Date()
    registration = fields.Nested(ActSchema)
    termination = fields.Nested(TerminationSchema)


class RegionalAgreementFields(AgreementFields):
    requires_government_consent = fields.Boolean()
    government_consent = fields.Nested(ActSchema)
    legislative_approval_required = fields.Boolean()
    legislative_approval = fields.Nested(ActSchema)


class TwinCityAgreementFields(AgreementFields):
    partner = fields.Nested(LocalPartnerSchema)
    partner_profile = fields.String(validate=validate.Length(max=20_000))  # by the agency
    region_consent = fields.Nested(ActSchema)
    report_period_end = dates.Date()  # the end of the year the next annual report covers
    annual_report = fields.Nested(ReportSchema)


def _partner(field: str):
    return lambda f: (f.get("partner") or {}).get(field)


AGREEMENT_PROMOTE = {
    "title": lambda f: f.get("title"),
    "title_partner": lambda f: f.get("title_partner"),
    "partner_country": _partner("country"),
    "planned_date": lambda f: f.get("planned_signing_date"),
}

register_field_set(
    FieldSet("regional_agreement", RegionalAgreementFields, AGREEMENT_PROMOTE, derive_valid_until)
)
register_field_set(
    FieldSet("twin_city_agreement", TwinCityAgreementFields, AGREEMENT_PROMOTE, derive_valid_until)
)
