"""Settings, read once from the environment.

No other module reads ``os.environ``: everything configurable is here, with a default that is
safe for a developer's machine and a clear refusal when a value makes no sense.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from app.domain.push import DEFAULT_PUSH_SERVICE_HOSTS, parse_hosts

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value the app cannot run with."""


def _var_dir(env: dict[str, str]) -> Path:
    return Path(env.get("GATEPOST_VAR_DIR", str(ROOT / "var"))).resolve()


def _secret(var_dir: Path, env: dict[str, str]) -> str:
    """The signing secret: from SECRET_KEY, else made once and kept under var/."""
    if env.get("SECRET_KEY"):
        if len(env["SECRET_KEY"]) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters long.")
        return env["SECRET_KEY"]
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        # Written whole, readable by its owner only, then linked into place, which only one of
        # several workers starting together can do: they all read the one that won.
        fd, draft = tempfile.mkstemp(dir=var_dir, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str
    public_url: str
    host: str
    port: int
    secret_key: str
    var_dir: Path
    tls_cert: str | None = None
    tls_key: str | None = None
    enrolment_link_hours: int = 72
    session_days: int = 30
    rate_limit_per_minute: int = 20
    periodic_seconds: float = 30.0  # how often time-driven work (expiries, timeouts) runs
    log_level: str = "info"
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    # Web Push: the push services the server may call (PUSH_SERVICE_HOSTS adds to the browsers'
    # own, e.g. a test's localhost:PORT), and the contact sent to them in the VAPID claims.
    push_service_hosts: tuple[str, ...] = DEFAULT_PUSH_SERVICE_HOSTS
    vapid_subject: str = "mailto:gatepost@localhost"
    # A name for this deployment (e.g. a version or a date): a new one makes phones install the
    # new service worker even where no static file changed.
    release: str = ""
    # Live screens' events between workers go through PostgreSQL (or stay in SQLite's one
    # process); through Redis instead when this is set (app/channels.py).
    redis_url: str | None = None
    # The keys ID numbers and phones are sealed with (app/services/sealed.py), as JSON; when unset
    # they are kept in var/field_keys.json.
    field_keys: str | None = field(default=None, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> str:
        return self.database_url.removeprefix("sqlite:///")

    @property
    def rp_id(self) -> str:
        """WebAuthn relying party: the host of the public URL (never an IP address)."""
        return urlsplit(self.public_url).hostname or "localhost"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies everywhere but plain-HTTP localhost, where browsers would drop them."""
        return urlsplit(self.public_url).scheme == "https"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        var_dir = _var_dir(env)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'gatepost.sqlite'}"
        if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise SettingsError(
                "DATABASE_URL must start with sqlite:/// or postgresql:// "
                f"(got {database_url.split(':', 1)[0]}:...)."
            )
        try:
            port = int(env.get("PORT", "8000"))
        except ValueError as exc:
            raise SettingsError("PORT must be a number.") from exc
        tls_cert, tls_key = env.get("TLS_CERT") or None, env.get("TLS_KEY") or None
        if bool(tls_cert) != bool(tls_key):
            raise SettingsError("Set both TLS_CERT and TLS_KEY, or neither.")
        scheme = "https" if tls_cert else "http"
        public_url = (env.get("PUBLIC_URL") or f"{scheme}://localhost:{port}").rstrip("/")
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError("PUBLIC_URL must look like https://gate.example.com.")
        if _is_ip(parts.hostname):
            raise SettingsError(
                "PUBLIC_URL must use a host name, not an IP address: browsers refuse passkeys "
                "for IP addresses. Use http://localhost:PORT on this machine."
            )
        if parts.scheme == "http" and parts.hostname != "localhost" and not parts.hostname.endswith(".localhost"):
            raise SettingsError(
                "PUBLIC_URL must be https:// except on localhost: browsers allow passkeys, the "
                "camera and service workers only on secure origins."
            )
        try:
            push_hosts = DEFAULT_PUSH_SERVICE_HOSTS + parse_hosts(env.get("PUSH_SERVICE_HOSTS", ""))
        except ValueError as exc:
            raise SettingsError(f"PUSH_SERVICE_HOSTS must be host names separated by commas ({exc}).") from exc
        try:
            periodic_seconds = float(env.get("PERIODIC_SECONDS", "30"))
        except ValueError as exc:
            raise SettingsError("PERIODIC_SECONDS must be a number of seconds.") from exc
        if not 0.1 <= periodic_seconds <= 3600:
            raise SettingsError("PERIODIC_SECONDS must be between 0.1 and 3600.")
        vapid_subject = env.get("VAPID_SUBJECT") or f"mailto:gatepost@{parts.hostname}"
        if not vapid_subject.startswith(("mailto:", "https://")):
            raise SettingsError("VAPID_SUBJECT must be a mailto: address or an https:// URL.")
        redis_url = env.get("REDIS_URL") or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL must start with redis://, rediss:// or unix://.")
        return cls(
            database_url=database_url.replace("postgres://", "postgresql://", 1),
            public_url=public_url,
            host=env.get("HOST", "127.0.0.1"),
            port=port,
            secret_key=_secret(var_dir, env),
            var_dir=var_dir,
            tls_cert=tls_cert,
            tls_key=tls_key,
            enrolment_link_hours=int(env.get("ENROLMENT_LINK_HOURS", "72")),
            session_days=int(env.get("SESSION_DAYS", "30")),
            rate_limit_per_minute=int(env.get("RATE_LIMIT_PER_MINUTE", "20")),
            periodic_seconds=periodic_seconds,
            log_level=env.get("LOG_LEVEL", "info"),
            trusted_proxies=tuple(p for p in env.get("TRUSTED_PROXIES", "").split(",") if p),
            push_service_hosts=push_hosts,
            vapid_subject=vapid_subject,
            release=env.get("RELEASE", "")[:40],
            redis_url=redis_url,
            field_keys=env.get("GATEPOST_FIELD_KEYS") or None,
        )


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


_settings: Settings | None = None


def get_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings
