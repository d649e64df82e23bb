"""Settings: one frozen dataclass; defaults, then a TOML file, then UNIONCAT_* variables."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from catalog.errors import ConfigError

ENV_PREFIX = "UNIONCAT_"
DEFAULT_REGISTRY = Path(__file__).with_name("libraries.toml")


def _setting(default: Any, help: str) -> Any:  # noqa: A002 - "help" mirrors click and datasette
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Every setting of the union catalog, with its default and what it does."""

    catalog_path: Path = _setting(Path("var/catalog.sqlite"), "SQLite file holding the catalog")
    index_dir: Path = _setting(Path("var/index"), "Folder of the Whoosh search index")
    registry_path: Path = _setting(DEFAULT_REGISTRY, "TOML file listing the member libraries")
    harvest_timeout: float = _setting(30.0, "Seconds to wait for one OAI-PMH response")
    harvest_max_retries: int = _setting(
        3, "Retries of a request that timed out or got HTTP 429/5xx before the library fails"
    )
    harvest_max_retry_after: float = _setting(
        120.0, "Longest wait, in seconds, honoured from a server's Retry-After header"
    )
    harvest_max_requests: int = _setting(
        10000, "Most OAI-PMH requests to one library in one run (guards endless token loops)"
    )
    harvest_max_empty_pages: int = _setting(
        5, "Pages in a row with a resumption token but no records before a list is ended"
    )
    harvest_polite_delay: float = _setting(
        0.5, "Seconds between the end of one request to a member's host and the next"
    )
    harvest_max_parallel_hosts: int = _setting(
        4, "Members on different hosts harvested at the same time (one request per host)"
    )
    harvest_map_processes: int = _setting(
        1,
        "Processes that map harvested pages while the harvest fetches and stores (0: map in "
        "the harvest's own process)",
    )
    quarantine_dir: Path = _setting(
        Path("var/quarantine"),
        "Folder keeping pages and records that could not be read, with the request beside them",
    )
    sweep_max_share: float = _setting(
        0.5, "Largest share of a member's records a deletion sweep may delete in one run"
    )
    contact_email: str = _setting(
        "catalog@mekong-union.invalid", "Contact address sent in the User-Agent and Identify"
    )
    repository_name: str = _setting(
        "Mục lục liên hợp Liên hiệp Thư viện Đồng bằng sông Cửu Long",
        "Name the union's OAI-PMH provider gives in Identify",
    )
    oai_namespace: str = _setting(
        "mekong-union.invalid", "Namespace of the union's OAI identifiers (oai:NAMESPACE:...)"
    )
    oai_page_size: int = _setting(100, "Records per page the union's OAI-PMH provider serves")
    secret_key: str = _setting(
        "", "Key signing resumption tokens and sessions; set UNIONCAT_SECRET_KEY in production"
    )
    results_per_page: int = _setting(20, "Search results per page")
    admin_username: str = _setting("admin", "User name of the librarians' dashboard (/admin)")
    admin_password_hash: str = _setting(
        "",
        "Password hash of the dashboard's administrator, made by werkzeug.security's "
        "generate_password_hash; empty: the dashboard is off. Set UNIONCAT_ADMIN_PASSWORD_HASH",
    )
    session_cookie_secure: str = _setting(
        "auto",
        "Secure flag of the session cookie: auto (Secure unless the request is plain http to "
        "localhost), always, or never",
    )
    admin_login_max_failures: int = _setting(
        5, "Failed dashboard logins allowed per address and per user name within the window"
    )
    admin_login_window: float = _setting(
        900.0, "Seconds over which failed dashboard logins are counted (then refused)"
    )
    harvest_log_dir: Path = _setting(
        Path("var/harvest-logs"), "Folder keeping the output of harvests started from the dashboard"
    )
    web_state_path: Path = _setting(
        Path("var/web-state.sqlite"),
        "SQLite file that the web server's processes share: failed logins and the dashboard's "
        "harvests",
    )
    admin_preview_bytes: int = _setting(
        65536, "Most bytes of a quarantined file the dashboard shows as text (download for all)"
    )
    run_lock_path: Path = _setting(
        Path("var/unioncat.lock"),
        "Lock file every harvest, index, run and restore holds, so that no two overlap",
    )
    run_lock_wait: float = _setting(
        0.0, "Seconds a run waits for another run's lock before giving up with exit status 1"
    )
    schedule_cron: str = _setting(
        "30 1 * * *", "When `unioncat schedule` runs harvest + index: five cron fields"
    )
    schedule_timezone: str = _setting(
        "Asia/Ho_Chi_Minh", "IANA time zone the schedule_cron times are read in"
    )
    display_timezone: str = _setting(
        "Asia/Ho_Chi_Minh", "IANA time zone the web pages show times in (stored times stay UTC)"
    )
    alert_after_failures: int = _setting(
        3, "Failed harvests in a row of one member that send an alert (0: never)"
    )
    alert_shrink_share: float = _setting(
        0.2, "Share of a member's live records lost since the last run that sends an alert"
    )
    alert_state_path: Path = _setting(
        Path("var/alerts.json"), "File remembering which alerts were sent (one per episode)"
    )
    alert_email_to: str = _setting(
        "", "Comma-separated addresses alerts are e-mailed to (empty: no e-mail)"
    )
    alert_email_from: str = _setting(
        "catalog@mekong-union.invalid", "Sender address of alert e-mails"
    )
    alert_webhook_url: str = _setting("", "URL alerts are POSTed to as JSON (empty: no webhook)")
    alert_timeout: float = _setting(10.0, "Seconds to wait for the SMTP server or the webhook")
    smtp_host: str = _setting("", "SMTP server for alert e-mails (empty: no e-mail)")
    smtp_port: int = _setting(587, "Port of the SMTP server")
    smtp_security: str = _setting(
        "starttls", "SMTP connection security: starttls, tls (implicit, port 465) or none"
    )
    smtp_username: str = _setting(
        "", "SMTP login name (empty: no login); the password only from $UNIONCAT_SMTP_PASSWORD"
    )
    backup_dir: Path = _setting(
        Path("var/backups"), "Folder `unioncat backup` writes to when no DEST is given"
    )
    log_file: str = _setting(
        "", "File the logs also go to, in the --log-format (empty: stderr only)"
    )
    log_rotation: str = _setting(
        "size",
        "How log_file is rotated: size (by unioncat, at log_max_bytes) or logrotate (by the "
        "system's logrotate; unioncat reopens the file when it is moved)",
    )
    log_max_bytes: int = _setting(10_000_000, "Size at which log_file is rotated (rotation size)")
    log_backups: int = _setting(5, "Rotated log files kept beside log_file (rotation size)")
    host: str = _setting("127.0.0.1", "Address `unioncat serve` binds to")
    port: int = _setting(5000, "Port `unioncat serve` listens on")


TIME_ZONE_SETTINGS = ("display_timezone",)


def is_time_zone(name: str) -> bool:
    """Return whether ``name`` is an IANA time zone this machine knows ("Asia/Ho_Chi_Minh")."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: "", "../x", an absolute path
        return False
    return True


def describe() -> list[tuple[str, str, str]]:
    """Return (name, default, help) for every setting: the table in docs and --help."""
    return [(f.name, str(f.default), f.metadata["help"]) for f in fields(Settings)]


def load_settings(
    path: Path | str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build Settings from defaults, the TOML file, ``UNIONCAT_*`` variables and overrides.

    ``path`` defaults to ``$UNIONCAT_CONFIG``. Raises one ConfigError naming every bad value.
    """
    environ = os.environ if environ is None else environ
    path = path or environ.get(ENV_PREFIX + "CONFIG")
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    problems: list[str] = []

    if path:
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read settings file: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        for name, value in data.items():
            if name not in known:
                problems.append(f"{path}: unknown setting {name!r}; known: {', '.join(known)}")
                continue
            _convert(name, value, known[name].type, f"{path}: {name}", values, problems)

    for variable, value in environ.items():
        if not variable.startswith(ENV_PREFIX) or variable == ENV_PREFIX + "CONFIG":
            continue
        name = variable[len(ENV_PREFIX) :].lower()
        if name in known:
            _convert(name, value, known[name].type, f"${variable}", values, problems)

    if problems:
        raise ConfigError(
            f"{len(problems)} bad setting(s):\n  " + "\n  ".join(problems), tuple(problems)
        )
    return replace(Settings(), **values, **(overrides or {}))


def _convert(
    name: str, value: Any, kind: Any, where: str, values: dict[str, Any], problems: list[str]
) -> None:
    kind = {"Path": Path, "float": float, "int": int, "str": str}.get(str(kind), kind)
    if name in TIME_ZONE_SETTINGS and isinstance(value, str) and not is_time_zone(value):
        problems.append(
            f"{where}: expected an IANA time zone such as 'Asia/Ho_Chi_Minh', got {value!r}"
        )
        return
    try:
        if kind is Path:
            if not isinstance(value, str) or not value:
                raise ValueError
            values[name] = Path(value)
        elif kind is int:
            if isinstance(value, bool) or isinstance(value, float):
                raise ValueError
            values[name] = int(value)
        elif kind is float:
            if isinstance(value, bool):
                raise ValueError
            values[name] = float(value)
        else:
            if not isinstance(value, str):
                raise ValueError
            values[name] = value
    except (TypeError, ValueError):
        expected = {Path: "a path", int: "a whole number", float: "a number", str: "a string"}
        problems.append(f"{where}: expected {expected.get(kind, kind)}, got {value!r}")
