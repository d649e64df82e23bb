"""Benchmark search at scale: index build, a fixed query mix with all facets, the nightly delta.

    .venv/bin/python bench/search.py [--records 10000 100000] [--million] [--rebuild]
                                     [--workdir var/bench-search] [--no-postgres]

For each size, stores that many seeded records in a catalog under --workdir (the demo's
seeded members, demo/sample_data.py seed 2025, repeated as distinct works exactly as
bench/catalog.py's ``sample_records`` makes them) and builds the index in a child process,
printing records/s, index size on disk and the child's peak RSS. Both are kept and reused
by the next run (``--rebuild`` rebuilds the index; delete the directory to regenerate).

Then it runs a fixed mix of 229 searches (``--list`` prints them: broad head syllables such
as "địa chí", narrow names and titles, with and without diacritics, fielded in both
languages, year ranges, facet filters, every sort, page 2) through
``index.search.SearchIndex.search`` as the web app calls it, so all six facets are counted
every time:

- first-time: each search the first time it is asked (result caches emptied before each,
  the searcher and the columns read once per commit kept, as in a running server);
- cold: the same, with the postings kept between searches dropped too;
- repeated: each search asked again (what paging back and forth costs);
- delta: 1,000 changed records stored, then the incremental index update timed, as the
  nightly run does it, and the first search after it (the columns are read again).

PostgreSQL peer: when PostgreSQL 15 is installed (--pg-bin) and the psycopg driver imports
(``.venv/bin/pip install 'psycopg[binary]'``, not a project dependency), the same records
go into a throwaway cluster (initdb in a temporary directory, as the ``postgres`` user when
run as root) with ``unaccent``: a ``vi_unaccent`` text search configuration (unaccent, then
simple), a weighted tsvector column with a GIN index, and the same searches translated
(plainto_tsquery/phraseto_tsquery, the year range and filters in WHERE, the page grouped by
work, the six facets GROUP BY over the matching rows in the same statement). It prints both
engines' figures and the ratio. Without PostgreSQL or psycopg the peer is skipped with a
message saying what to install.

Targets at 100,000 records (issue 5): first-time p50 <= 20 ms and p95 <= 100 ms, a
repeated search <= 5 ms, indexing >= 2,000 records/s, a delta of 1,000 changes <= 5 s.
Each figure prints PASS or FAIL against them. Nothing is asserted: the figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pipeline import forget  # noqa: E402
from catalog.models import Record  # noqa: E402
from catalog.store import Store  # noqa: E402
from demo.members import map_sample  # noqa: E402
from demo.sample_data import generate_libraries  # noqa: E402
from index.build import schema_version_of, update_index  # noqa: E402
from index.schema import SCHEMA_VERSION  # noqa: E402
from index.search import SearchIndex  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = 2025
DELTA = 1000
PER_PAGE = 20  # the search page's page size
TARGETS = {"p50": 20.0, "p95": 100.0, "repeated": 5.0, "records/s": 2000.0, "delta": 5.0}

# --------------------------------------------------------------------------- the records


def seeded_records(count: int) -> Iterator[Record]:
    """Yield ``count`` records: bench/catalog.py's ``sample_records(count)``, one at a time.

    The demo's seeded members, mapped once, then repeated with new identifiers and titles
    and ISBNs made distinct, so every repetition is its own set of works. A generator, so
    that 1,000,000 records never sit in memory together.
    """
    mapped = [record for sample in generate_libraries(SEED) for record in map_sample(sample)]
    made = copy = 0
    while made < count:
        for record in mapped[: count - made]:
            if copy:
                record = replace(
                    record,
                    oai_id=f"{record.oai_id}-{copy}",
                    title=f"{copy} {record.title}" if record.title else None,
                    isbns=tuple(f"{isbn}-{copy}" for isbn in record.isbns),
                )
            made += 1
            yield record
        copy += 1


def store_records(catalog: Path, count: int) -> float:
    """Fill a new catalog at ``catalog`` with ``count`` records; return the seconds taken."""
    started = time.perf_counter()
    partial = catalog.with_suffix(".partial")
    for stale in catalog.parent.glob(f"{partial.name}*"):
        stale.unlink()  # an interrupted fill: start again
    batch: list[Record] = []
    with Store.open(partial) as store:
        for record in seeded_records(count):
            batch.append(record)
            if len(batch) == 1000:
                store.upsert_page(sorted(batch, key=lambda r: r.datestamp))
                batch = []
        if batch:
            store.upsert_page(sorted(batch, key=lambda r: r.datestamp))
    partial.rename(catalog)  # only a whole catalog gets the name that is reused
    return time.perf_counter() - started


def build_index(catalog: str, index_dir: str, rebuild: bool) -> dict[str, float]:
    """Index the catalog (in a child process: its peak RSS is the build's alone)."""
    started = time.perf_counter()
    with Store.open(Path(catalog)) as store:
        summary = update_index(store, Path(index_dir), rebuild=rebuild)
    seconds = time.perf_counter() - started
    return {
        "indexed": summary.indexed,
        "seconds": seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # The largest of the processes that built segments (index/segments.py), if any.
        "helper_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def directory_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


@dataclass(slots=True, kw_only=True)
class Built:
    """Where one size's catalog and index are, and how the index build went."""

    count: int
    catalog: Path
    index_dir: Path
    build: dict[str, Any]  # figures of the build that made this index (kept in build.json)
    reused: bool


def prepare(workdir: Path, count: int, *, rebuild: bool) -> Built:
    """Return the catalog and index for ``count`` records, making only what is missing."""
    workdir.mkdir(parents=True, exist_ok=True)
    catalog = workdir / f"catalog-{count}.sqlite"
    index_dir = workdir / f"index-{count}"
    figures = workdir / f"build-{count}.json"
    if not catalog.exists():
        seconds = store_records(catalog, count)
        print(f"  catalog: {count:,} records stored in {seconds:.1f} s")
        rebuild = True
    stale = schema_version_of(index_dir) != SCHEMA_VERSION
    if rebuild or stale or not figures.exists():
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            built = pool.submit(build_index, str(catalog), str(index_dir), True).result()
        built.update(
            size_mib=directory_size(index_dir) / 2**20,
            schema=SCHEMA_VERSION,
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            load=os.getloadavg()[0],
        )
        figures.write_text(json.dumps(built, indent=1))
        return Built(count=count, catalog=catalog, index_dir=index_dir, build=built, reused=False)
    built = json.loads(figures.read_text())
    return Built(count=count, catalog=catalog, index_dir=index_dir, build=built, reused=True)


# --------------------------------------------------------------------------- the query mix


@dataclass(frozen=True, slots=True, kw_only=True)
class Search:
    """One search of the mix, as the search page would ask it."""

    kind: str  # broad, narrow, fielded, filtered, years, sorted, paged
    text: str
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    years: tuple[int | None, int | None] = (None, None)
    sort: str = "relevance"
    page: int = 1

    def label(self) -> str:
        extra = [f"{k}={'|'.join(v)}" for k, v in self.filters.items()]
        if self.years != (None, None):
            extra.append(f"years={self.years[0]}-{self.years[1]}")
        if self.sort != "relevance":
            extra.append(f"sort={self.sort}")
        if self.page != 1:
            extra.append(f"page={self.page}")
        return " ".join([repr(self.text), *extra])


# Head syllables and words of a local-history collection: each matches a large share.
BROAD = [
    "địa chí", "dia chi", "lịch sử", "lich su", "văn hóa", "van hoa", "bản đồ", "ban do",
    "cần thơ", "can tho", "cà mau", "ca mau", "đồng tháp", "dong thap", "trà vinh",
    "tra vinh", "sóc trăng", "an giang", "bến tre", "vĩnh long", "khmer", "tỉnh", "huyện",
    "chợ nổi", "gia phả", "niên giám", "đảng bộ", "lễ hội", "nam bộ", "miền tây",
    "đồng bằng sông cửu long", "1975", "ảnh", "báo", "xưa và nay", "nghiên cứu",
]  # fmt: skip
# Names, titles and rarer words: each matches one work per repetition of the sample.
NARROW = [
    "sơn nam", "son nam", "Sơn Nam", "vương hồng sển", "vuong hong sen", "trương vĩnh ký",
    "truong vinh ky", "huỳnh minh", "huynh minh", "nguyễn hiến lê", "hương rừng cà mau",
    "huong rung ca mau", "gia định thành thông chí", "đại nam nhất thống chí",
    "tự vị tiếng nói miền nam", "hơn nửa đời hư", "văn minh miệt vườn", "cho noi cai rang",
    "chợ nổi ngã bảy", "rừng ngập mặn ven biển", "mùa nước nổi", "song chung voi lu",
    "đờn ca tài tử", "ok om bok", "chùa khmer", "phong dinh", "an xuyen", "ba xuyen",
    "cantho", "monographie", "kênh rạch bến tre", "đình làng", "sắc phong",
    "hậu giang", "bạc liêu", "sa đéc", "long xuyên", "vị thanh", "cái răng",
    "huong rumg ca mau", "rung ngap mnan", "xyzzy",
]  # fmt: skip
FIELDED = [
    'tác giả:"sơn nam"', "author:son nam", "tác giả:vương hồng sển", "author:huynh minh",
    "nhan đề:địa chí", "title:dia chi", "nhan đề:bản đồ", "title:lich su",
    "chủ đề:địa danh", "subject:gia pha", "chủ đề:lịch sử", "nơi:cần thơ", "place:ca mau",
    "nơi:sóc trăng", "năm:1945-1975 lịch sử", "year:1800-1900 gia phả",
    "năm:1955-1975 địa phương chí", '"địa chí cà mau"', '"chợ nổi"', "cà mau NOT bản đồ",
    "huế OR hue", "cần thơ HOẶC cà mau", "lịch sử KHÔNG đảng bộ", "lich su VÀ van hoa",
]  # fmt: skip
FILTERS: list[dict[str, tuple[str, ...]]] = [
    {"kind": ("book",)}, {"kind": ("map",)}, {"kind": ("photograph",)},
    {"library": ("camau",)}, {"library": ("cantho", "travinh")}, {"province": ("Cần Thơ",)},
    {"province": ("An Giang",)}, {"language": ("fre",)}, {"decade": ("1990s",)},
    {"kind": ("book",), "library": ("dongthap",)}, {"subject": ("Lịch sử",)},
]  # fmt: skip
YEARS: list[tuple[int | None, int | None]] = [
    (1945, 1975),
    (1800, 1900),
    (1975, None),
    (None, 1954),
    (2000, 2025),
]


def query_mix() -> list[Search]:
    """Return the fixed mix: the same searches, in the same order, on every run."""
    mix = [Search(kind="broad", text=text) for text in BROAD]
    mix += [Search(kind="narrow", text=text) for text in NARROW]
    mix += [Search(kind="fielded", text=text) for text in FIELDED]
    texts = BROAD + NARROW[:20]
    for n, text in enumerate(texts):
        mix.append(Search(kind="filtered", text=text, filters=FILTERS[n % len(FILTERS)]))
    mix.append(Search(kind="filtered", text="", filters={"kind": ("map",)}))
    mix.append(Search(kind="filtered", text="", filters={"library": ("travinh",)}))
    for n, text in enumerate(BROAD[:20] + NARROW[:10]):
        mix.append(Search(kind="years", text=text, years=YEARS[n % len(YEARS)]))
    sorts = ("newest", "oldest", "title")
    for n, text in enumerate(["", *BROAD[:16], *NARROW[:10]]):
        mix.append(Search(kind="sorted", text=text, sort=sorts[n % 3]))
    for text in BROAD[:12]:
        mix.append(Search(kind="paged", text=text, page=2))
    return mix


# --------------------------------------------------------------------------- timing


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    return ordered[max(0, -(-int(share * 100) * len(ordered) // 100) - 1)]


def spread(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "p50": percentile(ordered, 0.50),
        "p95": percentile(ordered, 0.95),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1],
    }


def timed(call: Callable[[Search], object], search: Search) -> float:
    started = time.perf_counter()
    call(search)
    return (time.perf_counter() - started) * 1000


def run_whoosh(
    index: SearchIndex, mix: list[Search], found: dict[str, int]
) -> dict[str, dict[str, list[float]]]:
    """Time the mix first-time, cold and repeated; return timings by phase and query kind.

    ``found`` gets the number of matching records of each search, by label.
    """

    def ask(search: Search) -> None:
        found[search.label()] = index.search(
            search.text,
            filters=search.filters,
            years=search.years,
            sort=search.sort,
            page=search.page,
            per_page=PER_PAGE,
        ).records

    # What a running server has done before its first reader: opened the searcher, read the
    # facet columns and the sort places once for this commit.
    for order in ("relevance", "newest", "oldest", "title"):
        index.search("", sort=order)
    phases: dict[str, dict[str, list[float]]] = {"first-time": {}, "cold": {}, "repeated": {}}
    for search in mix:
        forget(index)
        phases["first-time"].setdefault(search.kind, []).append(timed(ask, search))
    for search in mix:
        forget(index, postings=True)
        phases["cold"].setdefault(search.kind, []).append(timed(ask, search))
    for search in mix:
        ask(search)  # the cold pass emptied the caches before each search: fill them again
        phases["repeated"].setdefault(search.kind, []).append(timed(ask, search))
    return phases


def run_delta(built: Built, index: SearchIndex) -> dict[str, float]:
    """Store 1,000 changed records and time the incremental index update, as a night does."""
    stamp = datetime.now(UTC).replace(microsecond=0)
    changed = [
        replace(
            record,
            datestamp=stamp,
            description=f"{record.description or ''} (Sửa {stamp:%Y-%m-%d %H:%M:%S}.)".strip(),
        )
        for record in seeded_records(DELTA * 2)
        if not record.deleted
    ][:DELTA]
    started = time.perf_counter()
    with Store.open(built.catalog) as store:
        stored = store.upsert_page(changed).stored
        storing = time.perf_counter() - started
        started = time.perf_counter()
        summary = update_index(store, built.index_dir)
    indexing = time.perf_counter() - started
    assert stored == DELTA and summary.indexed == DELTA, (stored, summary)
    after = timed(lambda search: index.search(search.text), Search(kind="broad", text="lịch sử"))
    return {"store_s": storing, "index_s": indexing, "first_search_ms": after}


# --------------------------------------------------------------------------- PostgreSQL peer

_PG_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION vi_unaccent (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION vi_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
CREATE TABLE records (
    key text PRIMARY KEY, cluster text NOT NULL, library text NOT NULL, kind text NOT NULL,
    provinces text[] NOT NULL, languages text[] NOT NULL, subjects text[] NOT NULL,
    decade text, year int, title text, creators text, subject_text text, places text,
    other text,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('vi_unaccent', coalesce(title, '')), 'A')
        || setweight(to_tsvector('vi_unaccent', coalesce(creators, '')), 'B')
        || setweight(to_tsvector('vi_unaccent', coalesce(subject_text, '') || ' '
                                 || coalesce(places, '')), 'C')
        || setweight(to_tsvector('vi_unaccent', coalesce(other, '')), 'D')) STORED
);
"""
_PG_INDEXES = """
CREATE INDEX records_tsv ON records USING gin (tsv);
CREATE INDEX records_year ON records (year);
ANALYZE records;
"""
# Our field prefixes → the column a fielded PostgreSQL search also checks.
_PG_FIELDS = {
    "tác giả": "creators", "author": "creators", "nhan đề": "title", "title": "title",
    "chủ đề": "subject_text", "subject": "subject_text", "nơi": "places", "place": "places",
}  # fmt: skip
_PG_OPERATORS = {"NOT": "-", "KHÔNG": "-", "OR": "or", "HOẶC": "or", "AND": "", "VÀ": ""}
_YEAR_PREFIX = re.compile(r"(?:năm|year):(\d{4})-(\d{4})\s*")
_FIELD_PREFIX = re.compile(r"^(tác giả|author|nhan đề|title|chủ đề|subject|nơi|place):\s*")


class Postgres:
    """A throwaway PostgreSQL cluster in a temporary directory, on a free loopback port."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="unioncat-pg-"))
        self.data = self.root / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
            "-t", "60", "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB "
            "-c work_mem=64MB -c maintenance_work_mem=512MB -c max_parallel_workers_per_gather=0",
            "start",
        )  # fmt: skip
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            print(f"  PostgreSQL: stopping the cluster in {self.data} failed: {exc}")
        shutil.rmtree(self.root, ignore_errors=True)


def pg_load(connection: Any, catalog: Path) -> dict[str, float]:
    """Copy the catalog's live records into a fresh table; build the GIN index; time both."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS records")
        cursor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS vi_unaccent")
        cursor.execute(_PG_SCHEMA)
        started = time.perf_counter()
        rows = 0
        with (
            Store.open(catalog) as store,
            cursor.copy(
                "COPY records (key, cluster, library, kind, provinces, languages, subjects, decade,"
                " year, title, creators, subject_text, places, other) FROM STDIN"
            ) as copy,
        ):
            seq = 0
            while changes := store.changes_since(seq, limit=5000):
                seq = changes[-1].seq
                for stored in changes:
                    record = stored.record
                    if record.deleted:
                        continue
                    year = record.year_from
                    copy.write_row((
                        record.key, stored.cluster, record.library, record.kind,
                        list(record.provinces_today), list(record.languages),
                        list(record.subjects),
                        f"{year // 10 * 10}s" if year is not None else None, year,
                        record.title, "\n".join(record.creators), "\n".join(record.subjects),
                        "\n".join(record.places + record.provinces + record.provinces_today),
                        f"{record.description or ''}\n{record.publisher or ''}",
                    ))  # fmt: skip
                    rows += 1
        loading = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(_PG_INDEXES)
        indexing = time.perf_counter() - started
        cursor.execute("SELECT pg_total_relation_size('records')")
        size = cursor.fetchone()[0]
    connection.commit()
    return {"rows": rows, "load_s": loading, "index_s": indexing, "size_mib": size / 2**20}


def pg_statement(search: Search) -> tuple[str, list[object]]:
    """Translate one search of the mix into one SQL statement: the page and six facets."""
    text, params = search.text, []
    conditions: list[str] = []
    years = search.years
    found = _YEAR_PREFIX.search(text)
    if found:
        years = (int(found.group(1)), int(found.group(2)))
        text = _YEAR_PREFIX.sub("", text)
    column = None
    prefixed = _FIELD_PREFIX.match(text)
    if prefixed:
        column = _PG_FIELDS[prefixed.group(1)]
        text = text[prefixed.end() :]
    words = [_PG_OPERATORS.get(word, word) for word in text.split()]
    text = " ".join(word for word in words if word)
    text = re.sub(r"- ", "-", text)
    if text.startswith('"') and text.endswith('"') and text.count('"') == 2:
        query = "phraseto_tsquery('vi_unaccent', %s)"
        params.append(text.strip('"'))
    elif any(word in ("or",) or word.startswith("-") for word in text.split()):
        query = "websearch_to_tsquery('vi_unaccent', %s)"
        params.append(text)
    else:
        query = "plainto_tsquery('vi_unaccent', %s)"
        params.append(text)
    rank = "0::real"
    if text.strip():
        conditions.append("tsv @@ q")
        rank = "ts_rank(tsv, q)"
        if column:
            conditions.append(f"to_tsvector('vi_unaccent', coalesce({column}, '')) @@ q")
    for name, values in search.filters.items():
        if name in ("provinces", "province", "language", "subject"):
            array = {"province": "provinces", "language": "languages", "subject": "subjects"}
            conditions.append(f"{array.get(name, name)} && %s::text[]")
        else:
            conditions.append(f"{name} = ANY(%s::text[])")
        params.append(list(values))
    if years[0] is not None:
        conditions.append("year >= %s")
        params.append(years[0])
    if years[1] is not None:
        conditions.append("year <= %s")
        params.append(years[1])
    order = {
        "relevance": "max(rank) DESC" if text.strip() else 'min(title) COLLATE "C"',
        "newest": "max(year) DESC NULLS LAST",
        "oldest": "min(year) ASC NULLS LAST",
        "title": 'min(title) COLLATE "C"',
    }[search.sort]
    where = " AND ".join(conditions) or "true"
    offset = (search.page - 1) * PER_PAGE
    sql = f"""
    WITH q AS (SELECT {query} AS q),
    m AS MATERIALIZED (
        SELECT cluster, library, kind, provinces, languages, subjects, decade, year, title,
               {rank} AS rank
        FROM records, q WHERE {where})
    SELECT 'library', library, count(*), NULL::real FROM m GROUP BY library
    UNION ALL SELECT 'kind', kind, count(*), NULL FROM m GROUP BY kind
    UNION ALL SELECT 'decade', decade, count(*), NULL FROM m GROUP BY decade
    UNION ALL SELECT 'province', p, count(*), NULL FROM m, unnest(provinces) p GROUP BY p
    UNION ALL SELECT 'language', l, count(*), NULL FROM m, unnest(languages) l GROUP BY l
    UNION ALL SELECT 'subject', s, count(*), NULL FROM m, unnest(subjects) s GROUP BY s
    UNION ALL SELECT 'works', NULL, count(DISTINCT cluster), NULL FROM m
    UNION ALL SELECT 'records', NULL, count(*), NULL FROM m
    UNION ALL (SELECT 'hit', cluster, 0, max(rank) FROM m GROUP BY cluster
               ORDER BY {order}, cluster LIMIT {PER_PAGE} OFFSET {offset})
    """
    return sql, params


def run_postgres(
    connection: Any, mix: list[Search], found: dict[str, int]
) -> dict[str, dict[str, list[float]]]:
    """Time the mix on PostgreSQL: first time each, then each again; ``found`` as Whoosh's."""
    statements = [pg_statement(search) for search in mix]
    phases: dict[str, dict[str, list[float]]] = {"first-time": {}, "repeated": {}}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM records")  # a first round trip, as a pool has
        for phase in phases:
            for search, (sql, params) in zip(mix, statements, strict=True):
                started = time.perf_counter()
                cursor.execute(sql, params)
                rows = cursor.fetchall()
                took = (time.perf_counter() - started) * 1000
                phases[phase].setdefault(search.kind, []).append(took)
                found[search.label()] = next(int(row[2]) for row in rows if row[0] == "records")
    connection.rollback()
    return phases


# --------------------------------------------------------------------------- report


def flat(by_kind: dict[str, list[float]]) -> list[float]:
    return [took for timings in by_kind.values() for took in timings]


def verdict(value: float, target: float, *, higher: bool = False) -> str:
    return "PASS" if (value >= target if higher else value <= target) else "FAIL"


def print_phases(name: str, phases: dict[str, dict[str, list[float]]]) -> None:
    for phase, by_kind in phases.items():
        figures = spread(flat(by_kind))
        print(
            f"  {name} {phase:10} all     p50 {figures['p50']:7.1f}  p95 {figures['p95']:7.1f}  "
            f"p99 {figures['p99']:7.1f}  max {figures['max']:7.1f} ms  ({len(flat(by_kind))})"
        )
        if phase == "repeated":
            continue
        for kind, timings in by_kind.items():
            part = spread(timings)
            print(
                f"  {name} {phase:10} {kind:7} p50 {part['p50']:7.1f}  p95 {part['p95']:7.1f}  "
                f"p99 {part['p99']:7.1f}  max {part['max']:7.1f} ms  ({len(timings)})"
            )


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def bench_size(
    args: argparse.Namespace, count: int, mix: list[Search], connection: Any | None
) -> None:
    print(f"\n== {count:,} records ==")
    built = prepare(args.workdir, count, rebuild=args.rebuild)
    b = built.build
    rate = b["indexed"] / b["seconds"]
    how = f"reused, built {b['date']}, load {b['load']:.1f}" if built.reused else "built now"
    print(
        f"  index build ({how}): {b['indexed']:,} records in {b['seconds']:.1f} s = "
        f"{rate:,.0f} records/s [{verdict(rate, TARGETS['records/s'], higher=True)}], "
        f"{b['size_mib']:.0f} MiB on disk, peak RSS {b['peak_rss_mib']:.0f} MiB"
        f" (each segment-building process: up to {b.get('helper_rss_mib', 0):.0f} MiB)"
    )
    index = SearchIndex(built.index_dir)
    whoosh_found: dict[str, int] = {}
    try:
        whoosh = run_whoosh(index, mix, whoosh_found)
        print_phases("whoosh", whoosh)
        first = spread(flat(whoosh["first-time"]))
        repeated = spread(flat(whoosh["repeated"]))
        print(
            f"  targets: first-time p50 {first['p50']:.1f} ms "
            f"[{verdict(first['p50'], TARGETS['p50'])}], p95 {first['p95']:.1f} ms "
            f"[{verdict(first['p95'], TARGETS['p95'])}], repeated p95 {repeated['p95']:.2f} ms "
            f"[{verdict(repeated['p95'], TARGETS['repeated'])}]"
        )
        if not args.no_delta:
            delta = run_delta(built, index)
            print(
                f"  delta: {DELTA:,} changed records stored in {delta['store_s']:.2f} s, "
                f"indexed in {delta['index_s']:.2f} s "
                f"[{verdict(delta['index_s'], TARGETS['delta'])}]; first search after it "
                f"{delta['first_search_ms']:.0f} ms"
            )
    finally:
        index.close()
    if connection is None:
        return
    loaded = pg_load(connection, built.catalog)
    print(
        f"  postgres load: {loaded['rows']:,.0f} rows copied in {loaded['load_s']:.1f} s, "
        f"GIN index in {loaded['index_s']:.1f} s = "
        f"{loaded['rows'] / (loaded['load_s'] + loaded['index_s']):,.0f} records/s, "
        f"{loaded['size_mib']:.0f} MiB"
    )
    postgres_found: dict[str, int] = {}
    postgres = run_postgres(connection, mix, postgres_found)
    print_phases("postgres", postgres)
    # The peer must answer the same question for the ratio to mean anything.
    same = [label for label, n in whoosh_found.items() if postgres_found.get(label) == n]
    print(f"  same number of matching records on both: {len(same)} of {len(whoosh_found)} searches")
    for label in [label for label in whoosh_found if label not in same][:10]:
        print(f"    differs: {label}: whoosh {whoosh_found[label]:,}, "
              f"postgres {postgres_found[label]:,}")  # fmt: skip
    print("  ratio whoosh / postgres (below 1: Whoosh is faster)")
    for phase in ("first-time", "repeated"):
        ours, theirs = spread(flat(whoosh[phase])), spread(flat(postgres[phase]))
        ratios = "  ".join(f"{p} {ours[p] / theirs[p]:5.2f}" for p in ("p50", "p95", "p99"))
        print(f"    {phase:10} {ratios}")
    ratio = rate / (loaded["rows"] / (loaded["load_s"] + loaded["index_s"]))
    print(f"    indexing records/s {ratio:5.2f} (above 1: Whoosh is faster)")


def open_postgres(args: argparse.Namespace) -> tuple[Postgres | None, Any | None]:
    """Start the peer, or say why it is skipped."""
    if args.no_postgres:
        return None, None
    if not (args.pg_bin / "initdb").exists():
        print(f"PostgreSQL peer skipped: no initdb in {args.pg_bin} (apt-get install postgresql)")
        return None, None
    try:
        import psycopg
    except ImportError:
        print("PostgreSQL peer skipped: psycopg is not installed "
              "(.venv/bin/pip install 'psycopg[binary]')")  # fmt: skip
        return None, None
    server = Postgres(args.pg_bin)
    try:
        dsn = server.start()
        connection = psycopg.connect(dsn)
    except (subprocess.CalledProcessError, psycopg.Error) as exc:
        server.stop()
        print(f"PostgreSQL peer skipped: the throwaway cluster did not start: {exc}")
        return None, None
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"PostgreSQL peer: {version} on 127.0.0.1:{server.port}, psycopg {psycopg.__version__}")
    return server, connection


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--records", type=int, nargs="+", default=[10_000, 100_000], help="sizes to measure"
    )
    parser.add_argument("--million", action="store_true", help="also measure 1,000,000 records")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / "var" / "bench-search",
        help="where catalogs and indexes are kept between runs",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild (and time) the indexes")
    parser.add_argument("--no-delta", action="store_true", help="skip the 1,000-change delta")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL peer")
    parser.add_argument(
        "--pg-bin",
        type=Path,
        default=Path("/usr/lib/postgresql/15/bin"),
        help="PostgreSQL's server binaries (initdb, pg_ctl)",
    )
    parser.add_argument("--list", action="store_true", help="print the query mix and exit")
    args = parser.parse_args(argv)
    mix = query_mix()
    if args.list:
        for search in mix:
            print(f"{search.kind:8} {search.label()}")
        print(f"{len(mix)} searches")
        return 0
    sizes = sorted(set(args.records) | ({1_000_000} if args.million else set()))
    print(f"machine: {machine()}; index schema {SCHEMA_VERSION}; {len(mix)} searches a pass")
    server, connection = open_postgres(args)
    try:
        for count in sizes:
            bench_size(args, count, mix, connection)
    finally:
        if connection is not None:
            connection.close()
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
