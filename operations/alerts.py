"""Alerts: tell someone when a member keeps failing or its record count drops sharply.

Checked after each run. An alert goes out once per *episode*: when a member reaches
``alert_after_failures`` failed runs in a row (again only after it has recovered and failed
again), or when its live records fall by more than ``alert_shrink_share`` since the last run.
The episode ends with one "recovered" notice: at the member's first successful harvest after
a failures alert, or when its records are back within the share of the count before the drop.
Episodes are kept in a small JSON file (``alert_state_path``). Delivery: e-mail over SMTP
and/or a JSON POST to a webhook (urllib: requests belongs to the harvester).
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from catalog.errors import ConfigError
from catalog.models import Library
from catalog.store import Store
from config.settings import Settings

log = logging.getLogger(__name__)

PASSWORD_VARIABLE = "UNIONCAT_SMTP_PASSWORD"  # the SMTP password comes only from here
_SECURITY = ("none", "starttls", "tls")


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """One thing to tell the operators about one member."""

    library: str
    kind: str  # "failures", "shrink" or "recovered"
    subject: str
    message: str
    ended: str | None = None  # for "recovered": the kind of alert whose episode ended


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """Where alerts go, from Settings (and the password from the environment)."""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str | None = None
    email_from: str = ""
    email_to: tuple[str, ...] = ()
    webhook_url: str = ""
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings, password: str | None = None) -> Delivery:
        if settings.smtp_security not in _SECURITY:
            raise ConfigError(
                f"smtp_security: expected one of {', '.join(_SECURITY)}, "
                f"got {settings.smtp_security!r}"
            )
        if settings.smtp_username and password is None:
            raise ConfigError(
                f"smtp_username is set but ${PASSWORD_VARIABLE} is not; set the SMTP password "
                "in that environment variable (never in the settings file)"
            )
        return cls(
            smtp_host=settings.smtp_host,
            smtp_port=settings.smtp_port,
            smtp_security=settings.smtp_security,
            smtp_username=settings.smtp_username,
            smtp_password=password,
            email_from=settings.alert_email_from,
            email_to=tuple(a.strip() for a in settings.alert_email_to.split(",") if a.strip()),
            webhook_url=settings.alert_webhook_url,
            timeout=settings.alert_timeout,
        )

    @property
    def is_configured(self) -> bool:
        return bool((self.smtp_host and self.email_to) or self.webhook_url)


def find_alerts(
    store: Store,
    libraries: Sequence[Library],
    state_path: Path,
    *,
    after_failures: int,
    shrink_share: float,
) -> list[Alert]:
    """Return the alerts that open a new episode, and update the episode state file.

    Call once after each run. The state marks each alert as sent; if delivery then fails,
    :func:`deliver` reopens it (see :func:`forget`) so that the next run tries again.
    """
    state = _load(state_path)
    outcomes = store.harvest_outcomes()
    counts = store.count_by_library()
    alerts: list[Alert] = []
    for library in libraries:
        code = library.code
        member = state.setdefault(code, {})
        outcome = outcomes.get(code)
        streak = outcome.consecutive_failures if outcome else 0
        if after_failures > 0 and streak >= after_failures:
            if not member.get("failing"):
                member["failing"] = True
                alerts.append(
                    Alert(
                        library=code,
                        kind="failures",
                        subject=f"[unioncat] {code}: {streak} harvests failed in a row",
                        message=(
                            f"{library.name_vi} ({code}) has failed {streak} harvests in a row "
                            f"(alert_after_failures = {after_failures}).\n"
                            f"Last error: {outcome.last_error if outcome else '?'}\n"
                            f"Endpoint: {library.endpoint}\n"
                            "Check the endpoint with `unioncat libraries --check`; records "
                            "harvested before are kept. No further alert is sent until it "
                            "recovers."
                        ),
                    )
                )
        elif streak == 0 and member.pop("failing", None):
            log.info("[%s] harvests succeed again; a new failure streak will alert again", code)
            alerts.append(
                Alert(
                    library=code,
                    kind="recovered",
                    ended="failures",
                    subject=f"[unioncat] {code}: recovered, harvests succeed again",
                    message=(
                        f"{library.name_vi} ({code}) was harvested successfully again at "
                        f"{_when(outcome.last_success if outcome else None)}, after the failures "
                        f"reported earlier; it holds {counts.get(code, (0, 0))[0]} live records. "
                        f"A new alert is sent if it fails {after_failures} harvests in a row "
                        "again."
                    ),
                )
            )
        live = counts.get(code, (0, 0))[0]
        before = member.get("records")
        baseline = member.get("shrink_baseline")
        member.pop("shrink_ended", None)  # kept one run, for forget() should the notice fail
        if isinstance(baseline, int) and live >= baseline * (1 - shrink_share):
            member["shrink_ended"] = member.pop("shrink_baseline")
            alerts.append(
                Alert(
                    library=code,
                    kind="recovered",
                    ended="shrink",
                    subject=f"[unioncat] {code}: recovered, {live} records again",
                    message=(
                        f"{library.name_vi} ({code}) holds {live} live records again, back "
                        f"within {shrink_share:.0%} of the {baseline} it held before the drop "
                        "reported earlier. A new drop sends a new alert."
                    ),
                )
            )
        elif (
            not isinstance(baseline, int)
            and isinstance(before, int)
            and before > 0
            and live < before * (1 - shrink_share)
        ):
            member["shrink_baseline"] = before
            alerts.append(
                Alert(
                    library=code,
                    kind="shrink",
                    subject=f"[unioncat] {code}: records fell from {before} to {live}",
                    message=(
                        f"{library.name_vi} ({code}) holds {live} live records, down from "
                        f"{before} after the previous run (more than alert_shrink_share = "
                        f"{shrink_share:.0%}). The member may have deleted records or changed "
                        "its sets; check its endpoint and `unioncat status`."
                    ),
                )
            )
        member["records"] = live
    _save(state_path, state)
    return alerts


def forget(state_path: Path, alert: Alert) -> None:
    """Undo what sending ``alert`` marked, so that the next run sends it again (delivery failed).

    A failed "recovered" notice puts its episode back: the next run that finds the member
    recovered sends the notice again.
    """
    state = _load(state_path)
    member = state.get(alert.library, {})
    if alert.kind == "failures":
        member.pop("failing", None)
    elif alert.kind == "shrink":
        member.pop("shrink_baseline", None)
    elif alert.ended == "failures":
        member["failing"] = True
    elif alert.ended == "shrink" and isinstance(member.get("shrink_ended"), int):
        member["shrink_baseline"] = member.pop("shrink_ended")
    _save(state_path, state)


def deliver(alerts: Sequence[Alert], delivery: Delivery, state_path: Path) -> int:
    """Send each alert by e-mail and/or webhook; return how many reached at least one.

    An alert that reached nowhere is forgotten, so the next run sends it again.
    """
    if alerts and not delivery.is_configured:
        for alert in alerts:
            log.warning(
                "alert (no smtp_host/alert_email_to or alert_webhook_url set): %s", alert.subject
            )
        return 0
    sent = 0
    for alert in alerts:
        reached = False
        if delivery.smtp_host and delivery.email_to:
            try:
                send_email(alert, delivery)
                reached = True
            except (OSError, smtplib.SMTPException) as exc:
                log.error(
                    "[%s] alert e-mail to %s via %s:%d failed: %s; retried next run",
                    alert.library,
                    ", ".join(delivery.email_to),
                    delivery.smtp_host,
                    delivery.smtp_port,
                    exc,
                )
        if delivery.webhook_url:
            try:
                post_webhook(alert, delivery)
                reached = True
            except (OSError, urllib.error.URLError) as exc:
                log.error(
                    "[%s] alert webhook %s failed: %s; retried next run",
                    alert.library,
                    delivery.webhook_url,
                    exc,
                )
        if reached:
            sent += 1
            level = logging.INFO if alert.kind == "recovered" else logging.WARNING
            log.log(level, "[%s] alert sent: %s", alert.library, alert.subject)
        else:
            forget(state_path, alert)
    return sent


def send_email(alert: Alert, delivery: Delivery) -> None:
    """Send one alert as a plain-text e-mail (STARTTLS/TLS and login as configured)."""
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = delivery.email_from
    message["To"] = ", ".join(delivery.email_to)
    message.set_content(alert.message)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if delivery.smtp_security == "tls":
        client = smtplib.SMTP_SSL(
            delivery.smtp_host, delivery.smtp_port, timeout=delivery.timeout, context=context
        )
    else:
        client = smtplib.SMTP(delivery.smtp_host, delivery.smtp_port, timeout=delivery.timeout)
    with client:
        if delivery.smtp_security == "starttls":
            client.starttls(context=context)
        if delivery.smtp_username:
            client.login(delivery.smtp_username, delivery.smtp_password or "")
        client.send_message(message)


def post_webhook(alert: Alert, delivery: Delivery) -> None:
    """POST one alert as JSON (``library``, ``kind``, ``subject``, ``message``, ``sent_at``)."""
    body = json.dumps(
        {**asdict(alert), "sent_at": datetime.now(UTC).isoformat()}, ensure_ascii=False
    ).encode()
    request = urllib.request.Request(
        delivery.webhook_url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=delivery.timeout) as response:  # noqa: S310
        response.read()


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else "?"


def password_from(environ: os._Environ[str] | dict[str, str]) -> str | None:
    """The SMTP password, from ``$UNIONCAT_SMTP_PASSWORD`` only."""
    return environ.get(PASSWORD_VARIABLE)


def _load(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable alert state (%s); starting afresh", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: Path, state: dict[str, dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    temporary.replace(path)
