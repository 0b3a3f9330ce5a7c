"""``soglasie audit verify | seal | checkpoint``: the audit trail and its seals."""

from __future__ import annotations

from pathlib import Path

import click

from web.cli.common import audit_key_for, database_option, fail, require_current_schema, settings
from workflow import audit_checkpoint
from workflow.audit import verify_chains
from workflow.audit_seal import seal_chains
from workflow.clock import SystemClock
from workflow.persistence.db import make_engine, make_session_factory
from workflow.persistence.uow import UnitOfWork


@click.group()
def audit() -> None:
    """The audit trail."""


def _session(database_url: str | None, write: bool = False):
    s = settings(database_url)
    key = audit_key_for(s)
    require_current_schema(s.database_url)
    engine = make_engine(s.database_url)
    return engine, UnitOfWork(make_session_factory(engine), write=write), key


@audit.command("verify")
@click.option("--case", "case_ids", type=int, multiple=True, help="Only these cases.")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of checkpoints ('soglasie audit checkpoint'): every head it recorded must "
    "still be in its case's chain.",
)
@database_option
def verify(
    case_ids: tuple[int, ...], checkpoint_file: Path | None, database_url: str | None
) -> None:
    """Recompute every case's hash chain and check its MACs with the audit key
    (SOGLASIE_AUDIT_KEY or SOGLASIE_AUDIT_KEY_FILE); report the first problem of each case.
    Exit 1 if any."""
    engine, uow, key = _session(database_url)
    anchors, lines, problems = {}, 0, []
    if checkpoint_file is not None:
        anchors, lines, problems = audit_checkpoint.read(checkpoint_file, key)
    try:
        with uow:
            report = verify_chains(uow.session, list(case_ids) or None, key=key, anchors=anchors)
    finally:
        engine.dispose()
    for problem in problems:
        click.echo(f"BROKEN {checkpoint_file}: {problem}")
    for link in report.broken:
        click.echo(f"BROKEN {link}")
    checked = f", {lines} checkpoint(s)" if checkpoint_file is not None else ""
    click.echo(
        f"{report.cases} case(s), {report.events} event(s){checked} checked, "
        f"{len(report.broken) + len(problems)} problem(s)"
    )
    if report.broken or problems:
        raise SystemExit(1)


@audit.command("seal")
@database_option
def seal(database_url: str | None) -> None:
    """MAC the events and case heads that have none (written before the audit key existed).

    Run it once after upgrading, having checked with 'soglasie audit verify' that the only
    problems are unsealed rows: sealing vouches for what is there. A chain with any other
    problem is left unsealed and named."""
    engine, uow, key = _session(database_url, write=True)
    try:
        with uow:
            report = seal_chains(uow.session, key)
            uow.commit()
    finally:
        engine.dispose()
    for link in report.refused:
        click.echo(f"NOT SEALED {link}")
    click.echo(f"sealed {report.events} event(s) and {report.heads} case head(s)")
    if report.refused:
        raise SystemExit(1)


@audit.command("checkpoint")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the checkpoint to this file (keep it where database writers cannot rewrite "
    "it); without it the line is printed.",
)
@database_option
def checkpoint(out: Path | None, database_url: str | None) -> None:
    """Record every case's head, signed with the audit key; refused while any chain is broken
    (a checkpoint would vouch for the damage)."""
    engine, uow, key = _session(database_url)
    try:
        with uow:
            report = verify_chains(uow.session, key=key)
            if not report.ok:
                for link in report.broken:
                    click.echo(f"BROKEN {link}", err=True)
                fail(f"no checkpoint: {len(report.broken)} chain(s) have problems")
            taken = audit_checkpoint.take(uow.session, key, SystemClock().now())
    finally:
        engine.dispose()
    if out is None:
        click.echo(taken.line)
        return
    audit_checkpoint.append(out, taken)
    click.echo(
        f"checkpoint of {taken.taken_at} appended to {out}: {len(taken.heads)} case(s), "
        f"root {taken.root}"
    )
