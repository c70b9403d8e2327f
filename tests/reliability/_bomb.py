"""A client against a decompression bomb, in a process of its own so its peak memory can be read.

`python -m tests.reliability._bomb KIB MODE [ENCODING]`: a FaultServer (a thread of this process)
answers one call with KIB KiB of ENCODING-compressed zeros (gzip by default); MODE is `sync` or
`async`. Prints one JSON line: the error the call raised (or "none") and the peak resident size in KiB.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import zlib
from typing import Any

import mtgox

from .support import KEY, SECRET
from .wire import Act, FaultServer


def compressed_zeros(kib: int, encoding: str) -> bytes:
    """About `kib` KiB of compressed zeros (each KiB inflates to about 1 MiB)."""
    wbits = {"gzip": 31, "deflate": 15}[encoding]
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1 << 20)
    parts = []
    size = 0
    while size < kib * 1024:
        part = packer.compress(block)
        parts.append(part)
        size += len(part)
    parts.append(packer.flush())
    return b"".join(parts)


def bomb(kib: int, encoding: str = "gzip") -> Act:
    return Act("answer", body=compressed_zeros(kib, encoding), headers=(("Content-Encoding", encoding),))


def main() -> None:
    kib, mode = int(sys.argv[1]), sys.argv[2]
    encoding = sys.argv[3] if len(sys.argv) > 3 else "gzip"
    options: dict[str, Any] = {
        "key": KEY,
        "secret": SECRET,
        "nonce_store": "memory",
        "rate_limit": None,
        "max_retries": 0,
    }
    outcome = "none"
    with FaultServer() as server:
        server.script(bomb(kib, encoding))
        try:
            if mode == "sync":
                with mtgox.Client(base_url=server.base_url, **options) as api:
                    api.v2.ticker(pair="BTCUSD")
            else:

                async def call() -> None:
                    async with mtgox.AsyncClient(base_url=server.base_url, **options) as api:
                        await api.v2.ticker(pair="BTCUSD")

                asyncio.run(call())
        except mtgox.MtGoxError as exc:
            outcome = type(exc).__name__
    print(json.dumps({"error": outcome, "maxrss_kib": peak_kib()}))


def peak_kib() -> int:
    """This process's peak resident memory in KiB.

    `VmHWM` where Linux has it: `ru_maxrss` survives exec, so a child forked from a large pytest
    process would report the parent's size, not its own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    main()
