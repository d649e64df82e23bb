"""The OAI-PMH client: sickle for requests and retries, a strict parser for what comes back.

This is the only module that imports sickle; no sickle or requests error escapes it. Every
request waits for its host's turn (`harvester.polite`); every body gets the safe repairs of
`harvester.repair` before the strict parse, and a body that still does not parse goes to the
quarantine folder (`harvester.quarantine`) instead of being half-read.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import requests
from lxml import etree
from sickle import Sickle
from sickle.response import OAIResponse

from catalog.errors import EndpointError, OAIResponseError
from catalog.models import Library
from harvester.polite import HostGate
from harvester.quarantine import Quarantine
from harvester.repair import Repaired, repair_xml
from harvester.xml import OAI_NS, parse_xml

log = logging.getLogger(__name__)

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Transient network faults: a timeout, a refused or reset connection, a body cut off mid-way.
_TRANSIENT = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)

StopReason = Literal["same_token", "empty_pages", "request_cap"]
_NS = {"oai": OAI_NS}


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """An OAI record header."""

    oai_id: str
    datestamp: datetime
    deleted: bool
    set_specs: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """One ListRecords response: its records, the token for the next page, the server's clock."""

    request: str  # e.g. "ListRecords page 3" for logs
    records: tuple[tuple[Header, etree._Element | None], ...]
    resumption_token: str | None
    response_date: datetime | None
    complete_list_size: int | None
    skipped: tuple[str, ...] = ()  # why each unusable <record> (no identifier...) was passed over
    repairs: tuple[str, ...] = ()  # what harvester.repair changed to make the page parse
    url: str = ""  # the URL that answered the request (after redirects), for quarantine files
    # Why the list was cut short although the server offered a next page: the same token came
    # back twice, max_empty_pages pages in a row had a token but no records, or max_requests
    # was reached (then resumption_token is where to go on).
    stop_reason: StopReason | None = None
    # The bytes the page was parsed from (after safe repairs) and, for each of ``records``, the
    # position of its <record> among the page's: enough for another process to read the same
    # records again (see `page_metadata`). Empty for pages put together from GetRecords.
    body: bytes = b""
    positions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """What Identify says about a repository."""

    repository_name: str
    granularity: str  # "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ"
    earliest_datestamp: str
    deleted_record: str  # no, transient, persistent
    response_date: datetime | None


class _Sickle(Sickle):  # type: ignore[misc]
    """Sickle with the retry policy real endpoints need.

    sickle 0.7 retries only 503, reads Retry-After only as seconds, does not retry timeouts or
    resets, and calls raise_for_status() before the OAI error in the body can be read.
    """

    def __init__(
        self,
        library: str,
        endpoint: str,
        *,
        max_retries: int,
        max_retry_after: float,
        sleep: Callable[[float], None],
        gate: HostGate,
        **request_args: Any,
    ) -> None:
        super().__init__(endpoint, max_retries=max_retries, **request_args)
        self.library = library
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.gate = gate

    def harvest(self, **kwargs: str) -> OAIResponse:
        request = _describe(kwargs)
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                with self.gate.turn():
                    response = self._request(kwargs)
            except _TRANSIENT as exc:
                what = (
                    "timed out"
                    if isinstance(exc, requests.Timeout)
                    else "connection failed"
                    if isinstance(exc, requests.ConnectionError)
                    else "connection dropped mid-body"
                )
                if last:
                    raise EndpointError(
                        self.library,
                        f"{request}: {what} after {attempt + 1} attempt(s) ({exc}); check that "
                        f"{self.endpoint} is reachable, or raise harvest_timeout",
                    ) from exc
                wait = self._backoff(attempt)
                log.warning("[%s] %s: %s, retrying in %.1f s", self.library, request, what, wait)
                self.sleep(wait)
                continue
            except requests.TooManyRedirects as exc:
                raise EndpointError(
                    self.library, _redirect_loop(request, self.endpoint, exc)
                ) from exc
            except requests.RequestException as exc:
                raise EndpointError(self.library, f"{request}: {exc}") from exc
            if (response.status_code in _RETRY_STATUSES or not response.content) and not last:
                wait = self._retry_after(response, attempt)
                log.warning(
                    "[%s] %s: HTTP %d%s, retrying in %.1f s",
                    self.library,
                    request,
                    response.status_code,
                    " with an empty body" if not response.content else "",
                    wait,
                )
                self.sleep(wait)
                continue
            return OAIResponse(response, params=kwargs)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with full jitter, capped like Retry-After.
        return min(self.max_retry_after, random.uniform(0, 2.0**attempt))

    def _retry_after(self, response: requests.Response, attempt: int) -> float:
        value = response.headers.get("Retry-After")
        if value is None:
            return self._backoff(attempt)
        value = value.strip()
        if value.isdigit():
            return min(self.max_retry_after, float(value))
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return self._backoff(attempt)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return min(self.max_retry_after, max(0.0, (when - datetime.now(UTC)).total_seconds()))


class OAIClient:
    """Talks OAI-PMH to one member library."""

    def __init__(
        self,
        library: Library,
        *,
        timeout: float,
        max_retries: int = 3,
        max_retry_after: float = 120.0,
        user_agent: str = "MekongUnionCatalog/0.1",
        sleep: Callable[[float], None] = time.sleep,
        gate: HostGate | None = None,
        quarantine: Quarantine | None = None,
    ) -> None:
        if not library.endpoint:
            raise ValueError(f"library {library.code!r} has no endpoint")
        self.library = library
        self.quarantine = quarantine or Quarantine(None, library.code)
        self._sickle = _Sickle(
            library.code,
            library.endpoint,
            max_retries=max_retries,
            max_retry_after=max_retry_after,
            sleep=sleep,
            gate=gate or HostGate(),
            timeout=timeout,
            headers={"User-Agent": user_agent},
        )

    def identify(self) -> Identity:
        """Send Identify and read granularity, deletion support and the server's clock."""
        root, _, _ = self._request({"verb": "Identify"}, "Identify")
        node = root.find("oai:Identify", _NS)
        if node is None:
            raise self._error("Identify: the response has no <Identify> element")
        return Identity(
            repository_name=_text(node, "repositoryName") or "",
            granularity=_text(node, "granularity") or "YYYY-MM-DD",
            earliest_datestamp=_text(node, "earliestDatestamp") or "",
            deleted_record=_text(node, "deletedRecord") or "no",
            response_date=_datestamp(_text(root, "responseDate")),
        )

    def list_records(
        self,
        *,
        metadata_prefix: str,
        from_: str | None = None,
        until: str | None = None,
        set_spec: str | None = None,
        resumption_token: str | None = None,
        max_requests: int = 10000,
        max_empty_pages: int = 5,
    ) -> Iterator[Page]:
        """Yield ListRecords pages, following resumption tokens.

        With ``resumption_token`` the list is resumed there (a window saved by an earlier run)
        and the other arguments are not sent. noRecordsMatch yields nothing. The last page
        says in ``stop_reason`` when a guard cut the list short: the same token twice,
        ``max_empty_pages`` pages in a row with a token but no records, or ``max_requests``.
        Raises EndpointError or OAIResponseError (``oai_code="badResumptionToken"`` for a
        rejected or expired token).
        """
        return self._pages(
            "ListRecords",
            metadata_prefix,
            from_,
            until,
            set_spec,
            resumption_token,
            max_requests,
            max_empty_pages,
        )

    def list_identifiers(
        self,
        *,
        metadata_prefix: str,
        from_: str | None = None,
        until: str | None = None,
        set_spec: str | None = None,
        resumption_token: str | None = None,
        max_requests: int = 10000,
        max_empty_pages: int = 5,
    ) -> Iterator[Page]:
        """Yield ListIdentifiers pages (headers only: each record's element is None).

        Arguments, guards and errors as for `list_records`.
        """
        return self._pages(
            "ListIdentifiers",
            metadata_prefix,
            from_,
            until,
            set_spec,
            resumption_token,
            max_requests,
            max_empty_pages,
        )

    def get_record(
        self, oai_id: str, *, metadata_prefix: str
    ) -> tuple[Header, etree._Element | None]:
        """Send GetRecord; return the record's header and metadata element (None if deleted).

        Raises EndpointError, or OAIResponseError (``oai_code="idDoesNotExist"`` when the
        server no longer knows the identifier).
        """
        request = f"GetRecord {oai_id!r}"
        params = {"verb": "GetRecord", "identifier": oai_id, "metadataPrefix": metadata_prefix}
        root, _, _ = self._request(params, request)
        item = root.find("oai:GetRecord/oai:record", _NS)
        if item is None:
            raise self._error(f"{request}: the response has no <GetRecord><record> element")
        read = _record(self.library.code, request, item, _datestamp(_text(root, "responseDate")))
        if isinstance(read, str):
            raise self._error(read)
        return read

    def _pages(
        self,
        verb: str,
        metadata_prefix: str,
        from_: str | None,
        until: str | None,
        set_spec: str | None,
        resumption_token: str | None,
        max_requests: int,
        max_empty_pages: int,
    ) -> Iterator[Page]:
        params = {"verb": verb, "metadataPrefix": metadata_prefix}
        if from_:
            params["from"] = from_
        if until:
            params["until"] = until
        if set_spec:
            params["set"] = set_spec
        resumed = " (resumed)" if resumption_token else ""
        if resumption_token:
            params = {"verb": verb, "resumptionToken": resumption_token}
        seen_tokens: set[str] = set()
        empty_in_a_row = 0
        item_tag = f"{{{OAI_NS}}}{'record' if verb == 'ListRecords' else 'header'}"
        for number in range(1, max_requests + 1):
            request = f"{verb} page {number}{resumed}"
            root, repaired, url = self._request(params, request, empty_codes=("noRecordsMatch",))
            if root is None:
                return
            node = _child(root, verb)
            if node is None:
                raise self._error(f"{request}: the response has no <{verb}> element")
            response_date = _datestamp(_text(root, "responseDate"))
            items = [item for item in node if item.tag == item_tag]
            read = [
                _record(self.library.code, request, item, response_date)
                if verb == "ListRecords"
                else _header(self.library.code, request, item, response_date)
                for item in items
            ]
            token_node = _child(node, "resumptionToken")
            token = (token_node.text or "").strip() if token_node is not None else ""
            size = token_node.get("completeListSize") if token_node is not None else None
            empty_in_a_row = 0 if items else empty_in_a_row + 1
            stop: StopReason | None = None
            if token and token in seen_tokens:
                log.warning(
                    "[%s] %s: the server sent resumption token %r twice; ending the list",
                    self.library.code,
                    request,
                    token,
                )
                stop = "same_token"
            elif token and max_empty_pages > 0 and empty_in_a_row >= max_empty_pages:
                log.warning(
                    "[%s] %s: %d pages in a row had a resumption token but no records "
                    "(max_empty_pages); ending the list, the next window starts after it",
                    self.library.code,
                    request,
                    empty_in_a_row,
                )
                stop = "empty_pages"
            elif token and number == max_requests:
                log.warning(
                    "[%s] %s: stopped after %d requests (harvest_max_requests); the next run "
                    "goes on from resumption token %r",
                    self.library.code,
                    request,
                    max_requests,
                    token,
                )
                stop = "request_cap"
            yield Page(
                request=request,
                records=tuple(r for r in read if not isinstance(r, str)),
                skipped=tuple(r for r in read if isinstance(r, str)),
                resumption_token=token or None,
                response_date=response_date,
                complete_list_size=int(size) if size and size.isdigit() else None,
                repairs=repaired.repairs,
                url=url,
                stop_reason=stop,
                body=repaired.body if verb == "ListRecords" else b"",
                positions=tuple(n for n, r in enumerate(read) if not isinstance(r, str)),
            )
            if not token or stop:
                return
            seen_tokens.add(token)
            params = {"verb": verb, "resumptionToken": token}

    def _url(self, params: dict[str, str]) -> str:
        return requests.Request("GET", self._sickle.endpoint, params=params).prepare().url or ""

    def _request(
        self, params: dict[str, str], request: str, *, empty_codes: tuple[str, ...] = ()
    ) -> tuple[etree._Element, Repaired, str]:
        """Send one request; return the parsed root, the bytes it was parsed from with the
        repairs made to parse them, and the URL that answered.

        The root is None when the server answered with one of ``empty_codes``.
        """
        response = self._sickle.harvest(**params)
        http = response.http_response
        body = http.content
        # The URL that answered (after redirects), for quarantine files and logs.
        url = http.url or self._url(params)
        head = body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
            raise self._error(
                f"{request}: got an HTML page (HTTP {http.status_code}), not OAI-PMH XML; "
                f"check that {self.library.endpoint} is the OAI-PMH base URL"
            )
        repaired = repair_xml(body)
        for repair in repaired.repairs:
            log.warning(
                "[%s] %s: %s; the repaired page is harvested", self.library.code, request, repair
            )
        try:
            root = parse_xml(repaired.body)
        except etree.XMLSyntaxError as exc:
            if http.status_code >= 400:
                raise EndpointError(
                    self.library.code, f"{request}: HTTP {http.status_code} {http.reason}"
                ) from exc
            kept = self.quarantine.keep_page(
                body,
                request=request,
                url=url,
                status=http.status_code,
                reason="; ".join((f"not well-formed XML: {exc}", *repaired.doubts)),
            )
            where = (
                f"its raw bytes are kept in {kept}"
                if kept
                else "set a quarantine folder to keep its bytes"
            )
            doubts = "".join(f"; {doubt}" for doubt in repaired.doubts)
            raise self._error(
                f"{request}: the response is not well-formed XML even after safe repairs "
                f"({exc}){doubts}; nothing of the page was stored, {where}, the next run asks "
                "again"
            ) from exc
        if root.tag != f"{{{OAI_NS}}}OAI-PMH":
            raise self._error(
                f"{request}: the root element is {root.tag!r}, expected OAI-PMH 2.0's "
                f"<OAI-PMH xmlns={OAI_NS!r}>"
            )
        # OAI errors are read before the HTTP status: Zenodo sends them with HTTP 422.
        for error in root.findall("oai:error", _NS):
            code = error.get("code", "")
            if code in empty_codes:
                return None, repaired, url  # type: ignore[return-value]
            hint = {
                "cannotDisseminateFormat": "set metadata_prefix in the registry to a format "
                "the member offers (see ListMetadataFormats)",
                "badArgument": "check set_spec and metadata_prefix in the registry",
                "badResumptionToken": "the token expired; the next run restarts the window",
            }.get(code, "see the member's OAI-PMH server log")
            raise self._error(
                f"{request}: OAI error {code or '(no code)'}: "
                f"{(error.text or '').strip()!r}; {hint}",
                oai_code=code,
            )
        if http.status_code >= 400:
            raise EndpointError(
                self.library.code, f"{request}: HTTP {http.status_code} {http.reason}"
            )
        return root, repaired, url

    def _error(self, message: str, *, oai_code: str | None = None) -> OAIResponseError:
        return OAIResponseError(self.library.code, message, oai_code=oai_code)


def _redirect_loop(request: str, endpoint: str, exc: requests.TooManyRedirects) -> str:
    """Describe a redirect loop: where it started, where it was when requests gave up."""
    last = exc.response.url if exc.response is not None else None
    where = f" (the last redirect pointed to {last})" if last and last != endpoint else ""
    return (
        f"{request}: {endpoint} redirects in a loop ({exc}){where}; the member's OAI-PMH "
        "server or its proxy is misconfigured (often http/https or a login redirect), check "
        "the endpoint URL in the registry with the member"
    )


def _describe(params: dict[str, str]) -> str:
    if "resumptionToken" in params:
        return f"{params.get('verb')} (resumptionToken={params['resumptionToken']!r})"
    return str(params.get("verb"))


def _child(node: etree._Element, name: str) -> etree._Element | None:
    """The first ``<oai:name>`` child of ``node`` (``find("oai:name")`` without its parsing)."""
    return next(node.iterchildren(f"{{{OAI_NS}}}{name}"), None)


def _text(node: etree._Element, name: str) -> str | None:
    """The stripped text of the first ``<oai:name>`` child of ``node``, or None."""
    found = _child(node, name)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _datestamp(value: str | None) -> datetime | None:
    """Read an OAI datestamp (day or seconds granularity, optional fraction) as aware UTC."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        if len(text) == 10:
            return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0)


_RECORD = f"{{{OAI_NS}}}record"
_HEADER = f"{{{OAI_NS}}}header"
_METADATA = f"{{{OAI_NS}}}metadata"
_IDENTIFIER = f"{{{OAI_NS}}}identifier"
_DATESTAMP = f"{{{OAI_NS}}}datestamp"
_SET_SPEC = f"{{{OAI_NS}}}setSpec"


def _record(
    library: str, request: str, item: etree._Element, response_date: datetime | None
) -> tuple[Header, etree._Element | None] | str:
    """Read one <record>; return why it is unusable instead when it is."""
    header = metadata = None  # the first of each: one walk over the children, not two
    for child in item:
        if child.tag == _HEADER and header is None:
            header = child
        elif child.tag == _METADATA and metadata is None:
            metadata = child
    if header is None:
        return f"[{library}] {request}: a <record> without <header> was skipped"
    read = _header(library, request, header, response_date)
    if isinstance(read, str):
        return read
    return read[0], _first_element(metadata)


def _first_element(metadata: etree._Element | None) -> etree._Element | None:
    """The metadata element inside <metadata> (comments and text around it passed over)."""
    if metadata is None:
        return None
    return next((child for child in metadata if isinstance(child.tag, str)), None)


def page_metadata(body: bytes, positions: tuple[int, ...]) -> list[etree._Element | None]:
    """Parse a ListRecords page's ``body`` again and return the metadata element of the records
    at ``positions`` (a `Page`'s own): the page read afresh, in a process that did not fetch it.
    """
    root = parse_xml(body)
    node = _child(root, "ListRecords")
    items = [item for item in node if item.tag == _RECORD] if node is not None else []
    return [_first_element(_child(items[position], "metadata")) for position in positions]


def _header(
    library: str, request: str, header: etree._Element, response_date: datetime | None
) -> tuple[Header, None] | str:
    """Read one <header>; return why it is unusable instead when it is.

    A deleted header without a datestamp still deletes: it gets the page's responseDate.
    """
    # One walk over the children: the first identifier and datestamp (as _text reads them)
    # and every setSpec.
    texts: dict[str, str | None] = {}
    set_specs = []
    for child in header:
        if child.tag == _SET_SPEC:
            set_specs.append((child.text or "").strip())
        elif child.tag not in texts:
            texts[child.tag] = (child.text or "").strip() or None
    oai_id = texts.get(_IDENTIFIER)
    datestamp = _datestamp(texts.get(_DATESTAMP))
    deleted = header.get("status") == "deleted"
    if oai_id and deleted and datestamp is None and response_date is not None:
        log.warning(
            "[%s] %s: deleted record %r has no datestamp; it is deleted as of the page's "
            "responseDate %s",
            library,
            request,
            oai_id,
            response_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        datestamp = response_date
    if not oai_id or datestamp is None:
        return (
            f"[{library}] {request}: a record header without a valid identifier and "
            f"datestamp ({oai_id!r}) was skipped"
        )
    return (
        Header(
            oai_id=oai_id,
            datestamp=datestamp,
            deleted=deleted,
            set_specs=tuple(set_specs),
        ),
        None,
    )
