"""Settings from ``SOGLASIE_*`` environment variables, read when a process starts (never at import).

Every variable has a safe default for the demo. ``SOGLASIE_ENV`` is exactly ``demo``, ``test``
or ``production``: anything else (``prod``, ``Production ``) refuses to start, so production
cannot be skipped by a typo. Production refuses the demo secret and any secret that is not one
(``workflow.secret_policy``); ``soglasie serve`` and ``worker`` refuse the demo secret in every
mode unless ``SOGLASIE_ENV=demo`` is named (``require_service_secret``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from workflow import audit_key
from workflow.definitions.directory import DEFAULT_DIRECTORY
from workflow.documents import Limits
from workflow.persistence.db import DEFAULT_SQLITE_URL
from workflow.secret_policy import HOW_TO_MAKE_ONE as HOW_TO
from workflow.secret_policy import weakness

DEMO_SECRET = "demo-secret-key-not-for-production"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
ENVIRONMENTS = ("demo", "test", "production")


class UnsafeSettings(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    env: str = "demo"  # demo | production | test
    database_url: str = DEFAULT_SQLITE_URL
    definitions_dir: Path = DEFAULT_DIRECTORY
    secret_key: str = DEMO_SECRET
    base_url: str = DEFAULT_BASE_URL
    timezone: str = "Europe/Moscow"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: str = "none"  # none | starttls | ssl
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = 20.0
    mail_from: str = "soglasie <noreply@soglasie.local>"
    digest_hour: int = 8
    # How long an email is retried before it is given up (dead, listed for administrators).
    mail_retry_days: float = 3.0
    worker_id: str | None = None
    # Uploaded documents (see the README, "Documents").
    upload_max_mb: int = 25
    upload_max_pages: int = 1000
    upload_max_zip_members: int = 2000
    upload_max_unzipped_mb: int = 200
    # Decisions by email (links in review emails): "on" or "off" for everyone; link lifetime.
    email_decisions: str = "on"
    email_decision_days: int = 7
    # The years a date field of a case, a meeting or a plan item accepts (inclusive).
    date_min_year: int = 1990
    date_max_year: int = 2100
    # The key that seals the audit trail, kept outside the database (workflow.audit_key):
    # the key itself or a file holding it; required in production, the demo key otherwise.
    audit_key: str | None = None
    audit_key_file: str | None = None
    # Where the worker appends a daily checkpoint of every audit head (none if unset).
    audit_checkpoint_file: str | None = None
    # Sign-in sessions (see the README, "Sessions"): how long one lasts from the sign-in, and how
    # long "remember me" keeps a browser signed in; the server refuses either once it is over.
    session_hours: int = 12
    remember_days: int = 14
    # How long an Idempotency-Key (API) or a form's one-time token is remembered, in hours.
    idempotency_key_hours: float = 24.0
    # The demo's simulated clock (workflow.demo_clock): where it starts and how fast it runs.
    # Demo mode only; refused anywhere else.
    demo_now: str | None = None
    demo_speed: float | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    # Whether SOGLASIE_ENV was set, rather than the default "demo" taken for granted.
    env_named: bool = False

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def email_decisions_enabled(self) -> bool:
        return self.email_decisions.strip().lower() not in ("off", "0", "false", "no")

    def check_safe(self) -> Settings:
        if self.env not in ENVIRONMENTS:
            raise UnsafeSettings(
                f"SOGLASIE_ENV is {self.env!r}; it must be one of: {', '.join(ENVIRONMENTS)}."
            )
        if not (1 <= self.session_hours <= 24 * 30 and 1 <= self.remember_days <= 365):
            raise UnsafeSettings(
                "SOGLASIE_SESSION_HOURS must be 1–720 and SOGLASIE_REMEMBER_DAYS 1–365; they are "
                f"{self.session_hours} and {self.remember_days}."
            )
        if self.env != "demo" and (self.demo_now or self.demo_speed is not None):
            raise UnsafeSettings(
                "SOGLASIE_DEMO_NOW and SOGLASIE_DEMO_SPEED move the demo's simulated clock; "
                f"they are refused with SOGLASIE_ENV={self.env}."
            )
        if self.is_production:
            if self.base_url == DEFAULT_BASE_URL:
                raise UnsafeSettings(
                    "SOGLASIE_BASE_URL is not set: production needs the https:// address the "
                    "site is served on, or every link in every email points nowhere."
                )
            if self.secret_key == DEMO_SECRET:
                raise UnsafeSettings(
                    f"SOGLASIE_SECRET_KEY is the demo secret; production needs its own ({HOW_TO})."
                )
            if problem := weakness(self.secret_key):
                raise UnsafeSettings(f"SOGLASIE_SECRET_KEY is not a secret: {problem} ({HOW_TO}).")
            if not self.base_url.startswith("https://"):
                raise UnsafeSettings("SOGLASIE_BASE_URL must be an https:// address in production.")
            try:
                audit_key.from_settings(self)
            except audit_key.AuditKeyProblem as exc:
                raise UnsafeSettings(f"{exc}.") from exc
        return self

    def require_service_secret(self) -> Settings:
        """For ``serve`` and ``worker``: the demo secret only where demo mode is named."""
        self.check_safe()
        if self.secret_key == DEMO_SECRET and not (self.env_named and self.env == "demo"):
            raise UnsafeSettings(
                "SOGLASIE_SECRET_KEY is not set, and the demo secret serves only a demo: set "
                f"SOGLASIE_SECRET_KEY ({HOW_TO}), or SOGLASIE_ENV=demo to run the demo."
            )
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
    "email_decision_days",
    "date_min_year",
    "date_max_year",
    "session_hours",
    "remember_days",
}
_FLOAT_FIELDS = {"smtp_timeout", "mail_retry_days", "idempotency_key_hours", "demo_speed"}


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
    named = bool(environ.get("SOGLASIE_ENV"))
    return Settings(**values, extra=extra, env_named=named).with_overrides(**overrides)
