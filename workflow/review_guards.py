"""The guard a definition names when a resubmission must carry a new version of the texts.

    - trigger: resubmit
      guards: [new_text_version]

Without it a resubmission of unchanged texts is allowed; the agreement page then asks the
person to confirm it (``web.pages.case_page``). With it the engine refuses, naming the round
whose remarks are still unanswered, whatever door the trigger comes through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.errors import Refusal
from workflow.guards import GuardContext, guard
from workflow.queries.review_notes import changed_texts, last_return


@guard("new_text_version")
def new_text_version(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """Some text has a version newer than those the returning round reviewed. Passes when the
    case did not come back from a review (nothing to answer)."""
    if ctx.session is None or ctx.case_id is None:
        return Refusal("guard", "'new_text_version' cannot be checked here (no database session).")
    returned = last_return(ctx.session, ctx.case_id, ctx.state)
    if returned is None:
        return None
    current = {lang: doc.number for lang, doc in ctx.documents().items()}
    if changed_texts(returned.documents, current):
        return None
    return Refusal(
        "no_new_version",
        f"No text has a new version since review round {returned.number} returned the draft; "
        "upload the revised text first.",
        {"round": returned.number, "documents": dict(returned.documents)},
    )
