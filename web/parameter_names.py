"""What a definition's terms are called, and where they come from, in the reader's language.

A definition names its terms (``initiation_time``) and tags their source (``law``,
``practice``, ``default``) for the machine; pages show the title and the tag in words. A term
without a title here is shown by its name with spaces (a new definition should add one).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from workflow.calendar.durations import Duration, Unit

TITLES = {
    "adoption_time": _l("Adoption of the plan"),
    "agenda_lead": _l("Agenda before the meeting"),
    "annual_report_due": _l("Annual report"),
    "drafting_time": _l("Drafting the texts"),
    "entry_recording_time": _l("Recording the entry into force"),
    "filing_lead": _l("Filing before the meeting"),
    "government_consent_time": _l("Consent of the Government"),
    "initiation_time": _l("Notice after the initiative"),
    "intake_time": _l("Registering the incoming draft"),
    "invitation_lead": _l("Invitations before the meeting"),
    "legislative_approval_time": _l("Approval by the legislature"),
    "meeting_record_time": _l("Recording the meeting as held"),
    "minutes_agreement": _l("Agreeing the minutes"),
    "minutes_drafting": _l("Drafting the minutes"),
    "monitoring_start": _l("Start of monitoring"),
    "negotiation_notice_lead": _l("Notice of negotiations before signing"),
    "plan_drafting_time": _l("Drafting the plan"),
    "plan_review_sla": _l("Review of the plan"),
    "plans_adoption": _l("Adoption of the joint plans"),
    "postponement_decision": _l("New date after a postponement"),
    "profiling_time": _l("Profile of the partner"),
    "proposals_window": _l("Proposals for the agenda"),
    "quarterly_report_due": _l("Quarterly report"),
    "quarterly_review_due": _l("Quarterly review"),
    "regional_report_due": _l("Report to the region"),
    "regional_review_sla": _l("Review by the region"),
    "registration_decision": _l("Decision on registration"),
    "registration_processing": _l("Registration by the Ministry of Justice"),
    "registration_submission": _l("Submission for registration"),
    "review_sla": _l("Federal review"),
    "revision_time": _l("Answering the remarks"),
    "scheduling_time": _l("Fixing the signing date"),
    "signing_record_time": _l("Recording the signatures"),
    "submission_lead": _l("Submission before signing"),
    "termination_notice": _l("Notice of termination"),
    "year_closing": _l("Closing the year"),
}

SOURCES = {
    "law": _l("set by law"),
    "practice": _l("regional practice"),
    "default": _l("chosen here"),
}


def parameter_title(name: str) -> str:
    found = TITLES.get(name)
    return str(found) if found is not None else name.replace("_", " ").capitalize()


def source_title(source: str) -> str:
    found = SOURCES.get(source)
    return str(found) if found is not None else source


def duration_text(value: Duration) -> str:
    """``20 working_days`` as "20 рабочих дней" / "20 working days"."""
    n = value.amount
    if value.unit == Unit.WORKING_DAYS:
        return ngettext("%(num)d working day", "%(num)d working days", n)
    if value.unit == Unit.MONTHS:
        return ngettext("%(num)d month", "%(num)d months", n)
    return ngettext("%(num)d calendar day", "%(num)d calendar days", n)
