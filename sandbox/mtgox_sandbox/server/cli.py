"""`mtgox-sandbox`: serve the sandbox exchange and manage its accounts.

    mtgox-sandbox serve [--host 127.0.0.1] [--port 0] [--db sandbox.db] [--catalogue endpoints.yaml]
                        [--market-maker [--pair BTCUSD ...]] [--synchronous NORMAL|FULL]
                        [--ticker-interval 1] [--allow-remote] [--access-log]
    mtgox-sandbox add-account --db sandbox.db --name alice --fund BTC=10 --fund USD=10000
                        [--rights get_info,trade,deposit,withdraw] [--fee 0.6]
    mtgox-sandbox add-key --db sandbox.db --name alice [--rights get_info]
    mtgox-sandbox deposit --db sandbox.db --name alice --fund BTC=1
    mtgox-sandbox seed-market --db sandbox.db [--pair BTCUSD ...]
    mtgox-sandbox routes [--catalogue endpoints.yaml]
    mtgox-sandbox check --db sandbox.db

Exit status: 0 on success, 2 for a usage error (bad argument, non-loopback host without
--allow-remote, invalid catalogue), 1 when `check` finds the books out of balance.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mtgox_catalogue import CatalogueError
from mtgox_catalogue.model import Catalogue

from ..api.dispatch import handler_table
from ..api.routing import Router
from ..core import ledger, marketmaker
from ..core.amounts import AmountError, fee_ppm, parse_funds
from ..core.catalogue import load
from ..core.db import DatabaseError, Tx, connect, transaction
from ..core.exchange import Exchange
from ..web.limits import Limits


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mtgox-sandbox", description="A local Mt. Gox exchange (HTTP API v0, v1, v2)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rights_help = f"comma-separated key rights, some of {', '.join(ledger.ALL_RIGHTS)} (default %(default)s)"

    def catalogue_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--catalogue", type=Path, help="endpoints.yaml (default: the one shipped with the SDK)")

    def db_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", type=Path, required=True, help="the exchange's SQLite file (created when missing)")

    def fund_arg(p: argparse.ArgumentParser, *, required: bool) -> None:
        p.add_argument(
            "--fund",
            action="append",
            default=[],
            required=required,
            metavar="CUR=AMOUNT",
            help="credit AMOUNT of currency CUR, e.g. BTC=10 (repeat for several)",
        )

    def who_args(p: argparse.ArgumentParser) -> None:
        who = p.add_mutually_exclusive_group(required=True)
        who.add_argument("--name", help="the account's login")
        who.add_argument("--key", help="any API key of the account")

    serve = sub.add_parser("serve", help="run the exchange")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    serve.add_argument("--port", type=int, default=0, help="port to listen on; 0 (the default) picks a free one")
    serve.add_argument(
        "--db", type=Path, help="the exchange's SQLite file (created when missing; default: a temporary one)"
    )
    catalogue_arg(serve)
    serve.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    serve.add_argument(
        "--synchronous",
        choices=("NORMAL", "FULL"),
        default="NORMAL",
        help="SQLite durability: NORMAL survives a killed process, FULL power loss too (default %(default)s)",
    )
    serve.add_argument("--market-maker", action="store_true", help="keep a ladder of orders on the --pair books")
    serve.add_argument(
        "--pair", action="append", default=None, help="a pair for --market-maker (repeatable; default BTCUSD)"
    )
    serve.add_argument(
        "--interval", type=float, default=5.0, metavar="SECONDS", help="market maker re-quote interval (default 5)"
    )
    serve.add_argument(
        "--ticker-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="send each subscribed pair's ticker this often, as Mt. Gox did, even when nothing "
        "happened; 0 sends one only when its book or trades change (default %(default)g)",
    )
    serve.add_argument("--access-log", action="store_true", help="print one line per request on stderr")
    defaults = Limits()
    guard = serve.add_argument_group("limits on slow, idle and greedy clients")
    for flag, kind, metavar, text in (
        ("--header-timeout", float, "SECONDS", "close a connection whose request headers take longer"),
        ("--body-timeout", float, "SECONDS", "refuse a request whose body takes longer (408)"),
        ("--idle-timeout", float, "SECONDS", "close a connection idle that long (from its start or between requests)"),
        ("--max-connections", int, "N", "answer 503 and close connections past N"),
        ("--max-header-bytes", int, "BYTES", "largest request line + headers (431)"),
        ("--max-body-bytes", int, "BYTES", "largest request body, refused from its Content-Length (413)"),
    ):
        default = getattr(defaults, flag[2:].replace("-", "_"))
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        guard.add_argument(flag, type=kind, default=default, metavar=metavar, help=f"{text} (default {shown})")
    serve.add_argument(
        "--resettable",
        action="store_true",
        help="read `reset DB` lines on stdin and serve a fresh exchange over the new database DB "
        "(the pytest fixture's per-test reset); exit when stdin closes",
    )

    add = sub.add_parser("add-account", help="create an account and print its API key and secret")
    db_arg(add)
    add.add_argument("--name", help="login (default: made up)")
    fund_arg(add, required=False)
    add.add_argument("--rights", default=",".join(ledger.DEFAULT_RIGHTS), help=rights_help)
    add.add_argument("--fee", metavar="PERCENT", help="trade fee in percent (default 0.6)")
    catalogue_arg(add)

    key = sub.add_parser(
        "add-key",
        help="give an existing account one more API key (own rights, own nonce sequence); prints it",
        description="Mt. Gox let a user create several API keys, each with its own rights and nonces: "
        "this is how two clients with different nonce clocks share one account.",
    )
    db_arg(key)
    who_args(key)
    key.add_argument("--rights", default=",".join(ledger.DEFAULT_RIGHTS), help=rights_help)
    catalogue_arg(key)

    dep = sub.add_parser("deposit", help="credit an existing account")
    db_arg(dep)
    who_args(dep)
    fund_arg(dep, required=True)
    catalogue_arg(dep)

    seed = sub.add_parser("seed-market", help="place a market maker's ladder of bids and asks")
    db_arg(seed)
    seed.add_argument("--pair", action="append", default=None, help="a pair to seed (repeatable; default BTCUSD)")
    catalogue_arg(seed)

    routes = sub.add_parser("routes", help="list every route and how it is answered")
    catalogue_arg(routes)

    check = sub.add_parser("check", help="verify the ledger's invariants (exit 1 when broken)")
    db_arg(check)
    return parser


def _pairs(catalogue: Catalogue, given: list[str] | None) -> list[str]:
    pairs = [p.upper() for p in given] if given else ["BTCUSD"]
    unknown = [p for p in pairs if p not in catalogue.pairs]
    if unknown:
        raise UsageError(f"unknown pair(s): {', '.join(unknown)}")
    return pairs


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="mtgox-sandbox: %(levelname)s %(message)s", stream=sys.stderr)
    if args.command == "check":
        conn = connect(args.db)
        with transaction(conn, write=False) as tx:
            problems = ledger.check_invariants(tx)
        conn.close()
        for p in problems:
            print(p)
        if not problems:
            print(f"ok: {args.db}: the books balance (every currency's balances equal what crossed the border)")
        return 1 if problems else 0
    catalogue = load(args.catalogue)
    if args.command == "serve":
        return _serve(args, catalogue)
    if args.command == "routes":
        return _routes(catalogue)
    conn = connect(args.db)
    try:
        with transaction(conn) as tx:
            if args.command == "add-account":
                funds = _funds(args.fund, catalogue)
                try:
                    creds = ledger.create_account(
                        tx, args.name, rights=ledger.parse_rights(args.rights), fee_ppm=fee_ppm(args.fee)
                    )
                except (ledger.LedgerError, AmountError) as exc:
                    raise UsageError(str(exc)) from None
                ledger.fund(tx, creds.account_id, funds)
                print(json.dumps({"key": creds.key, "secret": creds.secret}), flush=True)
            elif args.command == "add-key":
                try:
                    key, secret = ledger.add_key(tx, _account(tx, args), ledger.parse_rights(args.rights))
                except ledger.LedgerError as exc:
                    raise UsageError(str(exc)) from None
                print(json.dumps({"key": key, "secret": secret}), flush=True)
            elif args.command == "deposit":
                funds = _funds(args.fund, catalogue)
                ledger.fund(tx, _account(tx, args), funds)
            elif args.command == "seed-market":
                placed = marketmaker.seed(tx, Exchange(catalogue), _pairs(catalogue, args.pair))
                print(f"placed {placed} orders", flush=True)
    finally:
        conn.close()
    return 0


def _funds(items: Sequence[str], catalogue: Catalogue) -> dict[str, int]:
    try:
        return parse_funds(items, catalogue.currencies)
    except AmountError as exc:
        raise UsageError(f"--fund {exc}") from None


def _account(tx: Tx, args: argparse.Namespace) -> int:
    """The account named by --name or --key."""
    account = ledger.account_by_login(tx, args.name) if args.name else ledger.account_by_key(tx, args.key)
    if account is None:
        raise UsageError("no such account")
    return account


def _serve(args: argparse.Namespace, catalogue: Catalogue) -> int:
    # imported here so that the account commands do not load uvicorn
    from ..web.types import ASGIApp
    from .app import App
    from .background import market_maker
    from .serve import binds_loopback_only, serve

    if not args.allow_remote and not binds_loopback_only(args.host):
        raise UsageError(f"--host {args.host} is not a loopback address; add --allow-remote to serve it anyway")
    if args.db is None:
        with tempfile.TemporaryDirectory(prefix="mtgox-sandbox-") as tmp:
            args.db = Path(tmp) / "sandbox.db"
            print(f"mtgox-sandbox: no --db: a temporary database at {args.db}, deleted on exit", file=sys.stderr)
            return _serve(args, catalogue)
    try:  # the database opens (and its schema is current) before anything listens
        connect(args.db, args.synchronous).close()
    except (sqlite3.Error, DatabaseError, OSError) as exc:
        raise UsageError(f"cannot use the database {args.db}: {exc}") from None
    if not args.ticker_interval >= 0:
        raise UsageError("--ticker-interval must be 0 (off) or a positive number of seconds")
    background = []
    if args.market_maker:
        background.append(market_maker(_pairs(catalogue, args.pair), args.interval))
    try:
        limits = Limits(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Limits)})
    except ValueError as exc:
        raise UsageError(str(exc).replace("_", "-")) from None

    def build(db: Path) -> App:
        return App(
            catalogue,
            db,
            synchronous=args.synchronous,
            background=background,
            limits=limits,
            ticker_interval=args.ticker_interval,
        )

    app = build(args.db)
    for key in app.services.dispatcher.unimplemented:
        logging.getLogger("mtgox_sandbox").warning("%s is marked stateful but has no handler: answered shape-only", key)
    served: ASGIApp = app
    if args.resettable:
        from .switch import resettable

        served = resettable(app, build, sys.stdin, sys.stdout)
    try:
        serve(served, args.host, args.port, limits=limits, access_log=args.access_log)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


def _routes(catalogue: Catalogue) -> int:
    router = Router(catalogue)
    handlers, unimplemented = handler_table(catalogue)
    for version, spelling, key, tier in router.table():
        mode = "stateful" if key in handlers else "canned"
        print(f"{version}  {spelling:<48} {key:<36} {mode}{'  (derived)' if tier == 2 else ''}")
    for key in unimplemented:
        print(f"UNIMPLEMENTED: {key} is marked stateful but has no handler")
    for version, spelling, kept, refused in router.conflicts:
        print(f"CONFLICT: {version} {spelling}: {kept} keeps it, {refused} does not")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except UsageError as exc:
        print(f"mtgox-sandbox: {exc}", file=sys.stderr)
        return 2
    except CatalogueError as exc:
        print(f"mtgox-sandbox: the catalogue is invalid:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `mtgox-sandbox routes | head`: the reader left; say nothing more, and let the
        # interpreter's final flush of stdout go nowhere instead of raising again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
