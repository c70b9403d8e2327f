"""Building the `httpx.Request` of each attempt: URLs, form bodies, headers.

`RequestBuilder.prepare()` does, once per call, everything that does not change between
attempts (checks, the URL, the form, the headers, a public call's whole request);
a signed call's attempts then each get a fresh nonce and signature (`Signer.sign_form`),
which `PreparedCall.signed()` wraps in a request.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from urllib.parse import quote_plus

import httpx

from ._catalogue_info import CatalogueInfo, Endpoint, Envelope
from ._config import CALL_MANAGED_HEADERS, header_items, make_timeout
from ._errors import ConfigurationError, InvalidRequestError
from ._signer import Signer

FORM = "application/x-www-form-urlencoded"

_PLAIN = re.compile(r"[A-Za-z0-9_.\-~]*").fullmatch
_ROOTS: dict[Envelope, str] = {"plain": "response", "return": "return", "data": "data"}
_URL_CACHE_MAX = 1024


def form_encode(params: Sequence[tuple[str, str]]) -> str:
    """`urllib.parse.urlencode` for str pairs, with a fast path for plain values."""
    if not params:
        return ""
    return "&".join([f"{k if _PLAIN(k) else quote_plus(k)}={v if _PLAIN(v) else quote_plus(v)}" for k, v in params])


class Version:
    """One API version as calls need it: its URL, its envelope, the name of its payload's root."""

    __slots__ = ("envelope", "root", "url")

    def __init__(self, url: str, envelope: Envelope) -> None:
        self.url = url
        self.envelope = envelope
        #: How error locations name the payload (`data.orders[0]`).
        self.root = _ROOTS[envelope]


class PreparedCall:
    """One call with its checks done: what every attempt of it shares."""

    __slots__ = ("cache_key", "endpoint", "extensions", "form_prefix", "path_bytes", "public", "signed_headers", "url")

    def __init__(
        self,
        endpoint: Endpoint,
        url: httpx.URL,
        extensions: dict[str, object],
        *,
        public: httpx.Request | None = None,
        form_prefix: str = "",
        path_bytes: bytes = b"",
        signed_headers: list[tuple[bytes, bytes]] | None = None,
        cache_key: Hashable = None,
    ) -> None:
        self.endpoint = endpoint
        self.url = url
        self.extensions = extensions
        self.public = public
        self.form_prefix = form_prefix
        self.path_bytes = path_bytes
        self.signed_headers = signed_headers or []
        #: Set when the answer may be served from and stored in the client-side cache.
        self.cache_key = cache_key

    def signed(self, body: bytes, signature: str) -> httpx.Request:
        """A signed attempt's request: `body` (with its nonce) and its Rest-Sign value."""
        headers = [
            *self.signed_headers,
            (b"Rest-Sign", signature.encode("ascii")),
            (b"Content-Length", b"%d" % len(body)),
        ]
        request = httpx.Request(
            "POST", self.url, headers=headers, stream=httpx.ByteStream(body), extensions=self.extensions
        )
        request.read()
        return request


class RequestBuilder:
    """The per-client parts of every request: base URL per version, headers, timeouts."""

    def __init__(
        self,
        catalogue: CatalogueInfo,
        base_url: str,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        api_key: str | None,
    ) -> None:
        base = base_url.rstrip("/") + "/"
        self.versions = {n: Version(base + v.prefix, v.envelope) for n, v in catalogue.versions.items()}
        self._headers = dict(headers)
        self._form_headers = {**self._headers, "Content-Type": FORM}
        self._timeout = timeout.as_dict()
        self._signed_headers: list[tuple[bytes, bytes]] = []
        if api_key is not None:
            signed = {**self._headers, "Rest-Key": api_key, "Content-Type": FORM}
            # Encoded once: httpx normalising a header dict twice per request was 3/4 of building one.
            self._signed_headers = [(b"Host", httpx.URL(base).netloc)] + [
                (k.encode("ascii"), v.encode("ascii")) for k, v in signed.items()
            ]
        self._urls: dict[str, httpx.URL] = {}

    def version(self, endpoint: Endpoint) -> Version:
        version = self.versions.get(endpoint.version)
        if version is None:
            raise InvalidRequestError(f"the catalogue has no API version {endpoint.version}", endpoint=endpoint.label)
        return version

    def prepare(
        self,
        endpoint: Endpoint,
        path: str,
        params: Sequence[tuple[str, str]],
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None,
        signer: Signer | None,
        *,
        cacheable: bool,
    ) -> PreparedCall:
        """Check the call's inputs and build what its attempts share (see `PreparedCall`).

        `signer` is None for a public call; `cacheable` when its answer may come from the cache.
        """
        extra: list[tuple[str, str]] = []
        if extra_headers:
            try:
                extra = header_items(extra_headers, "extra_headers", CALL_MANAGED_HEADERS)
            except ConfigurationError as exc:
                raise InvalidRequestError(exc.message, param="extra_headers", endpoint=endpoint.label) from None
        url_text = self.version(endpoint).url + path
        extensions: dict[str, object] = {"timeout": self._timeout_for(timeout)}
        cache_key: Hashable = None
        if cacheable and not extra:
            cache_key = (endpoint.http_method, url_text, tuple(params))
        try:
            form = form_encode(params)
            path_bytes = path.encode("utf-8") if endpoint.auth == "path_body_hmac" else b""
        except UnicodeEncodeError:
            raise InvalidRequestError(
                "the path or a parameter holds characters that cannot be sent (lone surrogates)",
                endpoint=endpoint.label,
            ) from None
        if signer is not None:
            return PreparedCall(
                endpoint,
                self._url(url_text),
                extensions,
                form_prefix=signer.form_prefix(form),
                path_bytes=path_bytes,
                signed_headers=self._with_extra_raw(extra, endpoint),
                cache_key=cache_key,
            )
        if endpoint.http_method == "POST":
            url = self._url(url_text)
            public = httpx.Request(
                "POST",
                url,
                content=form.encode("ascii"),
                headers=self._with_extra(self._form_headers, extra),
                extensions=extensions,
            )
        else:
            url = self._url(url_text + "?" + form if form else url_text)
            public = httpx.Request("GET", url, headers=self._with_extra(self._headers, extra), extensions=extensions)
        return PreparedCall(endpoint, url, extensions, public=public, cache_key=cache_key)

    def _url(self, text: str) -> httpx.URL:
        url = self._urls.get(text)
        if url is None:
            try:
                url = httpx.URL(text)
            except (httpx.InvalidURL, UnicodeEncodeError) as exc:
                raise InvalidRequestError(f"cannot build a URL from {text!r}; it cannot be sent: {exc}") from None
            if len(self._urls) >= _URL_CACHE_MAX:
                self._urls.clear()
            self._urls[text] = url
        return url

    def _timeout_for(self, timeout: float | httpx.Timeout | None) -> dict[str, float | None]:
        if timeout is None:
            return self._timeout
        try:
            return make_timeout(timeout).as_dict()
        except ConfigurationError as exc:
            raise InvalidRequestError(exc.message, param="timeout") from None

    @staticmethod
    def _with_extra(headers: dict[str, str], extra: list[tuple[str, str]]) -> dict[str, str] | httpx.Headers:
        if not extra:
            return headers
        merged = httpx.Headers(headers)
        merged.update(extra)
        return merged

    def _with_extra_raw(self, extra: list[tuple[str, str]], endpoint: Endpoint) -> list[tuple[bytes, bytes]]:
        if not extra:
            return self._signed_headers
        replaced = {name.lower().encode("ascii") for name, _ in extra}
        try:
            return [h for h in self._signed_headers if h[0].lower() not in replaced] + [
                (name.encode("ascii"), value.encode("ascii")) for name, value in extra
            ]
        except UnicodeEncodeError:
            raise InvalidRequestError(
                "extra_headers must be ASCII", param="extra_headers", endpoint=endpoint.label
            ) from None
