"""Times shown to people: in the display time zone, per language, UTC kept in <time datetime>."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, render_template_string

from catalog.errors import ConfigError
from catalog.models import HarvestSummary
from catalog.store import Store
from config.settings import Settings, load_settings
from index.build import update_index
from tests.factories import make_library, make_record
from tests.webapp.test_admin import PASSWORD_HASH, log_in
from webapp import create_app
from webapp.local_time import format_local, local_time, local_time_text

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
# 18:30 UTC on the 24th is 01:30 on the 25th in Vietnam (UTC+7): the day changes.
NEAR_MIDNIGHT = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)


@pytest.fixture
def local_app(settings: Settings, tmp_path: Path) -> Flask:
    settings = replace(
        settings,
        admin_password_hash=PASSWORD_HASH,
        quarantine_dir=tmp_path / "quarantine",
        harvest_log_dir=tmp_path / "harvest-logs",
    )
    with Store.open(settings.catalog_path) as store:
        store.upsert_page([make_record(oai_id="oai:ct:1", datestamp=NEAR_MIDNIGHT)])
        store.record_harvest(
            HarvestSummary(
                library="cantho",
                started_at=NEAR_MIDNIGHT,
                finished_at=NEAR_MIDNIGHT + timedelta(seconds=42),
            )
        )
        update_index(store, settings.index_dir)
    folder = tmp_path / "quarantine" / "cantho"
    folder.mkdir(parents=True)
    (folder / "20261124T183000Z-page-ListRecords-abc123.xml").write_bytes(b"<broken")
    about = {"saved_at": "20261124T183000Z", "request": "ListRecords", "reason": "bad XML"}
    (folder / "20261124T183000Z-page-ListRecords-abc123.json").write_text(json.dumps(about))
    return create_app(settings, libraries=(make_library(code="cantho"),))


def test_a_utc_time_near_midnight_is_shown_on_the_next_day_in_vietnam(local_app: Flask) -> None:
    with local_app.test_request_context("/"):
        shown = format_local(NEAR_MIDNIGHT, "datetime", SAIGON, "vi")
        assert shown == "25/11/2026 01:30 (giờ Việt Nam)"
        assert format_local(NEAR_MIDNIGHT, "date", SAIGON, "vi") == "25/11/2026"
        assert format_local(NEAR_MIDNIGHT, "time", SAIGON, "vi") == "01:30:00 (giờ Việt Nam)"


def test_english_readers_get_an_unambiguous_month_name(local_app: Flask) -> None:
    with local_app.test_request_context("/?lang=en"):
        assert format_local(NEAR_MIDNIGHT, "datetime", SAIGON, "en") == (
            "25 Nov 2026, 01:30 (Vietnam time)"
        )
        assert format_local(NEAR_MIDNIGHT, "date", SAIGON, "en") == "25 Nov 2026"


def test_the_filter_keeps_utc_in_the_time_element(local_app: Flask) -> None:
    with local_app.test_request_context("/"):
        shown = str(local_time(NEAR_MIDNIGHT))
        naive = str(local_time(NEAR_MIDNIGHT.replace(tzinfo=None)))  # the catalog's UTC
        compact = str(local_time("20261124T183000Z"))  # the quarantine's stamps
        iso = str(local_time("2026-11-25T01:30:00+07:00"))

    expected = '<time datetime="2026-11-24T18:30:00Z">25/11/2026 01:30 (giờ Việt Nam)</time>'
    assert shown == naive == compact == iso == expected


def test_the_filter_shows_what_it_cannot_read_as_text_escaped(local_app: Flask) -> None:
    with local_app.test_request_context("/"):
        assert str(local_time("<b>yesterday</b>")) == "&lt;b&gt;yesterday&lt;/b&gt;"
        assert str(local_time(None)) == ""
        assert local_time_text(42) == "42"  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="style must be one of datetime, date, time"):
            local_time(NEAR_MIDNIGHT, "week")


def test_record_page_shows_the_datestamp_in_local_time_in_both_languages(
    local_app: Flask,
) -> None:
    client = local_app.test_client()
    vietnamese = client.get("/records/cantho:oai:ct:1").text
    english = client.get("/records/cantho:oai:ct:1?lang=en").text

    assert (
        '<time datetime="2026-11-24T18:30:00Z">25/11/2026 01:30 (giờ Việt Nam)</time>' in vietnamese
    )
    assert (
        '<time datetime="2026-11-24T18:30:00Z">25 Nov 2026, 01:30 (Vietnam time)</time>' in english
    )
    assert "UTC" not in vietnamese.split("<article", 1)[1]


def test_dashboard_and_quarantine_show_local_times(local_app: Flask) -> None:
    client = local_app.test_client()
    dashboard = log_in(client)
    quarantine = client.get("/admin/quarantine/cantho?lang=en").text

    assert (
        '<time datetime="2026-11-24T18:30:00Z">25/11/2026 01:30 (giờ Việt Nam)</time>' in dashboard
    )
    shown = re.sub(r'datetime="[^"]*"', "", dashboard)
    assert "18:30" not in shown  # not in the table, nor in the history chart's labels
    assert "25/11/2026 01:30 (giờ Việt Nam)</text>" in dashboard  # the chart's axis, as SVG text
    assert (
        '<td><time datetime="2026-11-24T18:30:00Z">25 Nov 2026, 01:30 (Vietnam time)</time></td>'
        in quarantine
    )


def test_new_this_week_shows_when_each_record_changed_in_local_time(local_app: Flask) -> None:
    html = local_app.test_client().get("/new?lang=en").text

    assert "(Vietnam time)</time>" in html  # stored just now: whatever the clock says


def test_another_display_zone_is_named_by_its_key(settings: Settings) -> None:
    with Store.open(settings.catalog_path) as store:
        store.upsert_page([make_record(oai_id="oai:ct:1", datestamp=NEAR_MIDNIGHT)])
        update_index(store, settings.index_dir)
    app = create_app(replace(settings, display_timezone="Europe/Paris"), libraries=())
    try:
        html = app.test_client().get("/records/cantho:oai:ct:1?lang=en").text
    finally:
        app.extensions["unioncat"].search_index.close()

    assert "24 Nov 2026, 19:30 (Europe/Paris time)" in html


def test_display_timezone_setting_is_checked_with_a_clear_message(tmp_path: Path) -> None:
    assert load_settings(environ={}).display_timezone == "Asia/Ho_Chi_Minh"
    chosen = load_settings(environ={"UNIONCAT_DISPLAY_TIMEZONE": "Asia/Bangkok"})
    assert chosen.display_timezone == "Asia/Bangkok"

    config = tmp_path / "settings.toml"
    config.write_text('display_timezone = "Saigon"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config, environ={"UNIONCAT_DISPLAY_TIMEZONE": "../../etc/passwd"})
    message = str(raised.value)
    assert "display_timezone: expected an IANA time zone such as 'Asia/Ho_Chi_Minh'" in message
    assert "got 'Saigon'" in message
    assert "$UNIONCAT_DISPLAY_TIMEZONE: expected an IANA time zone" in message


def test_an_app_built_with_a_bad_zone_fails_at_start(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="display_timezone: .* got 'Mars/Olympus_Mons'"):
        create_app(replace(settings, display_timezone="Mars/Olympus_Mons"), libraries=())


def test_a_time_inside_a_translated_sentence_is_not_escaped_twice(local_app: Flask) -> None:
    template = '{{ _("started %(when)s", when=moment | local_time("time")) }}'
    with local_app.test_request_context("/?lang=en"):
        shown = render_template_string(template, moment=NEAR_MIDNIGHT)

    assert shown == 'started <time datetime="2026-11-24T18:30:00Z">01:30:00 (Vietnam time)</time>'
