"""``/api/v1/cycles/{case_id}``: the workflow case behind a coordinating meeting (category
'meeting'): what may be done now, firing its transitions, history, timeline and diagram. The
meeting itself — dates, participants, minutes — is under ``/api/v1/meetings``.
"""

from __future__ import annotations

from web.api.cases import CaseOut, case_json, load_case, with_etag
from web.api.casework import add_case_routes
from web.api.core import ID, api_blueprint

blp = api_blueprint("cycles", "/cycles", "The workflow of the annual coordinating meetings.")
CATEGORY = "meeting"


@blp.route(f"/<{ID}:case_id>", methods=["GET"])
@blp.response(200, CaseOut)
def get_cycle(case_id: int):
    """One coordination cycle with its data; the ETag names its version."""
    return with_etag(case_json(load_case(case_id, CATEGORY)))


add_case_routes(blp, CATEGORY)
