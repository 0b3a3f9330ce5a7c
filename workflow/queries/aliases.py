"""Aliased entities of the read queries, built once and shared.

An aliased entity adapts each of its columns on first use (~0.3 ms apiece): built per call, that
cost a page more than running its query (bench: http). Built once, every statement reuses the
adapted columns. A statement that joins a table twice takes two different aliases, so each role
below has its own; SQL names them anew in each statement (``organizations_1``, ...).
"""

from __future__ import annotations

from sqlalchemy.orm import aliased

from workflow.persistence.models import Organization, User

# Organizations
OWNER = aliased(Organization)  # the case's owner
REGION = aliased(Organization)  # the case's region
PARTNER = aliased(Organization)  # the foreign partner
ACTING_ORG = aliased(Organization)  # the organization that must act on a task
PARENT = aliased(Organization)  # a municipality's region

# People
CREATOR = aliased(User)  # who created the case
ACTOR = aliased(User)  # who did what the audit trail records
ACTING_FOR = aliased(User)  # whom she acted for
ASSIGNEE = aliased(User)  # who holds a task
AUTHOR = aliased(User)  # who submitted a meeting's proposal or report
