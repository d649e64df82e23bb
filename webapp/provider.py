"""An OAI-PMH 2.0 data provider over a catalog Store: verbs, arguments, errors, tokens.

Serves the union (identifiers ``oai:NAMESPACE:library:oai_id``, sets by library and type) or,
for the demo, one member (its own identifiers, datestamps and metadata as received).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from lxml import etree

from catalog.errors import RecordNotFoundError
from catalog.models import KINDS, Record, StoredRecord
from catalog.store import Store, format_datestamp

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
MARC_NS = "http://www.loc.gov/MARC21/slim"

FORMATS = {
    "oai_dc": (
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        OAI_DC_NS,
    ),
    "marc21": ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", MARC_NS),
}
_MARC_SOURCES = ("marc21", "marcxml")
_TOKEN_LIFETIME = timedelta(hours=24)
_VERB_ARGS: dict[str, tuple[set[str], set[str], set[str]]] = {
    # verb: (required, optional, exclusive)
    "Identify": (set(), set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}, set()),
    "ListSets": (set(), set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, {"resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, {"resumptionToken"}),
}
_SET_NAMES = {
    "library": ("Thư viện thành viên", "Member library"),
    "type": ("Loại tài liệu", "Type of resource"),
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


class Provider:
    """Answers OAI-PMH requests from a Store. One instance serves many threads."""

    def __init__(self, store: Store, config: ProviderConfig) -> None:
        self.store = store
        self.config = config
        self._tokens = URLSafeTimedSerializer(config.secret_key, salt="oai-resumption-token")

    # -- entry point -----------------------------------------------------------------

    def respond(self, args: Mapping[str, Sequence[str]], base_url: str) -> bytes:
        """Answer one request given its arguments (name → all values) and the base URL."""
        now = datetime.now(UTC).replace(microsecond=0)
        root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
        root.set(
            f"{{{XSI_NS}}}schemaLocation",
            f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
        )
        etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = format_datestamp(now)
        request = etree.SubElement(root, f"{{{OAI_NS}}}request")
        request.text = base_url
        try:
            verb, params = self._check(args)
            # The spec echoes the arguments only when they are valid.
            for name, value in params.items():
                request.set(name, value)
            request.set("verb", verb)
            getattr(self, f"_{verb}")(root, params, base_url, now)
        except OAIError as error:
            node = etree.SubElement(root, f"{{{OAI_NS}}}error", code=error.code)
            node.text = error.message
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

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
            params[name] = values[0]
        if exclusive & params.keys():
            if len(params) != 1:
                raise OAIError("badArgument", "resumptionToken is an exclusive argument")
        elif missing := required - params.keys():
            raise OAIError("badArgument", f"{verb} needs {', '.join(sorted(missing))}")
        return verb, params

    # -- verbs ---------------------------------------------------------------------------

    def _Identify(
        self, root: etree._Element, params: dict[str, str], base_url: str, now: datetime
    ) -> None:  # noqa: N802,E501
        node = etree.SubElement(root, f"{{{OAI_NS}}}Identify")
        earliest = self.store.earliest_datestamp() or now
        for name, value in (
            ("repositoryName", self.config.repository_name),
            ("baseURL", base_url),
            ("protocolVersion", "2.0"),
            ("adminEmail", self.config.admin_email),
            ("earliestDatestamp", format_datestamp(earliest)),
            ("deletedRecord", "persistent"),
            ("granularity", "YYYY-MM-DDThh:mm:ssZ"),
        ):
            etree.SubElement(node, f"{{{OAI_NS}}}{name}").text = value
        if self.config.namespace:
            ns = "http://www.openarchives.org/OAI/2.0/oai-identifier"
            description = etree.SubElement(node, f"{{{OAI_NS}}}description")
            ident = etree.SubElement(description, f"{{{ns}}}oai-identifier", nsmap={None: ns})
            ident.set(f"{{{XSI_NS}}}schemaLocation", f"{ns} {ns}.xsd")
            for name, value in (
                ("scheme", "oai"),
                ("repositoryIdentifier", self.config.namespace),
                ("delimiter", ":"),
                ("sampleIdentifier", f"oai:{self.config.namespace}:cantho:oai:example:1"),
            ):
                etree.SubElement(ident, f"{{{ns}}}{name}").text = value

    def _ListMetadataFormats(
        self, root: etree._Element, params: dict[str, str], base_url: str, now: datetime
    ) -> None:  # noqa: N802,E501
        prefixes = list(FORMATS)
        if "identifier" in params:
            record = self._find(params["identifier"]).record
            prefixes = [p for p in prefixes if self._can_disseminate(record, p)]
        node = etree.SubElement(root, f"{{{OAI_NS}}}ListMetadataFormats")
        for prefix in prefixes:
            schema, namespace = FORMATS[prefix]
            fmt = etree.SubElement(node, f"{{{OAI_NS}}}metadataFormat")
            for name, value in (
                ("metadataPrefix", prefix),
                ("schema", schema),
                ("metadataNamespace", namespace),
            ):
                etree.SubElement(fmt, f"{{{OAI_NS}}}{name}").text = value

    def _ListSets(
        self, root: etree._Element, params: dict[str, str], base_url: str, now: datetime
    ) -> None:  # noqa: N802,E501
        if "resumptionToken" in params:
            raise OAIError("badResumptionToken", "ListSets is never split into pages")
        if not self.config.namespace:
            raise OAIError("noSetHierarchy", "this repository does not support sets")
        node = etree.SubElement(root, f"{{{OAI_NS}}}ListSets")
        names = self.config.library_names or {}
        entries = [(group, _SET_NAMES[group][0]) for group in _SET_NAMES]
        entries += [
            (f"library:{code}", names.get(code, code)) for code in self.store.distinct("library")
        ]
        entries += [
            (f"type:{kind}", KIND_NAMES_VI.get(kind, kind)) for kind in self.store.distinct("kind")
        ]
        for spec, name in entries:
            item = etree.SubElement(node, f"{{{OAI_NS}}}set")
            etree.SubElement(item, f"{{{OAI_NS}}}setSpec").text = spec
            etree.SubElement(item, f"{{{OAI_NS}}}setName").text = name

    def _GetRecord(
        self, root: etree._Element, params: dict[str, str], base_url: str, now: datetime
    ) -> None:  # noqa: N802,E501
        prefix = self._prefix(params["metadataPrefix"])
        stored = self._find(params["identifier"])
        if not self._can_disseminate(stored.record, prefix):
            raise OAIError(
                "cannotDisseminateFormat", f"{params['identifier']} is not available as {prefix}"
            )
        node = etree.SubElement(root, f"{{{OAI_NS}}}GetRecord")
        self._append_record(node, stored, prefix, with_metadata=True)

    def _ListIdentifiers(
        self, root: etree._Element, params: dict[str, str], base_url: str, now: datetime
    ) -> None:  # noqa: N802,E501
        self._list(root, params, now, "ListIdentifiers", with_metadata=False)

    def _ListRecords(
        self, root: etree._Element, params: dict[str, str], base_url: str, now: datetime
    ) -> None:  # noqa: N802,E501
        self._list(root, params, now, "ListRecords", with_metadata=True)

    # -- lists and tokens ------------------------------------------------------------------

    def _list(
        self,
        root: etree._Element,
        params: dict[str, str],
        now: datetime,
        verb: str,
        *,
        with_metadata: bool,
    ) -> None:
        if "resumptionToken" in params:
            state = self._read_token(params["resumptionToken"], verb)
        else:
            state = {
                "verb": verb,
                "prefix": self._prefix(params["metadataPrefix"]),
                "set": params.get("set"),
                "from": params.get("from"),
                "until": params.get("until"),
                "after": 0,
                "cursor": 0,
            }
        from_, until = _window(state["from"], state["until"])
        library, kind = self._set_filter(state["set"])
        selection = dict(
            from_=from_,
            until=until,
            library=library,
            kind=kind,
            source_formats=_MARC_SOURCES if state["prefix"] == "marc21" else None,
        )
        size = self.config.page_size
        records = self.store.select(after_seq=int(state["after"]), limit=size + 1, **selection)
        if not records and not state["cursor"]:
            raise OAIError("noRecordsMatch", "no records match these arguments")
        node = etree.SubElement(root, f"{{{OAI_NS}}}{verb}")
        for stored in records[:size]:
            self._append_record(node, stored, state["prefix"], with_metadata=with_metadata)
        more = len(records) > size
        if more or state["cursor"]:
            token = etree.SubElement(node, f"{{{OAI_NS}}}resumptionToken")
            token.set("completeListSize", str(self.store.count(**selection)))
            token.set("cursor", str(state["cursor"]))
            if more:
                following = dict(state, after=records[size - 1].seq, cursor=state["cursor"] + size)
                token.text = self._tokens.dumps(following)
                token.set("expirationDate", format_datestamp(now + _TOKEN_LIFETIME))

    def _read_token(self, token: str, verb: str) -> dict[str, object]:
        try:
            state = self._tokens.loads(token, max_age=_TOKEN_LIFETIME.total_seconds())
        except SignatureExpired as exc:
            raise OAIError("badResumptionToken", "the resumption token has expired") from exc
        except BadSignature as exc:
            raise OAIError("badResumptionToken", "the resumption token is not valid") from exc
        if not isinstance(state, dict) or state.get("verb") != verb:
            raise OAIError("badResumptionToken", f"the resumption token is not for {verb}")
        return state

    # -- helpers ---------------------------------------------------------------------------

    def _prefix(self, prefix: str) -> str:
        if prefix not in FORMATS:
            raise OAIError(
                "cannotDisseminateFormat",
                f"metadataPrefix {prefix!r} is not supported; use one of {', '.join(FORMATS)}",
            )
        return prefix

    def _set_filter(self, spec: object) -> tuple[str | None, str | None]:
        if spec is None:
            return None, None
        if not self.config.namespace:
            raise OAIError("noSetHierarchy", "this repository does not support sets")
        group, _, value = str(spec).partition(":")
        if group == "library" and value:
            return value, None
        if group == "type" and value in KINDS:
            return None, value
        if group in _SET_NAMES and not value:
            return None, None  # a parent set holds every record
        raise OAIError("badArgument", f"no set {spec!r}; see ListSets")

    def identifier(self, record: Record) -> str:
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

    @staticmethod
    def _can_disseminate(record: Record, prefix: str) -> bool:
        return prefix == "oai_dc" or record.source_format in _MARC_SOURCES

    def _append_record(
        self, parent: etree._Element, stored: StoredRecord, prefix: str, *, with_metadata: bool
    ) -> None:
        record = stored.record
        container = etree.SubElement(parent, f"{{{OAI_NS}}}record") if with_metadata else parent
        header = etree.SubElement(container, f"{{{OAI_NS}}}header")
        if record.deleted:
            header.set("status", "deleted")
        etree.SubElement(header, f"{{{OAI_NS}}}identifier").text = self.identifier(record)
        etree.SubElement(header, f"{{{OAI_NS}}}datestamp").text = format_datestamp(stored.stored_at)
        if self.config.namespace:
            for spec in (f"library:{record.library}", f"type:{record.kind}"):
                etree.SubElement(header, f"{{{OAI_NS}}}setSpec").text = spec
        if with_metadata and not record.deleted:
            metadata = etree.SubElement(container, f"{{{OAI_NS}}}metadata")
            metadata.append(self._metadata(record, prefix))

    def _metadata(self, record: Record, prefix: str) -> etree._Element:
        native = record.source_format == prefix or (
            prefix == "marc21" and record.source_format in _MARC_SOURCES
        )
        # MARC goes out as received; oai_dc as received for a member, rebuilt for the union.
        if native and record.raw_xml and (prefix == "marc21" or not self.config.namespace):
            return etree.fromstring(
                record.raw_xml, etree.XMLParser(resolve_entities=False, no_network=True)
            )
        return dublin_core(record)


def dublin_core(record: Record) -> etree._Element:
    """Build an oai_dc element from a Record's normalized fields."""
    dc = etree.Element(
        f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
    )
    dc.set(
        f"{{{XSI_NS}}}schemaLocation",
        f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    )
    values: list[tuple[str, str | None]] = [("title", record.title)]
    values += [("creator", v) for v in record.creators]
    values += [("subject", v) for v in record.subjects]
    values += [("description", record.description), ("publisher", record.publisher)]
    values += [("date", record.date), ("type", record.kind)]
    values += [("identifier", v) for v in record.identifiers]
    values += [("language", v) for v in record.languages]
    values += [("coverage", v) for v in record.places]
    values += [("rights", record.rights)]
    for name, value in values:
        if value:
            etree.SubElement(dc, f"{{{DC_NS}}}{name}").text = value
    return dc


def _window(from_: object, until: object) -> tuple[datetime | None, datetime | None]:
    start = _parse_date(from_, "from", end=False)
    end = _parse_date(until, "until", end=True)
    if from_ and until and len(str(from_)) != len(str(until)):
        raise OAIError("badArgument", "from and until must have the same granularity")
    if start and end and start > end:
        raise OAIError("badArgument", "from is later than until")
    return start, end


def _parse_date(value: object, name: str, *, end: bool) -> datetime | None:
    if value is None:
        return None
    text = str(value)
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            # A day "until" includes the whole day: same-day changes are never missed.
            return day + timedelta(days=1, seconds=-1) if end else day
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise OAIError(
            "badArgument", f"{name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, got {text!r}"
        ) from exc
