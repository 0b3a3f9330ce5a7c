"""Settings from ``SOGLASIE_*`` environment variables, read when a process starts (never at import).

Every variable has a safe default for the demo; production mode (``SOGLASIE_ENV=production``)
refuses to start with the default secret key or a secret shorter than 32 characters.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from workflow.definitions.directory import DEFAULT_DIRECTORY
from workflow.documents import Limits
from workflow.persistence.db import DEFAULT_SQLITE_URL

DEMO_SECRET = "demo-secret-key-not-for-production"


class UnsafeSettings(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    env: str = "demo"  # demo | production | test
    database_url: str = DEFAULT_SQLITE_URL
    definitions_dir: Path = DEFAULT_DIRECTORY
    secret_key: str = DEMO_SECRET
    base_url: str = "http://127.0.0.1:5000"
    timezone: str = "Europe/Moscow"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: str = "none"  # none | starttls | ssl
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = 20.0
    mail_from: str = "soglasie <noreply@soglasie.local>"
    digest_hour: int = 8
    worker_id: str | None = None
    # Uploaded documents (see the README, "Documents").
    upload_max_mb: int = 25
    upload_max_pages: int = 1000
    upload_max_zip_members: int = 2000
    upload_max_unzipped_mb: int = 200
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check_safe(self) -> Settings:
        if self.is_production:
            if self.secret_key == DEMO_SECRET or len(self.secret_key) < 32:
                raise UnsafeSettings(
                    "SOGLASIE_SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production (e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
                )
            if not self.base_url.startswith("https://"):
                raise UnsafeSettings("SOGLASIE_BASE_URL must be an https:// address in production.")
        return self

    def document_limits(self) -> Limits:
        mb = 1024 * 1024
        return Limits(
            max_bytes=self.upload_max_mb * mb,
            max_pages=self.upload_max_pages,
            max_zip_members=self.upload_max_zip_members,
            max_uncompressed_bytes=self.upload_max_unzipped_mb * mb,
        )

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **changes)


_INT_FIELDS = {
    "smtp_port",
    "digest_hour",
    "upload_max_mb",
    "upload_max_pages",
    "upload_max_zip_members",
    "upload_max_unzipped_mb",
}
_FLOAT_FIELDS = {"smtp_timeout"}


def from_env(environ: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Settings from ``environ`` (default ``os.environ``), then ``overrides``."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in fields(Settings):
        if f.name == "extra":
            continue
        raw = environ.get(f"SOGLASIE_{f.name.upper()}")
        if raw is None or raw == "":
            continue
        if f.name in _INT_FIELDS:
            values[f.name] = int(raw)
        elif f.name in _FLOAT_FIELDS:
            values[f.name] = float(raw)
        elif f.name == "definitions_dir":
            values[f.name] = Path(raw)
        else:
            values[f.name] = raw
    extra = {k: v for k, v in environ.items() if k.startswith("SOGLASIE_")}
    return Settings(**values, extra=extra).with_overrides(**overrides)
