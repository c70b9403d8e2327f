"""A separate process for the load and secret tests: `python -m tests.reliability._worker MODE ...`.

- `load`: THREADS threads make CALLS signed calls each with one shared API key (from
  MTGOX_API_KEY / MTGOX_API_SECRET / MTGOX_BASE_URL), nonces from the shared directory;
  prints one JSON line: calls, failures, the re-signs and retries the SDK logged, the oids placed.
- `secrets`: failing calls of every kind with MTGOX_LOG=debug; prints every rendering of each
  error (str, repr, tracebacks with locals, pickle) for the parent to search for the secret.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import threading
import traceback
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import mtgox

from .support import counting_logs


def signed_call(api: mtgox.Client, i: int) -> str | None:
    """One signed call of a rotating kind; returns the oid when it placed an order."""
    kind = i % 6
    if kind == 0:
        api.v2.info()
    elif kind == 1:
        api.v1.info()
    elif kind == 2:
        api.v0.get_funds()
    elif kind == 3:
        api.v2.idkey()
    elif kind == 4:
        api.v2.orders()
    else:  # a bid far below the market: it rests, holding 0.01 USD
        return api.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.01"), price=Decimal("1"))
    return None


def load(threads: int, calls: int, nonce_dir: str, **credentials: str) -> dict[str, Any]:
    """`credentials`: key, secret, base_url (from the environment when left out)."""
    failures: list[str] = []
    oids: list[str] = []
    done = [0]
    guard = threading.Lock()
    shared = mtgox.Client(nonce_store=nonce_dir, rate_limit=None, **credentials)  # type: ignore[arg-type]

    def run(index: int) -> None:
        # half the threads share one client (one connection pool), the others have their own
        api = shared if index % 2 == 0 else mtgox.Client(nonce_store=nonce_dir, rate_limit=None, **credentials)  # type: ignore[arg-type]
        for i in range(calls):
            try:
                oid = signed_call(api, index * 7 + i)
            except mtgox.MtGoxError as exc:
                with guard:
                    failures.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            with guard:
                done[0] += 1
                if oid is not None:
                    oids.append(oid)
        if api is not shared:
            api.close()

    with counting_logs() as counts:
        workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    shared.close()
    return {
        "calls": threads * calls,
        "ok": done[0],
        "failed": len(failures),
        "nonce failures": sum(f.startswith("NonceError") for f in failures),
        "failures": failures[:5],
        "resigned": counts["resigned"],
        "retried": counts["retried"],
        "oids": oids,
    }


def renderings(error: BaseException) -> list[str]:
    out = [str(error), repr(error), "".join(traceback.format_exception(error))]
    summary = traceback.TracebackException.from_exception(error, capture_locals=True)
    out.append("".join(summary.format()))
    try:
        out.append(repr(pickle.dumps(error)))
    except Exception as exc:  # an error that cannot be pickled says why, which is fine
        out.append(f"unpicklable: {exc}")
    return out


def secrets(fault_url: str, refused_url: str, sandbox_url: str) -> dict[str, Any]:
    """Failing calls of every kind; the client is built from the environment (MTGOX_API_*)."""
    results: dict[str, list[str]] = {}
    clients = {
        "auth": mtgox.Client(base_url=sandbox_url, rate_limit=None, nonce_store="memory"),
        "timeout": mtgox.Client(base_url=fault_url, rate_limit=None, nonce_store="memory", timeout=0.3, max_retries=0),
        "refused": mtgox.Client(base_url=refused_url, rate_limit=None, nonce_store="memory", max_retries=1),
        "invalid response": mtgox.Client(base_url=fault_url, rate_limit=None, nonce_store="memory", max_retries=0),
        "invalid request": mtgox.Client(base_url=fault_url, rate_limit=None, nonce_store="memory"),
    }
    for c in clients.values():
        c._transport.sleep = lambda seconds: None
    calls: dict[str, Callable[[], object]] = {
        "auth": lambda: clients["auth"].v2.info(),
        "timeout": lambda: clients["timeout"].v2.order_add(pair="BTCUSD", type="bid", amount=1, price=2),
        "refused": lambda: clients["refused"].v1.info(),
        "invalid response": lambda: clients["invalid response"].v0.get_funds(),
        "invalid request": lambda: clients["invalid request"].v2.order_add(
            pair="BTCUSD",
            type="bid",
            amount=0.5,  # type: ignore[arg-type]  # a float: refused before sending
        ),
    }
    for name, call in calls.items():
        try:
            call()
        except mtgox.MtGoxError as exc:
            results[name] = [type(exc).__name__, *renderings(exc)]
        else:
            results[name] = ["no error"]
    results["reprs"] = [repr(c) + repr(c._transport) + repr(vars(c)) for c in clients.values()]
    for c in clients.values():
        c.close()
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    p_load = sub.add_parser("load")
    p_load.add_argument("--threads", type=int, required=True)
    p_load.add_argument("--calls", type=int, required=True)
    p_load.add_argument("--nonce-dir", required=True)
    p_secrets = sub.add_parser("secrets")
    p_secrets.add_argument("--fault-url", required=True)
    p_secrets.add_argument("--refused-url", required=True)
    p_secrets.add_argument("--sandbox-url", required=True)
    args = parser.parse_args(argv)
    if args.mode == "load":
        result = load(args.threads, args.calls, args.nonce_dir)
    else:
        result = secrets(args.fault_url, args.refused_url, args.sandbox_url)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
