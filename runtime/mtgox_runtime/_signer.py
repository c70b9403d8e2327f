"""Signing for one API key: the nonce, the key's ordering lock and the signature per auth style.

A `Signer` is what a call needs to be authenticated, whatever carries it:
- HTTP calls (v0, v1, v2): `sign_form(auth, path, form)` appends the next nonce to the form body
  and returns the body with its Rest-Sign value, computed over the body (`body_hmac`, v0 and v1)
  or over `path + NUL + body` (`path_body_hmac`, v2);
- the Streaming API's packed calls: `sign_packed(call_json)` returns the base64 packed call
  (key, HMAC-SHA512 of the JSON, the JSON), the format `pack_call` builds from a key and secret;
  `next_nonce()` gives the nonce to put in that JSON.

Whoever draws a nonce holds `ordering_lock` (None with tonces, whose order does not matter)
until the server has answered the request that carries it, so one process's nonces reach the
server in order (see `_nonce.py`). The HTTP call loop asks its driver to take the lock; a
stream sender would hold it around drawing the nonce and writing the frame.
"""

from __future__ import annotations

from ._auth import Credentials, packed_call
from ._catalogue_info import AuthStyle
from ._nonce import TONCES, FileNonceStore, KeyOrderingLock, NonceStore


class Signer:
    """Signs the calls of one API key (see the module docstring)."""

    __slots__ = ("_credentials", "_nonce_field", "_nonces", "key", "ordering_lock")

    def __init__(self, credentials: Credentials, nonce_store: NonceStore, *, use_tonce: bool) -> None:
        self._credentials = credentials
        self.key = credentials.key
        self._nonces = TONCES if use_tonce else nonce_store
        self._nonce_field = "tonce=" if use_tonce else "nonce="
        self.ordering_lock: KeyOrderingLock | None = None
        if not use_tonce:
            file_store = nonce_store if isinstance(nonce_store, FileNonceStore) else None
            self.ordering_lock = KeyOrderingLock(credentials.key, file_store)

    def next_nonce(self) -> int:
        """The next nonce of this key (strictly increasing across threads and, with a file store,
        processes). Take `ordering_lock` first."""
        return self._nonces.next_nonce(self.key)

    def form_prefix(self, form: str) -> str:
        """The form body up to its nonce value: computed once per call, completed per attempt."""
        return (form + "&" + self._nonce_field) if form else self._nonce_field

    def sign_form(self, auth: AuthStyle, path: bytes, form_prefix: str) -> tuple[bytes, str]:
        """The body (`form_prefix` + the next nonce) and its Rest-Sign value.

        `path` is the part of the URL after the version prefix; only `path_body_hmac` signs it.
        """
        body = (form_prefix + str(self.next_nonce())).encode("utf-8")
        if auth == "path_body_hmac":
            return body, self._credentials.sign_path_body(path, body)
        return body, self._credentials.sign(body)

    def sign_packed(self, call_json: bytes) -> str:
        """A Streaming API call: base64(key as 16 bytes + HMAC-SHA512(secret, call_json) + call_json)."""
        return packed_call(self._credentials, call_json)
