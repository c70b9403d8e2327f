"""PyPI pubnub 3.5.0 (a PubNub client of 2014) against the sandbox: prints a JSON line per message,
connect and error. Usage: python pubnub_py.py ORIGIN SUB_KEY CHANNELS [AUTH]. Run with that
package (and requests, pycryptodome) on PYTHONPATH, and `pubnub_compat` first on it."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from Pubnub import Pubnub  # type: ignore[import-not-found,unused-ignore]


def out(obj: object) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main() -> None:
    origin, sub_key, channels = sys.argv[1], sys.argv[2], sys.argv[3]
    auth = sys.argv[4] if len(sys.argv) > 4 else None
    pubnub = Pubnub(publish_key="", subscribe_key=sub_key, auth_key=auth, origin=origin)

    def message(msg: Any, channel: str = "") -> None:
        out({"kind": "message", "channel": channel, "message": msg})

    def connect(channel: Any) -> None:
        out({"kind": "connect", "channel": channel})

    def error(err: Any) -> None:
        out({"kind": "error", "error": str(err)})

    pubnub.subscribe(channels, callback=message, connect=connect, error=error)
    threading.Event().wait()


if __name__ == "__main__":
    main()
