"""Client settings: defaults, environment variables, base URL and TLS rules, the User-Agent.

Everything here runs once, when a client is constructed; nothing is read again per call.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import platform
import ssl
from collections.abc import Mapping
from pathlib import Path

import httpx

from ._errors import ConfigurationError

#: Seconds for the whole of one attempt (connect, write, read, pool), unless a call says otherwise.
DEFAULT_TIMEOUT = 30.0
#: Seconds to establish a connection: a host that does not answer in 5 s will not answer in 30.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 2

#: Headers the SDK sets itself; an injected client's values for them are not inherited.
SDK_HEADERS = frozenset({"user-agent", "accept", "accept-encoding", "content-type", "content-length", "host"})

#: Headers neither `default_headers` nor a call's `extra_headers` may set: the signature and
#: what it covers are the SDK's alone.
MANAGED_HEADERS = frozenset({"rest-key", "rest-sign", "content-length", "host"})
#: A call's `extra_headers` may not change the body's type either: the signed bytes are a form.
CALL_MANAGED_HEADERS = MANAGED_HEADERS | {"content-type"}


def env(name: str) -> str | None:
    """An environment variable, with empty meaning unset."""
    value = os.environ.get(name)
    return value if value else None


#: The longest timeout accepted: a day (an infinite one would hang a call for good).
MAX_TIMEOUT = 86_400.0


def make_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    """A float is the budget of every phase, with connecting capped at 5 s."""
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 0 < timeout <= MAX_TIMEOUT  # also refuses NaN and infinity
    ):
        raise ConfigurationError(
            f"timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT:.0f} (a day), "
            f"or an httpx.Timeout; not {timeout!r}"
        )
    seconds = float(timeout)
    return httpx.Timeout(seconds, connect=min(seconds, DEFAULT_CONNECT_TIMEOUT))


def is_loopback_url_host(host: str) -> bool:
    """The host of a URL (brackets and case as in a URL) that surely reaches this machine only:
    a literal loopback address (127.0.0.0/8, ::1) or exactly `localhost`.

    No other name: `evil.localhost` or `localhost.localdomain` resolve wherever a resolver (or an
    attacker's DNS) says, and plain http:// to them would carry the key in the clear.
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str, *, allow_insecure_http: bool) -> str:
    """The base URL without a trailing slash; https, or http on a loopback host only."""
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(f"base_url {base_url!r} is not a valid URL: {exc}") from None
    if url.scheme not in ("https", "http") or not url.host:
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL such as https://example.com/api, not {base_url!r}"
        )
    if url.query or url.fragment:
        raise ConfigurationError(f"base_url must not carry a query or a fragment: {base_url!r}")
    if url.userinfo:
        raise ConfigurationError("base_url must not carry a user name or password")
    if url.scheme == "http" and not allow_insecure_http and not is_loopback_url_host(url.host):
        raise ConfigurationError(
            f"base_url {base_url!r} uses plain http:// on a host that is not loopback; use https://, "
            "or pass allow_insecure_http=True if you really mean it (the API key and signed requests "
            "would travel unencrypted)"
        )
    return base_url.rstrip("/")


@functools.lru_cache(maxsize=4)
def _default_ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # Loading the CA bundle costs ~20 ms; one verifying context serves every client (it is
    # thread-safe). httpx's own defaults: SSL_CERT_FILE / SSL_CERT_DIR, else certifi.
    return httpx.create_ssl_context(verify=True, trust_env=True)


def ssl_context(verify: object) -> ssl.SSLContext:
    """TLS verification is always on; a CA bundle path (file or directory) replaces the system store."""
    if verify is True:
        return _default_ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    if verify is False or verify is None:
        raise ConfigurationError(
            "TLS verification cannot be turned off; pass verify='/path/to/ca-bundle.pem' to trust a "
            "private CA, or use http:// on a loopback host for a local sandbox"
        )
    if isinstance(verify, ssl.SSLContext):
        if verify.verify_mode != ssl.CERT_REQUIRED or not verify.check_hostname:
            raise ConfigurationError("an SSLContext passed as verify= must verify certificates and host names")
        return verify
    if isinstance(verify, str | os.PathLike):
        path = Path(verify)
        try:
            if path.is_dir():
                return ssl.create_default_context(capath=str(path))
            return ssl.create_default_context(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(f"cannot load the CA bundle {str(path)!r}: {exc}") from None
    raise ConfigurationError(f"verify must be True or a CA bundle path, not {type(verify).__name__}")


def default_nonce_dir(distribution: str = "mtgox-sdk") -> Path:
    """`$XDG_CACHE_HOME/mtgox-sdk/nonces`, else `~/.cache/mtgox-sdk/nonces` (the distribution's name)."""
    base = env("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / distribution / "nonces"


@functools.cache
def package_version(distribution: str = "mtgox-sdk") -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - always present on 3.11
        return "0.0.0"
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "0.0.0"


def user_agent(base: str, distribution: str = "mtgox-sdk") -> str:
    """`mtgox-sdk/<version> python-httpx/<version> Python/<version>`."""
    return f"{base}/{package_version(distribution)} python-httpx/{httpx.__version__} Python/{platform.python_version()}"


def base_headers(user_agent_value: str, extra: Mapping[str, str] | None) -> dict[str, str]:
    """The headers every request carries; `extra` (default_headers) may add to or replace them."""
    headers = {
        "Accept": "application/json, text/plain, */*",
        "Accept-Encoding": "gzip, deflate",
        "User-Agent": user_agent_value,
    }
    if extra:
        for name, value in header_items(extra, "default_headers", MANAGED_HEADERS):
            for existing in list(headers):
                if existing.lower() == name.lower():
                    del headers[existing]
            headers[name] = value
    return headers


def header_items(headers: Mapping[str, str], what: str, managed: frozenset[str]) -> list[tuple[str, str]]:
    """`headers` as a list, refusing non-str names or values and the headers the SDK manages."""
    if not isinstance(headers, Mapping):
        raise ConfigurationError(f"{what} must be a mapping of str to str, not {type(headers).__name__}")
    items = []
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ConfigurationError(f"{what} must map str to str")
        if name.lower() in managed:
            raise ConfigurationError(f"{what} must not set {name}: the SDK manages it")
        items.append((name, value))
    return items
