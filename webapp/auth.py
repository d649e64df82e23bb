"""The librarians' accounts: one administrator from settings, session cookies, CSRF, throttling.

No database of users: the administrator's name and password hash come from settings (the hash
best from ``UNIONCAT_ADMIN_PASSWORD_HASH``). With no hash configured the dashboard is off.
Failed logins are counted in the file all the server's processes share (``web_state_path``).
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import check_password_hash, generate_password_hash

from catalog.errors import ConfigError
from config.settings import Settings
from webapp.shared_state import SharedState

SESSION_HOURS = 12  # a login lasts a working day, then the librarian signs in again
COOKIE_SECURE_MODES = ("auto", "always", "never")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}

View = TypeVar("View", bound=Callable[..., Any])


class LoginThrottle:
    """Counts failed logins per key (an address, a user name) over a sliding window.

    The failures are rows in the web server's shared state file, so every server process
    counts those of all of them. Times are wall-clock seconds: the file outlives a reboot,
    which monotonic time does not.
    """

    def __init__(
        self,
        state: SharedState,
        max_failures: int,
        window: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = state
        self.max_failures = max_failures
        self.window = window
        self._clock = clock

    def retry_after(self, *keys: str) -> float:
        """Return the seconds until ``keys`` may try again; 0 when they may now."""
        now = self._clock()
        wait = 0.0
        with self.state.connect() as db:
            for key in keys:
                count, oldest = db.execute(
                    "SELECT count(*), min(failed_at) FROM login_failures "
                    "WHERE key = ? AND failed_at > ?",
                    (key, now - self.window),
                ).fetchone()
                if count >= self.max_failures:
                    # at most one window, even after the wall clock was set back
                    wait = max(wait, min(oldest + self.window - now, self.window))
        return wait

    def fail(self, *keys: str) -> None:
        """Count one failed login against each of ``keys``; forget failures past the window."""
        now = self._clock()
        with self.state.transaction() as db:
            db.executemany(
                "INSERT INTO login_failures (key, failed_at) VALUES (?, ?)",
                [(key, now) for key in keys],
            )
            # keeps the table as small as the failures of one window
            db.execute("DELETE FROM login_failures WHERE failed_at <= ?", (now - self.window,))

    def forget(self, *keys: str) -> None:
        """Clear the failures of ``keys`` (after a successful login)."""
        with self.state.transaction() as db:
            db.executemany("DELETE FROM login_failures WHERE key = ?", [(key,) for key in keys])


@dataclass(slots=True)
class AdminAuth:
    """The administrator's credentials and the login throttle; in ``app.extensions``."""

    username: str
    password_hash: str
    throttle: LoginThrottle
    # Checked when the user name is wrong, so a wrong name costs as long as a wrong password.
    decoy_hash: str = ""

    @property
    def is_enabled(self) -> bool:
        return bool(self.password_hash)

    def check(self, username: str, password: str) -> bool:
        """Return whether ``username`` and ``password`` are the administrator's."""
        name_ok = hmac.compare_digest(username.encode(), self.username.encode())
        password_ok = check_password_hash(
            self.password_hash if name_ok else self.decoy_hash, password
        )
        return name_ok and password_ok


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, Secure unless the request is plain http to localhost."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def get_cookie_secure(self, app: Flask) -> bool:
        if self.mode == "auto":
            return request.is_secure or not is_local_host(request.host)
        return self.mode == "always"


def is_local_host(host: str) -> bool:
    """Return whether ``host`` (a Host header, with or without port) names this machine."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name.startswith("[") and "]" in name:
        name = name[: name.index("]") + 1]
    return name.lower() in _LOCAL_HOSTS or name.lower().endswith(".localhost")


def init_app(app: Flask, settings: Settings) -> None:
    """Set the session cookie's flags and keep the administrator's credentials on ``app``.

    Raises ConfigError for a cookie mode or password hash that cannot work, and
    SharedStateError for a ``web_state_path`` the dashboard cannot use.
    """
    if settings.session_cookie_secure not in COOKIE_SECURE_MODES:
        raise ConfigError(
            f"session_cookie_secure: expected one of {', '.join(COOKIE_SECURE_MODES)}, "
            f"got {settings.session_cookie_secure!r}"
        )
    password_hash = settings.admin_password_hash.strip()
    decoy_hash = ""
    if password_hash:
        try:
            if password_hash.count("$") < 2:
                raise ValueError(password_hash)
            decoy_hash = generate_password_hash(
                secrets.token_hex(16), method=password_hash.split("$", 1)[0]
            )
        except ValueError as exc:
            raise ConfigError(
                "admin_password_hash: not a werkzeug password hash ('method$salt$hash'); make "
                'one with: python -c "from werkzeug.security import generate_password_hash; '
                "print(generate_password_hash('PASSWORD'))\" and quote it in the shell (it "
                "holds $ signs)"
            ) from exc
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.session_interface = _SessionInterface(settings.session_cookie_secure)
    state = SharedState(settings.web_state_path)
    if password_hash:
        state.check()  # a bad file stops the server before its first login, with the reason
    app.extensions["unioncat_admin"] = AdminAuth(
        username=settings.admin_username,
        password_hash=password_hash,
        throttle=LoginThrottle(
            state, settings.admin_login_max_failures, settings.admin_login_window
        ),
        decoy_hash=decoy_hash,
    )
    app.jinja_env.globals.update(
        csrf_token=csrf_token, admin_enabled=password_hash != "", admin_logged_in=is_logged_in
    )


def admin_auth() -> AdminAuth:
    """Return the current app's administrator credentials and throttle."""
    return cast(AdminAuth, current_app.extensions["unioncat_admin"])


def log_in(username: str) -> None:
    """Start an administrator's session (a fresh one, with a fresh CSRF token)."""
    session.clear()
    session["admin"] = username
    session["admin_since"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(32)


def log_out() -> None:
    session.clear()


def is_logged_in() -> bool:
    """Return whether this request comes from the administrator's live session."""
    since = session.get("admin_since")
    return (
        session.get("admin") == admin_auth().username
        and isinstance(since, int)
        and time.time() - since < SESSION_HOURS * 3600
    )


def login_required(view: View) -> View:
    """Send anyone not logged in to the login page (JSON endpoints answer 401 instead)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_logged_in():
            if request.path.startswith("/admin/api/"):
                return jsonify(ok=False, error="log in at /admin/login first"), 401
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return cast(View, wrapped)


def csrf_token() -> str:
    """Return this session's CSRF token, making one if needed; forms send it back."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Refuse (HTTP 400) a state-changing request without this session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get("csrf")
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not isinstance(expected, str) or not expected or not hmac.compare_digest(sent, expected):
        abort(
            400,
            description="the form's security token is missing or expired; "
            "reload the page and send the form again",
        )


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site (no open redirects), else None."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None
