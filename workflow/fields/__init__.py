"""Field schemas per case kind: what data a case carries, validated by marshmallow.

A definition names its schema (``fields: regional_agreement``); the verifier checks the name and
every field the definition refers to (``requires``, ``editable``, deadline anchors).
"""

from workflow.fields.registry import FieldSet, all_field_sets, get_field_set, register_field_set

# Import the modules that register schemas.
from workflow.fields import generic  # noqa: F401  isort: skip
from workflow.fields import agreements, meetings, plans  # noqa: F401  isort: skip

__all__ = ["FieldSet", "all_field_sets", "get_field_set", "register_field_set"]
