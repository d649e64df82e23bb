"""The OAI-PMH client: sickle for requests and retries, a strict parser for what comes back.

This is the only module that imports sickle; no sickle or requests error escapes it.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from lxml import etree
from sickle import Sickle
from sickle.response import OAIResponse

from catalog.errors import EndpointError, OAIResponseError
from catalog.models import Library
from harvester.xml import OAI_NS, parse_xml

log = logging.getLogger(__name__)

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
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
        **request_args: Any,
    ) -> None:
        super().__init__(endpoint, max_retries=max_retries, **request_args)
        self.library = library
        self.max_retry_after = max_retry_after
        self.sleep = sleep

    def harvest(self, **kwargs: str) -> OAIResponse:
        request = _describe(kwargs)
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self._request(kwargs)
            except (requests.Timeout, requests.ConnectionError) as exc:
                what = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
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
    ) -> None:
        if not library.endpoint:
            raise ValueError(f"library {library.code!r} has no endpoint")
        self.library = library
        self._sickle = _Sickle(
            library.code,
            library.endpoint,
            max_retries=max_retries,
            max_retry_after=max_retry_after,
            sleep=sleep,
            timeout=timeout,
            headers={"User-Agent": user_agent},
        )

    def identify(self) -> Identity:
        """Send Identify and read granularity, deletion support and the server's clock."""
        root = self._request({"verb": "Identify"}, "Identify")
        node = root.find("oai:Identify", _NS)
        if node is None:
            raise self._error("Identify: the response has no <Identify> element")
        return Identity(
            repository_name=_text(node, "oai:repositoryName") or "",
            granularity=_text(node, "oai:granularity") or "YYYY-MM-DD",
            earliest_datestamp=_text(node, "oai:earliestDatestamp") or "",
            deleted_record=_text(node, "oai:deletedRecord") or "no",
            response_date=_datestamp(_text(root, "oai:responseDate")),
        )

    def list_records(
        self,
        *,
        metadata_prefix: str,
        from_: str | None = None,
        until: str | None = None,
        set_spec: str | None = None,
        max_requests: int = 10000,
    ) -> Iterator[Page]:
        """Yield ListRecords pages, following resumption tokens.

        noRecordsMatch yields nothing. Raises EndpointError or OAIResponseError.
        """
        params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
        if from_:
            params["from"] = from_
        if until:
            params["until"] = until
        if set_spec:
            params["set"] = set_spec
        seen_tokens: set[str] = set()
        for number in range(1, max_requests + 1):
            request = f"ListRecords page {number}"
            root = self._request(params, request, empty_codes=("noRecordsMatch",))
            if root is None:
                return
            node = root.find("oai:ListRecords", _NS)
            if node is None:
                raise self._error(f"{request}: the response has no <ListRecords> element")
            items = [item for item in node if item.tag == f"{{{OAI_NS}}}record"]
            records = tuple(_record(self.library.code, request, item) for item in items)
            token_node = node.find("oai:resumptionToken", _NS)
            token = (token_node.text or "").strip() if token_node is not None else ""
            size = token_node.get("completeListSize") if token_node is not None else None
            yield Page(
                request=request,
                records=tuple(r for r in records if not isinstance(r, str)),
                skipped=tuple(r for r in records if isinstance(r, str)),
                resumption_token=token or None,
                response_date=_datestamp(_text(root, "oai:responseDate")),
                complete_list_size=int(size) if size and size.isdigit() else None,
            )
            if not token:
                return
            if token in seen_tokens:
                log.warning(
                    "[%s] %s: the server sent resumption token %r twice; ending the list",
                    self.library.code,
                    request,
                    token,
                )
                return
            seen_tokens.add(token)
            params = {"verb": "ListRecords", "resumptionToken": token}
        log.warning(
            "[%s] stopped after %d requests (harvest_max_requests); the list may go on",
            self.library.code,
            max_requests,
        )

    def _request(
        self, params: dict[str, str], request: str, *, empty_codes: tuple[str, ...] = ()
    ) -> etree._Element:
        response = self._sickle.harvest(**params)
        http = response.http_response
        body = http.content
        head = body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
            raise self._error(
                f"{request}: got an HTML page (HTTP {http.status_code}), not OAI-PMH XML; "
                f"check that {self.library.endpoint} is the OAI-PMH base URL"
            )
        try:
            root = parse_xml(body)
        except etree.XMLSyntaxError as exc:
            if http.status_code >= 400:
                raise EndpointError(
                    self.library.code, f"{request}: HTTP {http.status_code} {http.reason}"
                ) from exc
            raise self._error(f"{request}: the response is not well-formed XML: {exc}") from exc
        if root.tag != f"{{{OAI_NS}}}OAI-PMH":
            raise self._error(
                f"{request}: the root element is {root.tag!r}, expected OAI-PMH 2.0's "
                f"<OAI-PMH xmlns={OAI_NS!r}>"
            )
        # OAI errors are read before the HTTP status: Zenodo sends them with HTTP 422.
        for error in root.findall("oai:error", _NS):
            code = error.get("code", "")
            if code in empty_codes:
                return None  # type: ignore[return-value]
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
        return root

    def _error(self, message: str, *, oai_code: str | None = None) -> OAIResponseError:
        return OAIResponseError(self.library.code, message, oai_code=oai_code)


def _describe(params: dict[str, str]) -> str:
    if "resumptionToken" in params:
        return f"{params.get('verb')} (resumptionToken={params['resumptionToken']!r})"
    return str(params.get("verb"))


def _text(node: etree._Element, path: str) -> str | None:
    found = node.find(path, _NS)
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


def _record(
    library: str, request: str, item: etree._Element
) -> tuple[Header, etree._Element | None] | str:
    """Read one <record>; return why it is unusable instead when it is."""
    header = item.find("oai:header", _NS)
    if header is None:
        return f"[{library}] {request}: a <record> without <header> was skipped"
    oai_id = _text(header, "oai:identifier")
    datestamp = _datestamp(_text(header, "oai:datestamp"))
    if not oai_id or datestamp is None:
        return (
            f"[{library}] {request}: a record header without a valid identifier and "
            f"datestamp ({oai_id!r}) was skipped"
        )
    metadata = item.find("oai:metadata", _NS)
    element = None
    if metadata is not None:
        children = [child for child in metadata if isinstance(child.tag, str)]
        element = children[0] if children else None
    return (
        Header(
            oai_id=oai_id,
            datestamp=datestamp,
            deleted=header.get("status") == "deleted",
            set_specs=tuple(
                (node.text or "").strip() for node in header.findall("oai:setSpec", _NS)
            ),
        ),
        element,
    )
