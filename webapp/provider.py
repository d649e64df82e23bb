"""An OAI-PMH 2.0 data provider over a catalog Store: verbs, arguments, errors, tokens.

Serves the union (identifiers ``oai:NAMESPACE:library:oai_id``; sets by library, type and
province of today, ``province:cantho``) or,
for the demo, one member (its own identifiers, datestamps and metadata as received). List
responses stream record by record; the XML itself is built in `webapp.oai_xml`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from lxml import etree

from catalog.errors import RecordNotFoundError
from catalog.models import KINDS, Record, StoredRecord
from catalog.normalize import fold
from catalog.store import Store
from webapp import oai_xml
from webapp.oai_xml import Envelope

FORMATS = {
    "oai_dc": (oai_xml.OAI_DC_SCHEMA, oai_xml.OAI_DC_NS),
    "marc21": (oai_xml.MARC_SCHEMA, oai_xml.MARC_NS),
}
TOKEN_SALT = "oai-resumption-token"  # tests sign tokens of their own with it
_MARC_SOURCES = ("marc21", "marcxml")
_CHUNK = 100  # records read from the store at a time while a page streams
_VERB_ARGS: dict[str, tuple[set[str], set[str], set[str]]] = {
    # verb: (required, optional, exclusive)
    "Identify": (set(), set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}, set()),
    "ListSets": (set(), set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, {"resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, {"resumptionToken"}),
}
# Argument syntax from the OAI-PMH schema: a value outside it is a badArgument, never echoed.
_SYNTAX = {
    "metadataPrefix": re.compile(r"[A-Za-z0-9\-_.!~*'()]+"),
    "set": re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*"),
    "identifier": re.compile(r"\S+"),
}
_SET_NAMES = {
    "library": ("Thư viện thành viên", "Member library"),
    "type": ("Loại tài liệu", "Type of resource"),
    "province": ("Tỉnh, thành phố", "Province or city"),
}
KIND_NAMES_VI = {
    "book": "Sách", "map": "Bản đồ", "photograph": "Ảnh", "newspaper": "Báo, tạp chí",
    "manuscript": "Tài liệu viết tay", "audio": "Ghi âm", "video": "Phim, video",
    "article": "Bài viết", "other": "Khác",
}  # fmt: skip


class OAIError(Exception):
    """An OAI-PMH error code with its message; becomes an <error> element."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderConfig:
    """Who the provider is and how it pages."""

    repository_name: str
    admin_email: str
    secret_key: str
    page_size: int = 100
    namespace: str | None = None  # the union's; None serves one member's own identifiers
    library_names: Mapping[str, str] | None = None  # set names for library sets
    token_lifetime: timedelta = field(default=timedelta(hours=24))


@dataclass(frozen=True, slots=True)
class _Page:
    """One page of a list request, checked and with its first records already read."""

    verb: str
    state: dict[str, Any]  # what the resumption token carries
    selection: dict[str, Any]  # Store.select/count filters
    first: list[StoredRecord]
    requested: int  # how many records `first` asked for


class Provider:
    """Answers OAI-PMH requests from a Store. One instance serves many threads."""

    def __init__(self, store: Store, config: ProviderConfig) -> None:
        if config.page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {config.page_size}")
        self.store = store
        self.config = config
        self._tokens = URLSafeTimedSerializer(config.secret_key, salt=TOKEN_SALT)
        self._verbs: dict[str, Callable[[Envelope, dict[str, str], str, datetime], None]] = {
            "Identify": self._identify,
            "ListMetadataFormats": self._list_metadata_formats,
            "ListSets": self._list_sets,
            "GetRecord": self._get_record,
        }

    # -- entry points ----------------------------------------------------------------

    def respond(self, args: Mapping[str, Sequence[str]], base_url: str) -> bytes:
        """Answer one request given its arguments (name → all values) and the base URL."""
        return b"".join(self.stream(args, base_url))

    def stream(self, args: Mapping[str, Sequence[str]], base_url: str) -> Iterator[bytes]:
        """Answer one request as an iterator of byte chunks.

        Every argument is checked and every error found before this returns, so the
        iterator only writes: a list response is produced one record at a time.
        """
        now = datetime.now(UTC).replace(microsecond=0)
        envelope = Envelope(now, base_url)
        try:
            verb, params = self._check(args)
            envelope.echo(verb, params)
            if verb in ("ListIdentifiers", "ListRecords"):
                return self._stream_list(envelope, self._plan(verb, params), now)
            self._verbs[verb](envelope, params, base_url, now)
        except OAIError as error:
            if error.code in ("badVerb", "badArgument"):
                # The spec: after badVerb or badArgument, echo the base URL only.
                envelope.request.attrib.clear()
            envelope.error(error.code, error.message)
        return iter((envelope.tobytes(),))

    def _check(self, args: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, str]]:
        verbs = args.get("verb", [])
        if len(verbs) != 1 or verbs[0] not in _VERB_ARGS:
            raise OAIError(
                "badVerb",
                "missing or repeated verb" if len(verbs) != 1 else f"illegal verb {verbs[0]!r}",
            )
        verb = verbs[0]
        required, optional, exclusive = _VERB_ARGS[verb]
        params: dict[str, str] = {}
        for name, values in args.items():
            if name == "verb":
                continue
            if name not in required | optional | exclusive:
                raise OAIError("badArgument", f"{verb} takes no argument {name!r}")
            if len(values) != 1:
                raise OAIError("badArgument", f"argument {name!r} is repeated")
            syntax = _SYNTAX.get(name)
            if syntax is not None and not syntax.fullmatch(values[0]):
                raise OAIError("badArgument", f"{name} {values[0]!r} has an illegal syntax")
            params[name] = values[0]
        if exclusive & params.keys():
            if len(params) != 1:
                raise OAIError("badArgument", "resumptionToken is an exclusive argument")
        elif missing := required - params.keys():
            raise OAIError("badArgument", f"{verb} needs {', '.join(sorted(missing))}")
        return verb, params

    # -- verbs with one-piece answers ------------------------------------------------------

    def _identify(
        self, envelope: Envelope, params: dict[str, str], base_url: str, now: datetime
    ) -> None:
        oai_xml.identify(
            envelope.add("Identify"),
            repository_name=self.config.repository_name,
            base_url=base_url,
            admin_email=self.config.admin_email,
            earliest=self.store.earliest_datestamp() or now,
            namespace=self.config.namespace,
            sample_key="cantho:oai:example:1",
        )

    def _list_metadata_formats(
        self, envelope: Envelope, params: dict[str, str], base_url: str, now: datetime
    ) -> None:
        prefixes = list(FORMATS)
        if "identifier" in params:
            record = self._find(params["identifier"]).record
            prefixes = [p for p in prefixes if _can_disseminate(record, p)]
            if not prefixes:
                raise OAIError("noMetadataFormats", f"{params['identifier']} has no formats")
        node = envelope.add("ListMetadataFormats")
        for prefix in prefixes:
            schema, namespace = FORMATS[prefix]
            oai_xml.metadata_format(node, prefix, schema, namespace)

    def _list_sets(
        self, envelope: Envelope, params: dict[str, str], base_url: str, now: datetime
    ) -> None:
        if "resumptionToken" in params:
            raise OAIError("badResumptionToken", "ListSets is never split into pages")
        if not self.config.namespace:
            raise OAIError("noSetHierarchy", "this repository does not support sets")
        names = self.config.library_names or {}
        node = envelope.add("ListSets")
        for group, (name_vi, _) in _SET_NAMES.items():
            oai_xml.oai_set(node, group, name_vi)
        for code in self.store.distinct("library"):
            oai_xml.oai_set(node, f"library:{code}", names.get(code, code))
        for kind in self.store.distinct("kind"):
            oai_xml.oai_set(node, f"type:{kind}", KIND_NAMES_VI.get(kind, kind))
        for province in self.store.distinct_provinces():
            oai_xml.oai_set(node, province_spec(province), province)

    def _get_record(
        self, envelope: Envelope, params: dict[str, str], base_url: str, now: datetime
    ) -> None:
        prefix = _prefix(params["metadataPrefix"])
        stored = self._find(params["identifier"])
        if not _can_disseminate(stored.record, prefix):
            raise OAIError(
                "cannotDisseminateFormat", f"{params['identifier']} is not available as {prefix}"
            )
        envelope.add("GetRecord").append(self._item(stored, prefix, with_metadata=True))

    # -- lists and tokens ------------------------------------------------------------------

    def _plan(self, verb: str, params: dict[str, str]) -> _Page:
        """Check a list request and read its first records, so that errors come before any
        byte is sent: noRecordsMatch needs to know whether anything matches."""
        if "resumptionToken" in params:
            state = self._read_token(params["resumptionToken"], verb)
        else:
            state = {
                "verb": verb,
                "prefix": _prefix(params["metadataPrefix"]),
                "set": params.get("set"),
                "from": params.get("from"),
                "until": params.get("until"),
                "after": 0,
                "cursor": 0,
                "total": None,
            }
        from_, until = _window(state["from"], state["until"])
        if "where" not in state:
            # Resolved once per list and carried in the token: a province slug needs a query.
            state["where"] = self._set_filter(state["set"])
        selection: dict[str, Any] = {
            "from_": from_,
            "until": until,
            **state["where"],
            "source_formats": _MARC_SOURCES if state["prefix"] == "marc21" else None,
        }
        requested = min(_CHUNK, self.config.page_size + 1)
        first = self.store.select(after_seq=int(state["after"]), limit=requested, **selection)
        if not first and not state["cursor"]:
            raise OAIError("noRecordsMatch", "no records match these arguments")
        if state["total"] is None:
            # Counted once per list and carried in the token: an estimate, as the spec allows.
            state["total"] = self.store.count(**selection)
        return _Page(verb, state, selection, first, requested)

    def _stream_list(self, envelope: Envelope, page: _Page, now: datetime) -> Iterator[bytes]:
        head, tail = envelope.split(page.verb)
        yield head
        size = self.config.page_size
        prefix, with_metadata = page.state["prefix"], page.verb == "ListRecords"
        records, requested = page.first, page.requested
        emitted, last_seq, more = 0, int(page.state["after"]), False
        while True:
            for stored in records:
                if emitted == size:
                    more = True
                    break
                item = self._item(stored, prefix, with_metadata=with_metadata)
                yield oai_xml.element_bytes(item)
                emitted, last_seq = emitted + 1, stored.seq
            if more or len(records) < requested:
                break
            requested = min(_CHUNK, size - emitted + 1)
            records = self.store.select(after_seq=last_seq, limit=requested, **page.selection)
        cursor = int(page.state["cursor"])
        if more or cursor:
            following = dict(page.state, after=last_seq, cursor=cursor + size)
            token = oai_xml.resumption_token(
                self._tokens.dumps(following) if more else None,
                complete_list_size=max(int(page.state["total"]), cursor + emitted, 1),
                cursor=cursor,
                expiration=now + self.config.token_lifetime if more else None,
            )
            yield oai_xml.element_bytes(token)
        yield tail

    def _read_token(self, token: str, verb: str) -> dict[str, Any]:
        try:
            state = self._tokens.loads(
                token, max_age=int(self.config.token_lifetime.total_seconds())
            )
        except SignatureExpired as exc:
            raise OAIError(
                "badResumptionToken",
                "the resumption token has expired; start the list again without it",
            ) from exc
        except BadSignature as exc:
            raise OAIError("badResumptionToken", "the resumption token is not valid") from exc
        if not isinstance(state, dict) or state.get("verb") != verb:
            raise OAIError("badResumptionToken", f"the resumption token is not for {verb}")
        return state

    # -- helpers ---------------------------------------------------------------------------

    def _set_filter(self, spec: str | None) -> dict[str, str | None]:
        """Return the Store.select filters of set ``spec``."""
        if spec is None:
            return {}
        if not self.config.namespace:
            raise OAIError("noSetHierarchy", "this repository does not support sets")
        group, _, value = spec.partition(":")
        if group == "library" and value:
            return {"library": value}
        if group == "type" and value in KINDS:
            return {"kind": value}
        if group == "province":
            if not value:
                return {"province": ""}  # every record that names a province
            for province in self.store.distinct_provinces():
                if province_spec(province) == spec:
                    return {"province": province}
        elif group in _SET_NAMES and not value:
            return {}  # a parent set holds every record
        raise OAIError("badArgument", f"no set {spec!r}; see ListSets")

    def identifier(self, record: Record) -> str:
        """Return the OAI identifier this provider gives ``record``."""
        if self.config.namespace:
            return f"oai:{self.config.namespace}:{record.key}"
        return record.oai_id

    def _find(self, identifier: str) -> StoredRecord:
        try:
            if self.config.namespace:
                prefix = f"oai:{self.config.namespace}:"
                if not identifier.startswith(prefix):
                    raise RecordNotFoundError(identifier)
                return self.store.get_by_key(identifier[len(prefix) :])
            libraries = self.store.distinct("library")
            if len(libraries) != 1:
                raise RecordNotFoundError(identifier)
            return self.store.get(libraries[0], identifier)
        except RecordNotFoundError as exc:
            raise OAIError("idDoesNotExist", f"no record {identifier!r}") from exc

    def _item(self, stored: StoredRecord, prefix: str, *, with_metadata: bool) -> etree._Element:
        """Build a <record> (ListRecords, GetRecord) or a bare <header> (ListIdentifiers)."""
        record = stored.record
        specs = (
            f"library:{record.library}",
            f"type:{record.kind}",
            *(province_spec(province) for province in record.provinces_today),
        )
        head = oai_xml.header(
            self.identifier(record),
            stored.stored_at,
            deleted=record.deleted,
            set_specs=specs if self.config.namespace else (),
        )
        if not with_metadata:
            return head
        return oai_xml.record(head, None if record.deleted else self._metadata(record, prefix))

    def _metadata(self, record: Record, prefix: str) -> etree._Element:
        native = record.source_format == prefix or (
            prefix == "marc21" and record.source_format in _MARC_SOURCES
        )
        # MARC goes out as received; oai_dc as received for a member, rebuilt for the union.
        if native and record.raw_xml and (prefix == "marc21" or not self.config.namespace):
            return oai_xml.parse_metadata(record.raw_xml)
        return oai_xml.dublin_core(record)


def province_spec(province: str) -> str:
    """Return the setSpec of a province of today: "Cần Thơ" → "province:cantho"."""
    return "province:" + re.sub(r"[^a-z0-9]", "", fold(province))


def _prefix(prefix: str) -> str:
    if prefix not in FORMATS:
        raise OAIError(
            "cannotDisseminateFormat",
            f"metadataPrefix {prefix!r} is not supported; use one of {', '.join(FORMATS)}",
        )
    return prefix


def _can_disseminate(record: Record, prefix: str) -> bool:
    return prefix == "oai_dc" or record.source_format in _MARC_SOURCES


def _window(from_: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    start = _parse_date(from_, "from", end=False)
    end = _parse_date(until, "until", end=True)
    if from_ and until and len(from_) != len(until):
        raise OAIError("badArgument", "from and until must have the same granularity")
    if start and end and start > end:
        raise OAIError("badArgument", "from is later than until")
    return start, end


def _parse_date(value: str | None, name: str, *, end: bool) -> datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            # A day "until" includes the whole day: same-day changes are never missed.
            return day + timedelta(days=1, seconds=-1) if end else day
        if len(value) == 20:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        pass
    raise OAIError(
        "badArgument", f"{name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, got {value!r}"
    )
