"""``GET /api/v1/meetings/{id}/minutes.docx|pdf`` and
``GET /api/v1/agreements/{id}/annual-report.docx``: the papers of the pages, for scripts, and
their OpenAPI entries."""

from __future__ import annotations

import io
import re

from docx import Document
from pypdf import PdfReader

from tests.api.conftest import bearer
from tests.domain.walking import walk_to
from workflow.services.meeting_minutes import DecisionInput

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_the_openapi_document_describes_the_minutes_and_the_report(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path, media in (
        ("/api/v1/meetings/{meeting_id}/minutes.docx", DOCX),
        ("/api/v1/meetings/{meeting_id}/minutes.pdf", "application/pdf"),
        ("/api/v1/agreements/{case_id}/annual-report.docx", DOCX),
    ):
        operation = paths[path]["get"]
        assert media in operation["responses"]["200"]["content"], path
        assert "lang" in {p["name"] for p in operation["parameters"]}


def test_the_minutes_come_as_docx_and_pdf_with_every_decision(engine, world, client, tokens):
    definition = engine.catalog.current("coordination_cycle").definition
    walk = walk_to(world, definition, "meeting_held")
    texts = ["Провести Дни культуры Татарстана в Эскишехире", "Обобщить опыт побратимства"]
    engine.record_minutes(
        walk.meeting_id,
        world.actor("coord"),
        "Протокол совещания",
        [DecisionInput(t, world.org_id("RU-TA")) for t in texts],
    )
    headers = bearer(tokens["spe_ini"])
    pdf = client.get(f"/api/v1/meetings/{walk.meeting_id}/minutes.pdf?lang=en", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "MINUTES" in text and all(t in text for t in texts) and "page 1 of 1" in text
    docx = client.get(f"/api/v1/meetings/{walk.meeting_id}/minutes.docx", headers=headers)
    assert docx.status_code == 200 and docx.mimetype == DOCX
    (table,) = Document(io.BytesIO(docx.data)).tables
    assert [row.cells[1].text for row in table.rows[1:]] == texts
    assert client.get("/api/v1/meetings/999999/minutes.pdf", headers=headers).status_code == 404
    assert client.get(f"/api/v1/meetings/{walk.meeting_id}/minutes.pdf").status_code == 401
