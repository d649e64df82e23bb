"""The librarians' dashboard: members' records and harvests, the quarantine, "harvest now".

Login required (``webapp.auth``); every form carries a CSRF token. Harvested text (errors,
quarantined bytes) is escaped by the templates and never marked safe.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from catalog.models import HarvestSummary, Library
from webapp import auth
from webapp.admin_charts import history_chart, records_chart
from webapp.admin_jobs import HarvestJob, HarvestJobs
from webapp.i18n import current_language, gettext, job_state_name, ngettext
from webapp.services import services

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")

HISTORY_RUNS = 200  # harvest runs drawn in the history chart
ERRORS_SHOWN = 50  # error lines listed per member; the rest are counted
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@bp.record_once
def _keep_jobs(state: BlueprintSetupState) -> None:
    state.app.extensions["unioncat_jobs"] = HarvestJobs(state.app.extensions["unioncat"].settings)


def _jobs() -> HarvestJobs:
    return cast(HarvestJobs, current_app.extensions["unioncat_jobs"])


@bp.before_request
def dashboard_guard() -> None:
    """Before every dashboard request: 404 while the dashboard is off; a POST needs its CSRF
    token. (Cache-Control: no-store and DENY framing come from webapp.security for /admin.)"""
    if not auth.admin_auth().is_enabled:
        abort(
            404,
            description=gettext(
                "The dashboard is off: set the UNIONCAT_ADMIN_PASSWORD_HASH environment variable "
                "(see the README) and restart the server."
            ),
        )
    auth.check_csrf()


# -- signing in and out ----------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | tuple[str, int, dict[str, str]] | str:
    """Show the login form; check a login, counting failures per address and per user name."""
    next_url = auth.safe_next(request.values.get("next"))
    if request.method == "GET":
        if auth.is_logged_in():
            return redirect(next_url or url_for("admin.dashboard"))
        return render_template("admin/login.html", next_url=next_url, message=None, username="")
    username = request.form.get("username", "")[:200]
    password = request.form.get("password", "")[:1000]
    credentials = auth.admin_auth()
    keys = (f"address:{request.remote_addr}", f"user:{username.casefold()}")
    wait = credentials.throttle.retry_after(*keys)
    if wait:
        minutes = max(1, round(wait / 60))
        log.warning("dashboard login refused for %r from %s: too many failures", username, keys[0])
        message = ngettext(
            "Too many failed sign-ins. Try again in %(num)d minute.",
            "Too many failed sign-ins. Try again in %(num)d minutes.",
            minutes,
        )
        page = render_template(
            "admin/login.html", next_url=next_url, message=message, username=username
        )
        return page, 429, {"Retry-After": str(int(wait) + 1)}
    if not credentials.check(username, password):
        credentials.throttle.fail(*keys)
        log.warning("dashboard login failed for %r from %s", username, request.remote_addr)
        message = gettext("Wrong user name or password.")
        page = render_template(
            "admin/login.html", next_url=next_url, message=message, username=username
        )
        return page, 200, {}
    credentials.throttle.forget(*keys)
    auth.log_in(username)
    log.info("dashboard login by %r from %s", username, request.remote_addr)
    return redirect(next_url or url_for("admin.dashboard"), 303)


@bp.post("/logout")
def logout() -> BaseResponse:
    auth.log_out()
    return redirect(url_for("admin.login"), 303)


# -- the dashboard -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberRow:
    """What the dashboard shows of one member."""

    code: str
    library: Library | None  # None: records of a code no longer in the registry
    live: int
    deleted: int
    last: HarvestSummary | None
    quarantine_files: int
    job: HarvestJob | None
    window_saved_at: datetime | None  # set while a harvest is in flight or was interrupted

    @property
    def quarantined(self) -> int:
        """Files the last harvest quarantined (its errors list each one)."""
        if self.last is None:
            return 0
        marker = f"[{self.code}] quarantined: "
        return sum(error.startswith(marker) for error in self.last.errors)

    @property
    def duration(self) -> str:
        if self.last is None:
            return ""
        seconds = int((self.last.finished_at - self.last.started_at).total_seconds())
        return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


@bp.get("")
@auth.login_required
def dashboard() -> str:
    service = services()
    store = service.store()
    counts = store.count_by_library()
    last = store.last_harvests()
    jobs = _jobs().jobs()
    codes = list(service.libraries) + sorted((set(counts) | set(last)) - set(service.libraries))
    rows = []
    for code in codes:
        window = store.harvest_window(code)
        live, deleted = counts.get(code, (0, 0))
        rows.append(
            MemberRow(
                code=code,
                library=service.libraries.get(code),
                live=live,
                deleted=deleted,
                last=last.get(code),
                quarantine_files=len(_quarantined(code)),
                job=jobs.get(code),
                window_saved_at=window.updated_at if window and window.in_flight else None,
            )
        )
    lang = current_language()
    chart = records_chart([(service.library_name(r.code, lang), r.live, r.deleted) for r in rows])
    return render_template(
        "admin/dashboard.html",
        rows=rows,
        records_chart=chart,
        history_chart=history_chart(store.harvest_history(HISTORY_RUNS)),
        errors_shown=ERRORS_SHOWN,
        username=auth.admin_auth().username,
    )


@bp.post("/harvest/<code>")
@auth.login_required
def harvest_now(code: str) -> BaseResponse:
    """Start ``unioncat harvest CODE`` in the background, unless it already runs."""
    service = services()
    library = service.libraries.get(code)
    if library is None or not library.endpoint:
        abort(404, description=f"no member {code!r} with an OAI-PMH endpoint in the registry")
    name = service.library_name(code, current_language())
    try:
        job, started = _jobs().start(code)
    except OSError as exc:
        log.error("[%s] dashboard harvest could not start: %s", code, exc)
        flash(
            gettext(
                "The harvest of %(library)s could not start: %(error)s",
                library=name,
                error=str(exc),
            ),
            "error",
        )
    else:
        if started:
            log.info("[%s] harvest started from the dashboard, output in %s", code, job.log_path)
            flash(gettext("The harvest of %(library)s has started.", library=name), "info")
        else:
            flash(
                gettext(
                    "%(library)s is being harvested already; wait until it ends.", library=name
                ),
                "error",
            )
    return redirect(url_for("admin.dashboard") + f"#member-{code}", 303)


@bp.get("/api/progress")
@auth.login_required
def progress() -> Response:
    """Return each dashboard harvest's state, its last output lines and the member's records."""
    counts = services().store().count_by_library()
    jobs = []
    for code, job in _jobs().jobs().items():
        so_far = job.records_so_far()
        live, deleted = counts.get(code, (0, 0))
        jobs.append(
            {
                "library": code,
                "state": job.state,
                "state_text": job_state_name(job.state),
                "started_at": job.started_at.isoformat(),
                "finished_at": job.finished_at.isoformat() if job.finished_at else None,
                "exit_code": job.exit_code,
                "records_so_far": so_far[0] if so_far else None,
                "list_size": so_far[1] if so_far else None,
                "records_so_far_text": (
                    ngettext("%(num)d record so far", "%(num)d records so far", so_far[0])
                    if so_far
                    else ""
                ),
                "live": live,
                "deleted": deleted,
                "output": job.tail(),
            }
        )
    running = [job["library"] for job in jobs if job["state"] == "running"]
    return jsonify(ok=True, running=running, jobs=jobs)


# -- the quarantine ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuarantinedFile:
    """One quarantined page or record, with what the harvester wrote beside it."""

    name: str
    size: int
    about: dict[str, object]

    @property
    def reason(self) -> str:
        return str(self.about.get("reason", ""))


@bp.get("/quarantine/<code>")
@auth.login_required
def quarantine(code: str) -> str:
    files = _quarantined(code)
    return render_template("admin/quarantine.html", code=code, files=files)


@bp.get("/quarantine/<code>/<name>")
@auth.login_required
def quarantined_file(code: str, name: str) -> str:
    """Show a quarantined file's bytes as escaped text, at most ``admin_preview_bytes``."""
    path = _quarantine_path(code, name)
    limit = services().settings.admin_preview_bytes
    size = path.stat().st_size
    with open(path, "rb") as handle:
        data = handle.read(limit)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = data.decode("utf-16", errors="replace"), "UTF-16"
    else:
        text, encoding = data.decode("utf-8", errors="replace"), "UTF-8"
    return render_template(
        "admin/quarantine_file.html",
        code=code,
        file=QuarantinedFile(name=name, size=size, about=_about(path)),
        text=text,
        encoding=encoding,
        shown=len(data),
        truncated=size > len(data),
    )


@bp.get("/quarantine/<code>/<name>/raw")
@auth.login_required
def quarantined_raw(code: str, name: str) -> Response:
    """Download a quarantined file's exact bytes (an attachment, never shown inline)."""
    path = _quarantine_path(code, name)
    return send_file(
        path, mimetype="application/octet-stream", as_attachment=True, download_name=name
    )


def _quarantine_folder(code: str) -> Path:
    if not _SAFE_NAME.fullmatch(code):
        abort(404, description=f"no quarantine for {code!r}")
    return Path(services().settings.quarantine_dir) / code


def _quarantine_path(code: str, name: str) -> Path:
    folder = _quarantine_folder(code)
    path = folder / name
    if (
        not _SAFE_NAME.fullmatch(name)
        or not name.endswith(".xml")
        or not path.resolve().is_relative_to(folder.resolve())
        or not path.is_file()
    ):
        abort(404, description=f"no quarantined file {name!r} for {code!r}")
    return path


def _quarantined(code: str) -> list[QuarantinedFile]:
    """Return ``code``'s quarantined files, newest first (their names start with the time)."""
    if not _SAFE_NAME.fullmatch(code):
        return []
    folder = _quarantine_folder(code)
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.glob("*.xml"), reverse=True):
        try:
            size = path.stat().st_size
        except OSError:
            continue
        files.append(QuarantinedFile(name=path.name, size=size, about=_about(path)))
    return files


def _about(path: Path) -> dict[str, object]:
    """Read the ``.json`` the harvester wrote beside a quarantined file ({} if unreadable)."""
    try:
        about = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return about if isinstance(about, dict) else {}
