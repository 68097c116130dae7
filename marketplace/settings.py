"""One typed settings object, built from environment variables, loaded once.

Every default makes the embedded mode work with nothing set: SQLite and the search index under
``./var``, photos under ``./media``, a secret key generated once and kept in the data dir.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if not raw:
        return default
    return raw.lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = _env(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    echo: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass(frozen=True)
class SearchSettings:
    meilisearch_url: str
    meilisearch_api_key: str
    index_dir: Path
    # The index's name on the Meilisearch server: two installs may share one server.
    meilisearch_index: str = "listings"


@dataclass(frozen=True)
class MediaSettings:
    root: Path


@dataclass(frozen=True)
class SecuritySettings:
    secret_key: str
    allowed_hosts: list[str]
    secure_cookies: bool
    session_max_age: int = 14 * 24 * 3600
    login_attempts_per_account: int = 5
    login_attempts_per_client: int = 20
    login_window_seconds: int = 15 * 60
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For/-Proto are believed.
    # None by default: the client address then is the peer's, which a client cannot forge.
    trusted_proxies: list[str] = field(default_factory=list)

    def proxy_headers_options(self) -> dict[str, Any]:
        """Uvicorn's options for forwarded headers: read only from the trusted proxies.

        Uvicorn reads them by default from FORWARDED_ALLOW_IPS or 127.0.0.1, so that any local
        client could pose as any address and reset its login throttle: off unless configured.
        """
        if not self.trusted_proxies:
            return {"proxy_headers": False}
        return {"proxy_headers": True, "forwarded_allow_ips": ",".join(self.trusted_proxies)}


@dataclass(frozen=True)
class MailSettings:
    """Where e-mail goes: an SMTP server (``smtp://user:password@host:port``, ``smtps://`` for TLS,
    ``?starttls=1``), or with no URL the console sink that writes each message to the log and to
    ``outbox_dir`` (embedded mode). ``base_url`` starts the links in e-mails."""

    smtp_url: str
    from_address: str
    base_url: str
    outbox_dir: Path
    timeout_seconds: float = 20.0

    @property
    def uses_console(self) -> bool:
        return not self.smtp_url


def _default_mail() -> MailSettings:
    return MailSettings(
        smtp_url="",
        from_address="Entre voisins du 20e <ne-pas-repondre@localhost>",
        base_url="http://127.0.0.1:8000",
        outbox_dir=Path("var").resolve() / "mail",
    )


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    debug: bool
    database: DatabaseSettings
    search: SearchSettings
    media: MediaSettings
    security: SecuritySettings
    listing_lifetime_days: int = 30
    # Embedded mode runs the background jobs inside the app process; production runs
    # `marketplace worker` beside it instead.
    run_worker_in_app: bool = True
    templates_dir: Path = field(default=PROJECT_ROOT / "templates")
    static_dir: Path = field(default=Path(__file__).resolve().parent / "web" / "static")
    mail: MailSettings = field(default_factory=_default_mail)


def _secret_key(data_dir: Path) -> str:
    """The configured key, or one generated once and kept beside the SQLite file.

    Several processes of one embedded install share the file, so sessions and CSRF tokens
    survive restarts; production sets MARKETPLACE_SECRET_KEY.
    """
    configured = _env("MARKETPLACE_SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ValueError("MARKETPLACE_SECRET_KEY must be at least 32 characters long")
        return configured
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_settings() -> Settings:
    """Read the environment into a Settings object (use ``get_settings`` for the shared one)."""
    data_dir = Path(_env("MARKETPLACE_DATA_DIR", "var")).resolve()
    database_url = _env("MARKETPLACE_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'marketplace.db'}"
    return Settings(
        data_dir=data_dir,
        debug=_env_bool("MARKETPLACE_DEBUG", False),
        database=DatabaseSettings(url=database_url, echo=_env_bool("MARKETPLACE_DATABASE_ECHO", False)),
        search=SearchSettings(
            meilisearch_url=_env("MEILISEARCH_URL"),
            meilisearch_api_key=_env("MEILISEARCH_API_KEY"),
            index_dir=data_dir / "search",
            meilisearch_index=_env("MEILISEARCH_INDEX", "listings"),
        ),
        media=MediaSettings(root=Path(_env("MARKETPLACE_MEDIA_ROOT", "media")).resolve()),
        security=SecuritySettings(
            secret_key=_secret_key(data_dir),
            allowed_hosts=_env_list(
                "MARKETPLACE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver.local"]
            ),
            secure_cookies=_env_bool("MARKETPLACE_SECURE_COOKIES", False),
            trusted_proxies=_env_list("MARKETPLACE_TRUSTED_PROXIES", []),
        ),
        listing_lifetime_days=int(_env("MARKETPLACE_LISTING_LIFETIME_DAYS", "30")),
        run_worker_in_app=_env_bool("MARKETPLACE_EMBEDDED_WORKER", database_url.startswith("sqlite")),
        mail=MailSettings(
            smtp_url=_env("MARKETPLACE_SMTP_URL"),
            from_address=_env("MARKETPLACE_MAIL_FROM", "Entre voisins du 20e <ne-pas-repondre@localhost>"),
            base_url=_env("MARKETPLACE_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            outbox_dir=data_dir / "mail",
            timeout_seconds=float(_env("MARKETPLACE_SMTP_TIMEOUT", "20")),
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
