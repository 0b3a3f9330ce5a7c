"""``soglasie definitions check|diagram``."""

from __future__ import annotations

from pathlib import Path

import click

from web.cli.common import fail
from workflow.definitions.directory import DEFAULT_DIRECTORY, load_directory
from workflow.machine import mermaid_diagram


@click.group()
def definitions() -> None:
    """Workflow definitions."""


@definitions.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(directory: Path | None, strict: bool) -> None:
    """Verify every definition under DIRECTORY (default: the shipped definitions).

    Prints every problem as FILE:LINE: severity: [rule] element: message, and exits 1 if there
    is any error (or any warning, with --strict).
    """
    result = load_directory(directory or DEFAULT_DIRECTORY)
    for problem in sorted(result.problems, key=lambda p: (p.file, p.line or 0)):
        click.echo(str(problem))
    errors, warnings = len(result.errors), len(result.warnings)
    click.echo(
        f"{len(result.definitions)} definition(s) loaded, {errors} error(s), {warnings} warning(s)"
    )
    if errors or (strict and warnings):
        raise SystemExit(1)


@definitions.command("diagram")
@click.argument("key")
@click.option("--highlight", help="State to mark as current.")
@click.option("--directory", type=click.Path(path_type=Path), default=None)
def diagram(key: str, highlight: str | None, directory: Path | None) -> None:
    """Print the Mermaid state diagram of definition KEY."""
    result = load_directory(directory or DEFAULT_DIRECTORY)
    definition = result.definitions.get(key)
    if definition is None:
        fail(f"no definition '{key}' (known: {', '.join(sorted(result.definitions)) or 'none'})")
    if highlight and highlight not in definition.states:
        fail(f"'{key}' has no state '{highlight}'")
    click.echo(mermaid_diagram(definition, highlight), nl=False)
