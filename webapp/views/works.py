"""Librarians correct the grouping of works: split a record from a wrong work, or undo that.

Under /admin/works, behind the dashboard's login and CSRF check. A split is kept in the
catalog with who made it and why, and survives re-harvests and re-keying
(``Store.split_from_cluster``). The index is brought up to date at once when its writer is
free; otherwise the next index update shows the change in search.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from catalog.errors import RecordNotFoundError, StoreError, UnionCatalogError
from catalog.store import Store
from index.build import update_index
from webapp import auth
from webapp.i18n import gettext
from webapp.services import services
from webapp.views.admin import dashboard_guard

log = logging.getLogger(__name__)

bp = Blueprint("works", __name__, url_prefix="/admin/works")
bp.before_request(dashboard_guard)

REASON_MAX = 500
INDEX_LOCK_WAIT = 5.0  # seconds a librarian's request waits for the index writer


@bp.get("")
@auth.login_required
def works() -> str:
    """The work a record belongs to (``?key=library:oai_id``) and every split in force."""
    store = services().store()
    key = request.args.get("key", "").strip()[:1000]
    members, record, missing = [], None, False
    if key:
        try:
            record = store.get_by_key(key)
        except RecordNotFoundError:
            missing = True
        else:
            members = store.cluster(record.cluster) or [record]
    return render_template(
        "admin/works.html",
        key=key,
        record=record,
        members=members,
        missing=missing,
        splits=store.cluster_splits(),
        reason_max=REASON_MAX,
        username=auth.admin_auth().username,
    )


@bp.post("/split")
@auth.login_required
def split() -> BaseResponse:
    key = request.form.get("key", "").strip()[:1000]
    reason = request.form.get("reason", "").strip()[:REASON_MAX]
    if not reason:
        flash(gettext("Say why the record is not the same work; the reason is kept."), "error")
        return redirect(url_for("works.works", key=key), 303)
    store = services().store()
    try:
        stored = store.split_from_cluster(key, by=auth.admin_auth().username, reason=reason)
    except RecordNotFoundError:
        abort(404, description=f"no record {key!r} in the catalog")
    except StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for("works.works", key=key), 303)
    log.info("dashboard: %s split from its work by %r", key, auth.admin_auth().username)
    flash(gettext("The record is now a work of its own."), "info")
    _reindex(store)
    return redirect(url_for("works.works", key=stored.record.key), 303)


@bp.post("/rejoin")
@auth.login_required
def rejoin() -> BaseResponse:
    key = request.form.get("key", "").strip()[:1000]
    store = services().store()
    try:
        stored = store.rejoin_cluster(key, by=auth.admin_auth().username)
    except RecordNotFoundError:
        abort(404, description=f"no record {key!r} in the catalog")
    flash(gettext("The record is grouped with its work again."), "info")
    _reindex(store)
    return redirect(url_for("works.works", key=stored.record.key), 303)


def _reindex(store: Store) -> None:
    """Bring the index up to date now, unless a harvest run holds its writer."""
    try:
        update_index(
            store,
            services().settings.index_dir,
            lock_timeout=INDEX_LOCK_WAIT,
            incremental_only=True,  # a full build never runs inside a web request
        )
    except UnionCatalogError as exc:
        log.warning("dashboard: index not updated after a work change (%s); the next run does", exc)
        flash(gettext("Search shows the change after the next index update."), "info")
