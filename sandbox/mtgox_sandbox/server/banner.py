"""What `serve` prints on stdout once it accepts connections, for people and parent processes:

    listening on http://127.0.0.1:41873
    base URL for clients: http://127.0.0.1:41873/api
    export MTGOX_BASE_URL=http://127.0.0.1:41873/api

The first line stays first and unchanged, because parent processes wait for it and take the
address from it (`Sandbox.start`, bench/server.py, examples/run_demo.py). The second says what
a client is given (the address alone made every call a 404); the third can be pasted into a
shell as it is (quoted for a POSIX shell: an IPv6 address's brackets are glob characters), named
with the catalogue's package (`GOXCLONE_BASE_URL` for a clone's catalogue), and is the banner's
last line: a reader that wants the whole banner reads until it.
"""

from __future__ import annotations

import shlex

LISTENING = "listening on "
BASE_URL = "base URL for clients: "
EXPORT = "export "
#: Where the sandbox serves every catalogue's HTTP API.
API_PATH = "/api"


def lines(url: str, env_prefix: str) -> list[str]:
    """The banner for a server at `url` (`http://HOST:PORT`)."""
    base = url + API_PATH
    return [f"{LISTENING}{url}", f"{BASE_URL}{base}", f"{EXPORT}{env_prefix}_BASE_URL={shlex.quote(base)}"]


def listening_url(line: str) -> str | None:
    """`http://HOST:PORT` from the banner's first line, None for any other line."""
    if not line.startswith(LISTENING + "http://"):
        return None
    return line[len(LISTENING) :].strip()


def is_last(line: str) -> bool:
    return line.startswith(EXPORT)
