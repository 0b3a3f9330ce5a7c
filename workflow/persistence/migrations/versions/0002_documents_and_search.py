"""documents as files (content-addressed blobs, signed originals), full-text search, and
issued approval sheets

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Every existing version (typed-in text) gets its text stored as a UTF-8 blob, so every version
has a file to download; its SHA-256 was already the hash of those bytes.
"""

import hashlib

import sqlalchemy as sa
from alembic import op

import workflow.persistence.base
from workflow.persistence.search import POSTGRESQL_DDL, SQLITE_DDL

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = workflow.persistence.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "document_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_document_blobs")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE document_blobs ALTER COLUMN content SET STORAGE EXTERNAL")
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blob_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "media_type", sa.String(length=120), server_default="text/plain", nullable=False
            )
        )
        batch_op.add_column(sa.Column("byte_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("pages", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("has_text", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_document_versions_blob_sha256"), ["blob_sha256"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_document_versions_blob_sha256_document_blobs"),
            "document_blobs",
            ["blob_sha256"],
            ["sha256"],
        )
    op.create_table(
        "signed_originals",
        sa.Column("id", BigId, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("party", sa.String(length=12), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("has_text", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_sha256"],
            ["document_blobs.sha256"],
            name=op.f("fk_signed_originals_blob_sha256_document_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_signed_originals_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_signed_originals_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_originals")),
        sa.UniqueConstraint(
            "case_id", "party", "number", name=op.f("uq_signed_originals_case_id_party_number")
        ),
    )
    with op.batch_alter_table("signed_originals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signed_originals_blob_sha256"), ["blob_sha256"], unique=False
        )
    _typed_texts_become_files()
    _search_tables()
    _approval_sheets()


def _typed_texts_become_files() -> None:
    conn = op.get_bind()
    versions = sa.table(
        "document_versions",
        sa.column("id"),
        sa.column("text"),
        sa.column("created_at", UTC),
        sa.column("blob_sha256"),
        sa.column("byte_size"),
    )
    blobs = sa.table(
        "document_blobs",
        sa.column("sha256"),
        sa.column("byte_size"),
        sa.column("content", sa.LargeBinary()),
        sa.column("created_at", UTC),
    )
    stored: set[str] = set()
    rows = conn.execute(sa.select(versions.c.id, versions.c.text, versions.c.created_at)).all()
    for row in rows:
        data = row.text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        if digest not in stored:
            conn.execute(
                blobs.insert().values(
                    sha256=digest, byte_size=len(data), content=data, created_at=row.created_at
                )
            )
            stored.add(digest)
        conn.execute(
            versions.update()
            .where(versions.c.id == row.id)
            .values(blob_sha256=digest, byte_size=len(data))
        )


def _search_tables() -> None:
    """The index starts empty; ``soglasie search reindex`` fills it from the existing cases."""
    op.create_table(
        "search_entries",
        sa.Column("id", BigId, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("source_key", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("at", UTC, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("stems", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_search_entries_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_search_entries_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
        sa.UniqueConstraint(
            "case_id", "source", "source_key", name=op.f("uq_search_entries_case_id_source_source_key")
        ),
    )
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.create_index("ix_search_entries_author", ["author_id"], unique=False)
    # The same statements the models run after CREATE TABLE (workflow/persistence/search.py).
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_DDL if dialect == "postgresql" else SQLITE_DDL:
        op.execute(statement)


def _approval_sheets() -> None:
    op.create_table(
        "approval_sheets",
        sa.Column("id", BigId, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("data", workflow.persistence.base.JSONType(), nullable=False),
        sa.Column("data_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_head", sa.String(length=64), nullable=True),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTC, nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_approval_sheets_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_approval_sheets_issued_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_sheets")),
        sa.UniqueConstraint("code", name=op.f("uq_approval_sheets_code")),
    )
    with op.batch_alter_table("approval_sheets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_approval_sheets_case_hash", ["case_id", "data_hash"], unique=False
        )


def downgrade() -> None:
    op.drop_table("approval_sheets")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")  # its triggers go with search_entries
    op.drop_table("search_entries")
    op.drop_table("signed_originals")
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_document_versions_blob_sha256_document_blobs"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_document_versions_blob_sha256"))
        for column in ("has_text", "pages", "byte_size", "media_type", "blob_sha256"):
            batch_op.drop_column(column)
    op.drop_table("document_blobs")
