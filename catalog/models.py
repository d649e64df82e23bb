"""The catalog's vocabulary: records, libraries, run summaries, as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Small controlled vocabulary for `Record.kind`; the mapping folds member values into it.
KINDS: tuple[str, ...] = (
    "book",
    "map",
    "photograph",
    "newspaper",
    "manuscript",
    "audio",
    "video",
    "article",
    "other",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Library:
    """One member of the Union, as the registry describes it."""

    code: str  # short stable key, e.g. "cantho"
    name_vi: str
    name_en: str
    province: str  # the province the library serves, as named when it joined
    kind: str = "provincial"  # "provincial" or "city"
    endpoint: str | None = None  # OAI-PMH base URL; None when not known yet
    metadata_prefix: str = "oai_dc"
    set_spec: str | None = None
    # Several sets, harvested one after another, each with its own window (set_spec unused).
    sets: tuple[str, ...] = ()
    # "records": ListRecords; "identifiers": ListIdentifiers, then GetRecord for each record,
    # for servers whose ListRecords is broken.
    harvest_mode: str = "records"
    enabled: bool = False
    website: str | None = None
    # Where a patron sees the member's own record; "{oai_id}" is replaced. None: use the
    # record's own URL identifier when it has one.
    record_url_template: str | None = None
    # Five cron fields (read in the schedule_timezone setting) when this member is harvested on
    # its own schedule; None: on the schedule_cron setting with the other members.
    schedule_cron: str | None = None

    def record_url(self, oai_id: str, identifiers: tuple[str, ...] = ()) -> str | None:
        """Return the URL of this record in the member's own catalogue, if one is known."""
        if self.record_url_template:
            return self.record_url_template.replace("{oai_id}", oai_id)
        for value in identifiers:
            if value.startswith(("http://", "https://")):
                return value
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """One bibliographic record as one member library holds it."""

    library: str  # registry code of the holding library
    oai_id: str  # unique within that library only
    datestamp: datetime  # aware UTC, the member's own datestamp
    deleted: bool = False
    source_format: str = "oai_dc"  # metadata prefix it was harvested in
    title: str | None = None
    creators: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    description: str | None = None
    publisher: str | None = None
    date: str | None = None  # as the member gave it
    year_from: int | None = None  # normalized range, None when the date says no year
    year_to: int | None = None
    kind: str = "other"  # one of KINDS
    languages: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    isbns: tuple[str, ...] = ()  # normalized ISBN-13
    places: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()  # provinces the record names, as it names them
    provinces_today: tuple[str, ...] = ()  # the same places' provinces since 1 July 2025
    rights: str | None = None
    edition: str | None = None  # the edition statement as given ("Tái bản lần thứ 2")
    formats: tuple[str, ...] = ()  # extent, medium, file type ("250 tr. ; 21 cm", "image/jpeg")
    thumbnail: str | None = None  # an http(s) image of the item at the member, when it gives one
    set_specs: tuple[str, ...] = ()
    raw_xml: bytes | None = None  # the member's metadata element, as received

    @property
    def key(self) -> str:
        """The record's key in the union catalog: library code and OAI identifier."""
        return f"{self.library}:{self.oai_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredRecord:
    """A record as the catalog holds it, with what the catalog adds."""

    record: Record
    seq: int  # change sequence: larger is newer
    stored_at: datetime  # aware UTC, when the catalog last changed it
    cluster: str  # key shared by the records of one work across libraries


@dataclass(frozen=True, slots=True, kw_only=True)
class HarvestSummary:
    """What one library's harvest did."""

    library: str
    started_at: datetime
    finished_at: datetime
    pages: int = 0
    stored: int = 0  # new or changed records
    deleted: int = 0
    skipped: int = 0  # records that could not be mapped
    error: str | None = None
    errors: tuple[str, ...] = field(default=())
    # Ended early on request (SIGTERM, the scheduler shutting down) after a committed page; the
    # window stays in flight and the next run resumes it. Not a failure: ``ok`` stays true.
    stopped: bool = False

    @property
    def ok(self) -> bool:
        """True unless the harvest failed; a stopped harvest is ok (see ``stopped``)."""
        return self.error is None
