"""Times as people read them: in the display time zone, written the reader's language's way.

The catalog keeps every time in UTC; pages show it in ``Settings.display_timezone`` through
the ``|local_time`` filter, "25/11/2026 08:30 (giờ Việt Nam)" or "25 Nov 2026, 08:30 (Vietnam
time)", inside ``<time datetime="2026-11-25T01:30:00Z">`` so machines still read UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app
from markupsafe import Markup, escape

from catalog.errors import ConfigError
from config.settings import Settings
from webapp.i18n import current_language, gettext

STYLES = ("datetime", "date", "time")
# Zones that are Vietnam's own time: named in words, not by their IANA key.
VIETNAM_ZONES = ("Asia/Ho_Chi_Minh", "Asia/Saigon")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The two forms a time takes in files the harvester writes: ISO 8601 and the quarantine's
# compact "20250301T013000Z".
_COMPACT_UTC = "%Y%m%dT%H%M%SZ"


def init_app(app: Flask, settings: Settings) -> None:
    """Register ``|local_time`` and ``|local_time_text`` on ``app`` for ``display_timezone``.

    Raises ConfigError when the zone is unknown (settings built in code skip load_settings).
    """
    try:
        zone = ZoneInfo(settings.display_timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"display_timezone: expected an IANA time zone such as 'Asia/Ho_Chi_Minh', "
            f"got {settings.display_timezone!r}"
        ) from exc
    app.extensions["unioncat_display_zone"] = zone
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(local_time_text, "local_time_text")


def local_time(value: datetime | str | None, style: str = "datetime") -> Markup:
    """Return ``value`` as a ``<time>`` element: local words inside, UTC ISO in ``datetime``.

    ``value`` is an aware datetime (naive ones are taken as UTC) or an ISO 8601 / compact UTC
    string; anything else is shown as given, escaped. ``style`` is datetime, date or time.
    """
    moment = _as_utc(value)
    if moment is None:
        return Markup("") if value is None else escape(str(value))
    iso = moment.isoformat().replace("+00:00", "Z")
    shown = format_local(moment, style, _zone(), current_language())
    return Markup('<time datetime="{}">{}</time>').format(iso, shown)


def local_time_text(value: datetime | str | None, style: str = "datetime") -> str:
    """Return ``value`` as local words only, for places a ``<time>`` can't go (SVG titles)."""
    moment = _as_utc(value)
    if moment is None:
        return "" if value is None else str(value)
    return format_local(moment, style, _zone(), current_language())


def format_local(moment: datetime, style: str, zone: ZoneInfo, lang: str) -> str:
    """Write ``moment`` (aware) in ``zone`` the way ``lang`` writes times, naming the zone."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    local = moment.astimezone(zone)
    if lang == "vi":
        day = local.strftime("%d/%m/%Y")
    else:
        day = f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year}"
    clock = local.strftime("%H:%M:%S" if style == "time" else "%H:%M")
    if style == "date":
        return day
    shown = clock if style == "time" else (f"{day} {clock}" if lang == "vi" else f"{day}, {clock}")
    return f"{shown} ({zone_name(zone)})"


def zone_name(zone: ZoneInfo) -> str:
    """Return the zone as readers call it: "giờ Việt Nam" / "Vietnam time", else its key."""
    if zone.key in VIETNAM_ZONES:
        return gettext("Vietnam time")
    if zone.key in ("UTC", "Etc/UTC"):
        return "UTC"
    return gettext("%(zone)s time", zone=zone.key)


def _zone() -> ZoneInfo:
    zone: ZoneInfo = current_app.extensions["unioncat_display_zone"]
    return zone


def _as_utc(value: object) -> datetime | None:
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.strptime(text, _COMPACT_UTC).replace(tzinfo=UTC)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                return None
        value = parsed
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # the catalog writes UTC; a naive time is one
    return value.astimezone(UTC)
