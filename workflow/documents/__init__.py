"""Uploaded documents: bytes in, a checked, typed document with its text (and a safe preview) out.

A pure package: no Flask, no database, no disk, no network. Accepted kinds are DOCX, ODT, PDF,
RTF and plain text, decided by content alone; everything else, and everything hostile (zip
bombs, DOCTYPEs, passwords, executables), is refused with a ``DocumentRefused`` whose ``reason``
is a stable code the web layer translates.
"""

from workflow.documents.ingest import ingest
from workflow.documents.model import ACCEPTED_KINDS, Ingested, Limits
from workflow.documents.preview import preview_html
from workflow.documents.refusals import DocumentRefused, FileTooLarge

__all__ = [
    "ACCEPTED_KINDS",
    "DocumentRefused",
    "FileTooLarge",
    "Ingested",
    "Limits",
    "ingest",
    "preview_html",
]
