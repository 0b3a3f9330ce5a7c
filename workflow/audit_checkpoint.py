"""Checkpoints: every case's head at one moment, signed, kept where the database is not.

A writer who holds an old copy of the database (a backup) can put a case back as it was: its
last events dropped, its head, version, state and head MAC restored, every MAC valid, since
they were made with the key. Nothing inside the database can tell. A checkpoint can: it records
each case's ``(id, version, head)``, the SHA-256 over them (``root``, short enough for an
operator to write down) and an HMAC of the whole line with the audit key, as one JSON line
appended to a file that the database's writers cannot rewrite (an append-only file, another
machine, or the operator's own records). ``verify --checkpoint FILE`` then requires that every
head a checkpoint recorded is still the event at that version of the case's chain: the chain
may have grown since, never shrunk or changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.audit import Anchor
from workflow.audit_key import AuditKey, checkpoint_mac, same
from workflow.persistence.models import Case


@dataclass(frozen=True)
class Checkpoint:
    taken_at: str
    heads: list[tuple[int, int, str]]  # (case id, version, head), by case id
    root: str
    line: str  # the JSON line, MAC included


@dataclass(frozen=True)
class CheckpointProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"checkpoint line {self.line}: {self.message}"


def heads_root(heads: list[tuple[int, int, str]]) -> str:
    text = "".join(f"{case_id}:{version}:{head}\n" for case_id, version, head in sorted(heads))
    return hashlib.sha256(text.encode()).hexdigest()


def _body(taken_at: str, heads: list[tuple[int, int, str]], root: str) -> dict:
    return {"taken_at": taken_at, "cases": len(heads), "root": root, "heads": heads}


def _canonical(body: dict) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def take(session: Session, key: AuditKey, now: dt.datetime) -> Checkpoint:
    """A checkpoint of every case's head now."""
    rows = session.execute(
        select(Case.id, Case.version, Case.audit_head)
        .where(Case.audit_head.is_not(None))
        .order_by(Case.id)
    ).all()
    heads = [(int(case_id), int(version), str(head)) for case_id, version, head in rows]
    taken_at = now.astimezone(dt.UTC).isoformat(timespec="seconds")
    root = heads_root(heads)
    body = _body(taken_at, heads, root)
    signed = {**body, "mac": checkpoint_mac(key, _canonical(body))}
    return Checkpoint(taken_at, heads, root, _canonical(signed))


def append(path: Path, checkpoint: Checkpoint) -> None:
    """Append the line (opened for appending only: earlier lines are never rewritten)."""
    with path.open("a", encoding="utf-8") as out:
        out.write(checkpoint.line + "\n")


def _parse(number: int, line: str, key: AuditKey) -> Checkpoint | CheckpointProblem:
    try:
        signed = json.loads(line)
        body = {name: signed[name] for name in ("taken_at", "cases", "root", "heads")}
        mac = signed["mac"]
    except (ValueError, KeyError, TypeError) as exc:
        return CheckpointProblem(number, f"not a checkpoint line ({exc.__class__.__name__})")
    # The MAC covers the line as written, before anything in it is believed.
    if not isinstance(mac, str) or not same(mac, checkpoint_mac(key, _canonical(body))):
        return CheckpointProblem(
            number, "its MAC does not match (the line was changed, or another audit key)"
        )
    heads = [(int(c), int(v), str(h)) for c, v, h in body["heads"]]
    if body["cases"] != len(heads) or heads_root(heads) != body["root"]:
        return CheckpointProblem(number, "its case count or root does not match its heads")
    return Checkpoint(str(body["taken_at"]), heads, str(body["root"]), line)


def read(path: Path, key: AuditKey) -> tuple[dict[int, list[Anchor]], int, list[CheckpointProblem]]:
    """The anchors of every checkpoint in the file, the number of lines read, and the lines
    that are not good checkpoints (each one a finding: a checkpoint file is never edited)."""
    anchors: dict[int, list[Anchor]] = {}
    problems: list[CheckpointProblem] = []
    count = 0
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        count += 1
        parsed = _parse(number, line, key)
        if isinstance(parsed, CheckpointProblem):
            problems.append(parsed)
            continue
        for case_id, version, head in parsed.heads:
            anchors.setdefault(case_id, []).append(Anchor(version, head, parsed.taken_at))
    return anchors, count, problems
