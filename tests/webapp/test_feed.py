"""The Atom feed of new records and the "new this week" page."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from catalog.store import Store
from config.settings import Settings
from tests.factories import make_record

ATOM = "{http://www.w3.org/2005/Atom}"
# RFC 3339 date-time, as Atom's Date construct requires (RFC 4287 section 3.3).
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _feed(client: FlaskClient, query: str = "") -> etree._Element:
    response = client.get("/feed.atom" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(response.get_data(), parser)


def _assert_valid_atom(feed: etree._Element) -> None:
    """Check the rules of RFC 4287 section 4.1 that a feed of ours could break."""
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None  # so entries may omit authors
    assert RFC3339.match(feed.findtext(f"{ATOM}updated") or "")
    self_links = feed.findall(f"{ATOM}link[@rel='self']")
    assert len(self_links) == 1 and self_links[0].get("type") is None
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert RFC3339.match(entry.findtext(f"{ATOM}updated") or "")
        assert entry.findtext(f"{ATOM}id", "").startswith("http://localhost/records/")
        assert len(entry.findall(f"{ATOM}link[@rel='alternate']")) == 1
        for author in entry.findall(f"{ATOM}author"):
            assert author.findtext(f"{ATOM}name")
        ids.append(entry.findtext(f"{ATOM}id"))
    assert len(ids) == len(set(ids))


def _titles(feed: etree._Element) -> list[str]:
    return [entry.findtext(f"{ATOM}title") or "" for entry in feed.findall(f"{ATOM}entry")]


def test_feed_lists_live_records_newest_change_first(client: FlaskClient) -> None:
    feed = _feed(client)

    _assert_valid_atom(feed)
    # RECORDS were stored in one page, in order; the withdrawn "Đã rút" is left out.
    assert _titles(feed) == ["Bản đồ <b>Cà Mau</b>", "Cần Thơ xưa và nay", "Cần Thơ xưa và nay"]
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "vi"
    assert feed.findtext(f"{ATOM}title") == "Tài liệu mới của Mục lục liên hợp ĐBSCL"


def test_feed_is_filtered_like_a_search(client: FlaskClient) -> None:
    maps = _feed(client, "?kind=map")
    camau = _feed(client, "?library=camau&lang=en")

    assert _titles(maps) == ["Bản đồ <b>Cà Mau</b>"]
    assert _titles(camau) == ["Cần Thơ xưa và nay"]
    entry = camau.find(f"{ATOM}entry")
    assert entry is not None
    assert "Ca Mau Library" in (entry.findtext(f"{ATOM}summary") or "")
    self_link = camau.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and "library=camau" in self_link.get("href", "")
    assert camau.findtext(f"{ATOM}id") == "http://localhost/feed.atom?library=camau"


def test_feed_refuses_unknown_and_repeated_filters(client: FlaskClient) -> None:
    for query in ("?kind=spaceship", "?library=nowhere", "?kind=map&kind=book"):
        response = client.get("/feed.atom" + query)
        assert response.status_code == 400, query


def test_harvested_markup_and_control_characters_in_the_feed_are_escaped(
    app: Flask, client: FlaskClient, settings: Settings
) -> None:
    title = "<script>alert(1)</script> & <img src=x onerror=alert(2)>\x0b"
    with Store.open(settings.catalog_path) as store:
        store.upsert_page([make_record(oai_id="oai:ct:evil", title=title, creators=("A & B",))])

    body = client.get("/feed.atom").get_data()
    feed = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))

    assert b"<script>" not in body and b"<img" not in body
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img" in body
    assert _titles(feed)[0] == title.rstrip("\x0b")  # XML 1.0 cannot hold U+000B
    assert feed.findtext(f"{ATOM}entry/{ATOM}author/{ATOM}name") == "A & B"


def test_search_page_links_to_its_feed_and_to_new_this_week(client: FlaskClient) -> None:
    html = client.get("/?q=&kind=map").get_data(as_text=True)

    assert '<link rel="alternate" type="application/atom+xml" href="/feed.atom?kind=map"' in html
    assert 'href="/new">Mới trong tuần</a>' in html


def test_new_this_week_page_lists_recent_records(client: FlaskClient) -> None:
    html = client.get("/new?lang=en").get_data(as_text=True)

    assert "New this week" in html
    assert "Bản đồ &lt;b&gt;Cà Mau&lt;/b&gt;" in html and "Đã rút" not in html
    assert 'href="/feed.atom"' in html
    assert client.get("/new?kind=nothing").status_code == 400


def test_store_newest_walks_the_change_sequence_backwards(store: Store) -> None:
    store.upsert_page([make_record(oai_id=f"oai:ct:{n}", title=f"T {n}") for n in range(5)])
    store.upsert_page([make_record(oai_id="oai:ct:1", title="T 1 revised")])
    store.upsert_page([make_record(oai_id="oai:ct:3", deleted=True)])

    newest = store.newest(3)

    assert [stored.record.title for stored in newest] == ["T 1 revised", "T 4", "T 2"]
    assert store.newest(10, library="camau") == []
    assert all(isinstance(stored.stored_at, datetime) for stored in newest)
    plan = store._db.execute(  # the seq index, not a sort of the whole table
        "EXPLAIN QUERY PLAN SELECT seq FROM records WHERE deleted = 0 ORDER BY seq DESC LIMIT 3"
    ).fetchall()
    assert not any("TEMP B-TREE" in str(row) for row in plan)
