"""Settings read from the environment, checked once at start-up.

A bad value raises :class:`SettingsError` with one line that names the variable
and says what is wrong; the CLI prints that line and exits with status 2.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from orderloom.runtime.notify.mail import TLS_MODES, SmtpSettings

PREFIX = "ORDERLOOM_"
SUPPORTED_DATABASES = ("sqlite", "postgresql")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("PLAIN", "JSON")
MAX_TRUSTED_PROXIES = 10
MIN_METRICS_TOKEN = 24
# Where prometheus_client's multiprocess mode keeps each process's figures (its name).
MULTIPROCESS_FOLDER = "PROMETHEUS_MULTIPROC_DIR"


class SettingsError(ValueError):
    """A setting has a value Orderloom cannot run with."""


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    # Not in repr: either URL may carry a password (database_url_safe is for logs).
    database_url: str = field(repr=False)
    redis_url: str | None = field(repr=False)
    secret_key: str = field(repr=False)
    # Keys sessions were signed with before a rotation: still accepted, never used to sign.
    secret_key_fallbacks: tuple[str, ...] = field(default=(), repr=False)
    max_body_bytes: int = 10 * 1024 * 1024
    secure_cookies: bool = False
    log_level: str = "INFO"
    log_format: str = "plain"  # or "json": one JSON object a line, for log collectors
    # How many reverse proxies in front append to X-Forwarded-For; 0: none, and the
    # header is ignored (any client can send it).
    trusted_proxies: int = 0
    smtp: SmtpSettings | None = None  # None: no mail, in-app notifications only
    # Where customers reach this instance (https://orders.example.cn), for links sent
    # outside it; None: links are paths.
    public_url: str | None = None
    # The IANA zone pages show times in (Asia/Shanghai); stored times stay UTC.
    time_zone: str = "UTC"
    # The bearer token a Prometheus scraper sends to GET /metrics; None: /metrics is off.
    metrics_token: str | None = field(default=None, repr=False)

    @property
    def jobs_in_process(self) -> bool:
        """Embedded mode: with no Redis, jobs run in the app process after commit."""
        return self.redis_url is None

    @property
    def database_url_safe(self) -> str:
        """The database URL with any password masked, fit for logs and messages."""
        return make_url(self.database_url).render_as_string(hide_password=True)


def load_settings(
    environ: Mapping[str, str] | None = None, *, overrides: Mapping[str, object] | None = None
) -> Settings:
    """Read the settings from ``environ`` (default: the process environment).

    ``overrides`` wins over the environment; the test suite and ``orderloom init``
    use it. Creates the instance folder, and the secret key file inside it when
    no ``ORDERLOOM_SECRET_KEY`` is given.
    """
    env = dict(os.environ if environ is None else environ)
    for key, value in (overrides or {}).items():
        env[PREFIX + key.upper()] = str(value)

    instance_path = Path(env.get(PREFIX + "INSTANCE_PATH") or Path.cwd() / "instance")
    instance_path = instance_path.expanduser().resolve()
    try:
        instance_path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            f"{PREFIX}INSTANCE_PATH: cannot create folder {instance_path}: {exc.strerror}"
        ) from None
    _check_webhook_retries(env)
    _check_outbound_allowance(env)
    _check_metrics_folder(env)

    return Settings(
        instance_path=instance_path,
        database_url=_database_url(env.get(PREFIX + "DATABASE_URL"), instance_path),
        redis_url=_redis_url(env.get(PREFIX + "REDIS_URL")),
        secret_key=_secret_key(env.get(PREFIX + "SECRET_KEY"), instance_path),
        secret_key_fallbacks=_secret_key_fallbacks(env.get(PREFIX + "SECRET_KEY_FALLBACKS")),
        max_body_bytes=_positive_int(env, "MAX_BODY_BYTES", 10 * 1024 * 1024),
        secure_cookies=_boolean(env, "SECURE_COOKIES", False),
        log_level=_choice(env, "LOG_LEVEL", LOG_LEVELS, "INFO"),
        log_format=_choice(env, "LOG_FORMAT", LOG_FORMATS, "PLAIN").lower(),
        trusted_proxies=_count(env, "TRUSTED_PROXIES", 0, MAX_TRUSTED_PROXIES),
        smtp=_smtp(env),
        public_url=_public_url(env.get(PREFIX + "PUBLIC_URL")),
        time_zone=_time_zone(env.get(PREFIX + "TIME_ZONE")),
        metrics_token=_metrics_token(env.get(PREFIX + "METRICS_TOKEN")),
    )


def _database_url(raw: str | None, instance_path: Path) -> str:
    if not raw:
        return URL.create("sqlite", database=str(instance_path / "orderloom.db")).render_as_string()
    name = PREFIX + "DATABASE_URL"
    try:
        url = make_url(raw)
    except ArgumentError:
        raise SettingsError(
            f"{name}: {raw!r} is not a database URL; expected e.g. "
            "postgresql://user@host/dbname or sqlite:///path/to/orderloom.db"
        ) from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED_DATABASES:
        raise SettingsError(
            f"{name}: database {backend!r} is not supported; use postgresql or sqlite"
        )
    if backend == "postgresql":
        # psycopg 3 is the one driver we ship; plain postgresql:// means it too.
        if url.drivername not in ("postgresql", "postgresql+psycopg"):
            raise SettingsError(f"{name}: use the psycopg driver (postgresql+psycopg://...), "
                                f"not {url.drivername!r}")
        url = url.set(drivername="postgresql+psycopg")
        if not url.database:
            raise SettingsError(f"{name}: the URL names no database")
    elif url.database in (None, ""):
        raise SettingsError(f"{name}: an in-memory SQLite database would lose every order; "
                            "give a file path, e.g. sqlite:////var/lib/orderloom/orderloom.db")
    return url.render_as_string(hide_password=False)


def _redis_url(raw: str | None) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(
            f"{PREFIX}REDIS_URL: {raw!r} is not a Redis URL; expected redis://host:6379/0"
        )
    return raw


def _public_url(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    scheme, _, rest = text.partition("://")
    if scheme.lower() not in ("http", "https") or not rest.strip("/") or any(
            c.isspace() for c in text):
        raise SettingsError(f"{PREFIX}PUBLIC_URL: {raw!r} is not the address customers "
                            "reach Orderloom at; expected e.g. https://orders.example.com")
    return text.rstrip("/")


def _time_zone(raw: str | None) -> str:
    text = (raw or "").strip()
    if not text:
        return "UTC"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SettingsError(f"{PREFIX}TIME_ZONE: {raw!r} is not a time zone name; expected an "
                            "IANA name such as Asia/Shanghai or UTC") from None
    return text


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    host = (env.get(PREFIX + "SMTP_HOST") or "").strip()
    if not host:
        return None
    tls = (env.get(PREFIX + "SMTP_TLS") or "none").strip().lower()
    if tls not in TLS_MODES:
        raise SettingsError(f"{PREFIX}SMTP_TLS: {tls!r} is not one of {', '.join(TLS_MODES)}")
    port = _positive_int(env, "SMTP_PORT", 465 if tls == "ssl" else 25)
    if port > 65535:
        raise SettingsError(f"{PREFIX}SMTP_PORT: {port} is not a port number (1 to 65535)")
    sender = (env.get(PREFIX + "SMTP_SENDER") or "").strip()
    if "@" not in sender:
        raise SettingsError(f"{PREFIX}SMTP_SENDER: give the From address of Orderloom's mail, "
                            "e.g. orders@example.com (needed when ORDERLOOM_SMTP_HOST is set)")
    user = env.get(PREFIX + "SMTP_USER") or None
    password = env.get(PREFIX + "SMTP_PASSWORD") or None
    if password and not user:
        raise SettingsError(f"{PREFIX}SMTP_PASSWORD: is set but {PREFIX}SMTP_USER is not")
    return SmtpSettings(host=host, port=port, tls=tls, user=user, password=password,
                        sender=sender)


def _secret_key(raw: str | None, instance_path: Path) -> str:
    if raw:
        if len(raw) < 32:
            raise SettingsError(f"{PREFIX}SECRET_KEY: too short ({len(raw)} characters); "
                                "use at least 32 random characters")
        return raw
    # Generated once and kept, so sessions survive restarts and every process
    # sharing the instance folder signs cookies with the same key.
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise SettingsError(f"{key_file}: the stored secret key is damaged; delete the file "
                            "to generate a new one (everyone will have to log in again)")
    return key


def _secret_key_fallbacks(raw: str | None) -> tuple[str, ...]:
    keys = tuple(key.strip() for key in (raw or "").split(",") if key.strip())
    for place, key in enumerate(keys, start=1):
        if len(key) < 32:
            raise SettingsError(f"{PREFIX}SECRET_KEY_FALLBACKS: key {place} is too short "
                                f"({len(key)} characters); an old key has at least 32")
    return keys


def _check_webhook_retries(env: Mapping[str, str]) -> None:
    # Read again by each webhook job (runtime/notify/webhook_sending.py); checked here so a
    # bad value stops start-up instead of every delivery.
    from orderloom.runtime.notify.webhook_sending import SettingError, retry_policy

    try:
        retry_policy(env)
    except SettingError as error:
        raise SettingsError(str(error)) from None


def _check_outbound_allowance(env: Mapping[str, str]) -> None:
    # Read again at each outbound call (runtime/outbound.py), so that a worker follows its
    # own environment; checked here so a typo stops start-up instead of every call.
    from orderloom.runtime.outbound import AllowanceError, allowance

    try:
        allowance(env)
    except AllowanceError as error:
        raise SettingsError(str(error)) from None


def _metrics_token(raw: str | None) -> str | None:
    if raw in (None, ""):
        return None
    if len(raw) < MIN_METRICS_TOKEN or not raw.isascii() or not raw.isprintable() \
            or " " in raw:
        raise SettingsError(f"{PREFIX}METRICS_TOKEN: give at least {MIN_METRICS_TOKEN} "
                            "printable ASCII characters without spaces")
    return raw


def _check_metrics_folder(env: Mapping[str, str]) -> None:
    # prometheus_client's own variable: set, every process writes its figures there, and a
    # folder that is not there would fail the first request or job instead of start-up.
    raw = env.get(MULTIPROCESS_FOLDER)
    if raw in (None, ""):
        return
    folder = Path(raw)
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise SettingsError(f"{MULTIPROCESS_FOLDER}: {raw} is not a folder this process "
                            "can write to; create it, empty, before starting")


def _positive_int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(PREFIX + key)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise SettingsError(f"{PREFIX}{key}: {raw!r} is not a positive whole number")
    return value


def _count(env: Mapping[str, str], key: str, default: int, most: int) -> int:
    raw = env.get(PREFIX + key)
    if raw in (None, ""):
        return default
    text = raw.strip()
    value = int(text) if text.isascii() and text.isdigit() else -1
    if not 0 <= value <= most:
        raise SettingsError(f"{PREFIX}{key}: {raw!r} is not a whole number from 0 to {most}")
    return value


def _boolean(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(PREFIX + key)
    if raw in (None, ""):
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{PREFIX}{key}: {raw!r} is not true or false")


def _choice(env: Mapping[str, str], key: str, choices: tuple[str, ...], default: str) -> str:
    raw = env.get(PREFIX + key)
    if raw in (None, ""):
        return default
    if raw.upper() not in choices:
        raise SettingsError(f"{PREFIX}{key}: {raw!r} is not one of {', '.join(choices)}")
    return raw.upper()
