"""Creating and upgrading the schema with Alembic (``soglasie db upgrade``).

The Alembic environment lives inside the package (``workflow/persistence/migrations``), so an
installed soglasie can upgrade its database without a checkout or an ``alembic.ini``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(database_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def is_up_to_date(engine: Engine, database_url: str) -> bool:
    return current_revision(engine) == head_revision(database_url)


def regenerate_initial_migration() -> Path:
    """Rewrite ``0001_initial_schema.py`` from the models (before the first release only).

    Until soglasie has a deployed database there is one migration, regenerated whenever the
    tables change: ``python -m workflow.persistence.schema``. After the first release, write
    new revisions instead.
    """
    import tempfile

    versions = MIGRATIONS / "versions"
    for old in versions.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as folder:
        config = alembic_config(f"sqlite:///{folder}/empty.db")
        command.revision(config, message="initial schema", autogenerate=True, rev_id="0001")
    (path,) = versions.glob("0001_*.py")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [
        "Create Date: (regenerated)" if line.startswith("Create Date:") else line for line in lines
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(regenerate_initial_migration())
