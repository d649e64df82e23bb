"""Alerts reach a real local SMTP server and HTTP receiver, once per episode, and so does the
"recovered" notice that ends an episode."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from catalog.store import Store
from cli import main
from operations.alerts import find_alerts
from tests.factories import make_library, make_record
from tests.operations.conftest import MakeConfig


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    # aiosmtpd 1.4's Controller checks its server by connecting to the port it was given, so
    # port 0 does not work: take a free port from the kernel first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_member_failing_n_runs_in_a_row_sends_one_email_and_one_webhook_per_episode(
    make_config: MakeConfig,
    smtp_server: tuple[int, Inbox],
    webhook: tuple[str, list[dict[str, Any]]],
) -> None:
    port, inbox = smtp_server
    url, posts = webhook
    config = make_config(
        "down",
        alert_after_failures=2,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        alert_email_to="ops@example.org, lead@example.org",
        alert_webhook_url=url,
    )

    def run() -> str:
        result = CliRunner().invoke(main, ["--config", str(config), "-q", "run"])
        assert result.exit_code == 1, result.output
        return result.output

    run()
    assert inbox.messages == [] and posts == []  # one failure: not yet
    output = run()
    assert "1 alert(s), 1 delivered." in output
    run()  # still broken: the same episode, no second alert

    assert len(inbox.messages) == 1 and len(posts) == 1
    mail = inbox.messages[0]
    assert mail["Subject"] == "[unioncat] down: 2 harvests failed in a row"
    assert mail["To"] == "ops@example.org, lead@example.org"
    assert "HTTP 503" in mail.get_payload() and "unioncat libraries --check" in mail.get_payload()
    assert posts[0]["library"] == "down" and posts[0]["kind"] == "failures"


def test_a_sharp_drop_in_records_alerts_once_until_it_recovers(tmp_path: Path) -> None:
    state = tmp_path / "alerts.json"
    library = make_library(code="cantho")
    records = [make_record(oai_id=f"oai:test:{n}") for n in range(10)]

    def alerts(store: Store) -> list[str]:
        found = find_alerts(store, [library], state, after_failures=3, shrink_share=0.2)
        return [alert.kind for alert in found]

    with Store.open(tmp_path / "catalog.sqlite") as store:
        store.upsert_page(records)
        assert alerts(store) == []  # the first count is the baseline
        store.upsert_page([replace(r, deleted=True) for r in records[:5]])
        assert alerts(store) == ["shrink"]
        assert alerts(store) == []  # still down: the same episode
        store.upsert_page(records[:5])
        assert alerts(store) == ["recovered"]  # back: one notice ends the episode
        assert alerts(store) == []
        store.upsert_page([replace(r, deleted=True) for r in records[:5]])
        assert alerts(store) == ["shrink"]  # a new drop, a new alert


def _registry(tmp_path: Path, endpoint: str) -> None:
    """A registry whose one member, cantho, is served from ``endpoint``."""
    (tmp_path / "libraries.toml").write_text(
        '[[library]]\ncode = "cantho"\nname_vi = "Thư viện Cần Thơ"\nname_en = "Can Tho"\n'
        f'province = "Cần Thơ"\nendpoint = "{endpoint}"\nenabled = true\n',
        encoding="utf-8",
    )


def test_the_first_good_night_after_an_alert_sends_one_recovered_notice(
    make_config: MakeConfig,
    tmp_path: Path,
    oai_server: str,
    smtp_server: tuple[int, Inbox],
    webhook: tuple[str, list[dict[str, Any]]],
) -> None:
    port, inbox = smtp_server
    url, posts = webhook
    config = make_config(
        alert_after_failures=2,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        alert_email_to="ops@example.org",
        alert_webhook_url=url,
    )

    def run(expected_code: int) -> str:
        result = CliRunner().invoke(main, ["--config", str(config), "-q", "run"])
        assert result.exit_code == expected_code, result.output
        return result.output

    _registry(tmp_path, f"{oai_server}/down/oai")
    run(1)
    run(1)  # the second failure in a row: the alert
    assert [post["kind"] for post in posts] == ["failures"]
    _registry(tmp_path, f"{oai_server}/good/oai")  # the member's server is mended

    output = run(0)
    run(0)  # a second good night: nothing more to say

    assert "1 alert(s), 1 delivered." in output
    assert [post["kind"] for post in posts] == ["failures", "recovered"]
    assert posts[1]["ended"] == "failures" and posts[1]["library"] == "cantho"
    assert [mail["Subject"] for mail in inbox.messages] == [
        "[unioncat] cantho: 2 harvests failed in a row",
        "[unioncat] cantho: recovered, harvests succeed again",
    ]
    body = inbox.messages[1].get_payload(decode=True).decode()
    assert "harvested successfully again" in body and "holds 4 live records" in body
    state = json.loads((tmp_path / "alerts.json").read_text(encoding="utf-8"))
    assert "failing" not in state["cantho"]  # cleared: the next streak alerts again

    _registry(tmp_path, f"{oai_server}/down/oai")
    run(1)
    run(1)
    assert [post["kind"] for post in posts] == ["failures", "recovered", "failures"]


def test_a_recovered_notice_that_reached_nobody_is_sent_the_next_night(
    make_config: MakeConfig, tmp_path: Path, oai_server: str
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: every delivery is refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    config = make_config(alert_after_failures=1, alert_webhook_url=f"http://127.0.0.1:{closed}/")
    state = tmp_path / "alerts.json"
    _registry(tmp_path, f"{oai_server}/down/oai")
    CliRunner().invoke(main, ["--config", str(config), "-q", "run"])
    # The failures alert was not delivered either; mark it sent, as a delivered one would be.
    state.write_text(json.dumps({"cantho": {"failing": True, "records": 0}}), encoding="utf-8")
    _registry(tmp_path, f"{oai_server}/good/oai")

    first = CliRunner().invoke(main, ["--config", str(config), "-q", "run"])

    assert "1 alert(s), 0 delivered." in first.output
    assert json.loads(state.read_text(encoding="utf-8"))["cantho"]["failing"] is True

    second = CliRunner().invoke(main, ["--config", str(config), "-q", "run"])

    assert "1 alert(s), 0 delivered." in second.output  # tried again, not dropped
