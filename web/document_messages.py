"""A refused file, said in the viewer's language: one sentence per reason, with what to do."""

from __future__ import annotations

from flask_babel import gettext as _

from workflow.documents import DocumentRefused, Limits

MB = 1024 * 1024


def refusal_text(exc: DocumentRefused, limits: Limits) -> str:
    reason = exc.reason
    if reason == "empty":
        return _("The file is empty.")
    if reason == "too_large":
        return _("The file is larger than %(mb)d MB. Nothing was saved.", mb=limits.max_bytes // MB)
    if reason == "unsupported_kind":
        return _(
            "This kind of file is not accepted. Upload the text as DOCX, ODT, PDF, RTF or plain "
            "text (an old .doc file: save it as .docx in Word first)."
        )
    if reason == "corrupt":
        return _("The file is damaged and cannot be read. Save it again and upload the new copy.")
    if reason == "encrypted":
        return _(
            "The file is password-protected. Remove the password (in Word: File → Info → "
            "Protect Document) and upload it again."
        )
    if reason == "zip_bomb":
        return _(
            "The file unpacks to more than %(mb)d MB or %(members)d parts, which no agreement "
            "needs; it was refused.",
            mb=limits.max_uncompressed_bytes // MB,
            members=limits.max_zip_members,
        )
    if reason == "external_entity":
        return _(
            "The file refers to outside content (an XML entity), which is not allowed. Save it "
            "again from Word or LibreOffice."
        )
    if reason == "too_many_pages":
        return _("The PDF has more than %(pages)d pages.", pages=limits.max_pages)
    if reason == "unknown_encoding":
        return _("The text file's encoding could not be recognised. Save it as UTF-8.")
    if reason == "text_too_long":
        return _(
            "The text is longer than %(chars)s characters.", chars=f"{limits.max_text_chars:,}"
        )
    return exc.message
