"""The task panel of the agreement page ("What you can do now"): where the next step is not
obvious, it says so.

- A case back with remarks shows them (who, which organization, what, about which versions)
  above the button that resubmits; resubmitting texts that have no new version asks for a
  confirmation (a checkbox the server checks), unless the definition's ``new_text_version``
  guard refuses it outright.
- A reviewer of round 2 or later sees which texts changed since the round she last answered,
  with links to the comparison.
- A step that cannot be taken says why beside its disabled button, with a link to the form that
  fills what is missing. The reasons are the engine's refusals (``available_transitions``); this
  module only turns their missing fields and texts into places on the page.
- A task still in its role's queue says that acting on it takes it (the engine records the claim).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from web.vocab import language_label, language_options
from workflow.fields.registry import DOCUMENT_TOKENS
from workflow.queries import review_notes

CONFIRM_FIELD = "confirm_unchanged"


@dataclass(frozen=True)
class FixLink:
    href: str
    text: str


def field_of(token: str) -> str:
    """The field a missing-requirement token is filled through: ``languages:partner`` (no
    partner language declared yet) through ``languages``; a text token stays as it is."""
    if token.startswith("documents"):
        return token
    return token.split(":", 1)[0]


def fix_links(blocked: list[dict], shown: set[str], can_edit: bool, can_upload: bool):
    """Where on the page each thing the step misses can be filled, for what its own form does
    not ask: the texts (the upload form), other fields (the details form)."""
    links: dict[str, FixLink] = {}
    for b in blocked:
        missing = [m for m in b.get("missing", ()) if field_of(m) not in shown]
        texts = [m for m in missing if m in DOCUMENT_TOKENS or m.startswith("documents:")]
        if (texts or b["reason"] == "no_new_version") and can_upload:
            links["#documents"] = FixLink("#documents", _("Upload the text"))
        fields = [m for m in missing if m not in texts]
        if b["reason"] in ("guard", "lead_time") and b.get("field") and b["field"] not in shown:
            fields.append(b["field"])
        if fields and can_edit:
            links["#fields"] = FixLink("#fields", _("Fill in the details"))
    return list(links.values())


def returned_round(session, case_id: int, state: str):
    """The round whose remarks brought the case here, or None."""
    return review_notes.last_return(session, case_id, state)


def needs_confirmation(session, case_id: int, returned) -> bool:
    """A resubmission would send exactly the texts the reviewers returned."""
    return returned is not None and review_notes.unchanged_since(session, case_id, returned)


def resubmits(action: dict, returned) -> bool:
    """The action sends the case back into the review state that returned it."""
    return returned is not None and action.get("to_state") == returned.state


def my_open_task(tasks, state: str, user_id: int, holds_role):
    """The open task of the current state this person would act on: hers, else one in her
    role's queue (the one acting on it claims, ``workflow.services.reviews``)."""
    mine = [t for t in tasks if t.state == state and t.assignee_id == user_id]
    queue = [t for t in tasks if t.state == state and t.assignee_id is None and holds_role(t.role)]
    return (mine or queue or [None])[0]


def review_changes(session, case_id: int, state: str, user_id: int, task):
    """What changed for a reviewer in round 2 or later (``review_notes.ReviewChanges``)."""
    if task is None:
        return None
    return review_notes.changes_since_my_review(session, case_id, state, user_id, task.role)


def suggest_partner_language(inputs, fields: dict) -> None:
    """The step's ``languages`` input, when it still lacks the partner's language, suggests
    Russian and the language of the partner's record (``partner.language``): one look, one
    click. Nothing is saved until the person submits the step."""
    partner_language = (fields.get("partner") or {}).get("language")
    if not partner_language or partner_language == "ru":
        return
    for item in inputs:
        if item.path != "languages":  # a list box of language names (web.fieldforms)
            continue
        declared = list(item.value or [])
        if any(lang != "ru" for lang in declared):
            continue
        item.value = list(dict.fromkeys(["ru", *declared, partner_language]))
        item.choices = language_options(item.value)  # the chosen ones at the top of the box
        item.hint = _(
            "Suggested from the partner's record: %(lang)s.",
            lang=language_label(partner_language),
        )
