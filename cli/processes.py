"""``unioncat serve`` with several processes: gunicorn's arbiter and its threaded workers.

A first-time search is CPU work in Python, and one process's threads share one interpreter
lock: with 16 clients asking only new searches at 100,000 records, one waitress process
answered 79 requests/s at p95 298 ms; two gunicorn workers on the same two cores answered
268 requests/s at p95 106 ms (``bench/web.py``, docs/performance.md). gunicorn does what we
would otherwise write: forks the workers, restarts one that dies, stops them gracefully.

Each worker builds its own app after the fork, so no thread, SQLite handle or mapped index
crosses a fork, and reads its index before it takes a request. What the processes must agree
on is decided here or shared on disk: the secret key (made once here when the settings have
none, so a session or resumption token from one worker holds in the others), the registry
(read once here, so a bad one stops the start with its message), and the login limit and the
dashboard's harvests (``webapp.shared_state``).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import sys
from dataclasses import replace
from typing import Any

import click

from catalog.errors import SearchIndexError
from config.registry import load_registry
from config.settings import Settings

from .base import fail

log = logging.getLogger("unioncat")

BACKLOG = 2048  # connections the kernel queues while every worker thread is busy


def listen(host: str, port: int) -> socket.socket:
    """Return a listening socket on ``host:port`` (0: any free port) that workers inherit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listener = socket.create_server((host.strip("[]"), port), family=family, backlog=BACKLOG)
    except OSError as exc:
        fail(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port "
            "or stop the program that holds it"
        )
    listener.set_inheritable(True)
    return listener


def ready_to_search(app: Any) -> None:
    """Read what every search needs now, and each new index generation as it appears, so that
    no patron's search waits for it: the first after a start, nor the first after an update."""
    service = app.extensions.get("unioncat")
    if service is None:
        return
    try:
        service.search_index.warm()
    except SearchIndexError as exc:
        log.warning("%s; searches answer once it exists", exc)
    service.search_index.keep_warm()


def serve_in_processes(settings: Settings, *, workers: int, threads: int) -> None:
    """Serve the app from ``workers`` processes of ``threads`` threads until SIGTERM or Ctrl-C.

    Exits with status 0 on a requested stop; when the workers cannot start, with the reason.
    """
    from gunicorn.app.base import BaseApplication

    from webapp import create_app

    libraries = load_registry(settings.registry_path)  # a bad registry: its message, no server
    listener = listen(settings.host, settings.port)
    if not settings.secret_key:
        log.warning(
            "no secret_key set: the %d server processes share one made for this run, so "
            "logins and resumption tokens end when the server restarts; set "
            "UNIONCAT_SECRET_KEY in production",
            workers,
        )
        settings = replace(settings, secret_key=secrets.token_hex(32))
    host, port = settings.host.strip("[]"), listener.getsockname()[1]
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    descriptor = listener.detach()  # gunicorn owns it from here, and closes it

    def when_ready(arbiter: Any) -> None:
        click.echo(
            f"Serving on http://{address}/ ({workers} processes of {threads} threads; Ctrl-C stops)"
        )

    def post_worker_init(worker: Any) -> None:
        ready_to_search(worker.wsgi)  # in each worker, before its first request

    options: dict[str, Any] = {
        "bind": [f"fd://{descriptor}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "keepalive": 5,
        "limit_request_line": 8190,  # a search with many filters makes a long URL
        "graceful_timeout": 30,
        "proc_name": "unioncat-serve",
        "when_ready": when_ready,
        "post_worker_init": post_worker_init,
        "control_socket_disable": True,  # gunicorn 25+: no control socket in $HOME
    }

    class Server(BaseApplication):  # type: ignore[misc]
        """gunicorn configured from ``options``, never from files or GUNICORN_CMD_ARGS."""

        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app(settings, libraries=libraries)

    arbiter = os.getpid()
    try:
        Server().run()
    except SystemExit as exc:
        if os.getpid() != arbiter:
            raise  # a worker ending: its exit status is the arbiter's business
        if exc.code not in (None, 0):
            fail(
                f"the server's processes stopped (gunicorn exit status {exc.code}); "
                "the lines above say why"
            )
    click.echo("Stopped.")
    sys.stdout.flush()
