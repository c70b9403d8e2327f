"""`mtgox-sandbox`: serve the sandbox exchange and manage its accounts.

    mtgox-sandbox serve [--host 127.0.0.1] [--port 0] [--db sandbox.db] [--catalogue endpoints.yaml]
                        [--market-maker [--pair BTCUSD ...]] [--synchronous NORMAL|FULL]
                        [--replay FILE [--speed N|max|stepped] [--from T] [--to T] [--replay-pair P]]
                        [--ticker-interval 1] [--allow-remote] [--access-log]
    mtgox-sandbox add-account --db sandbox.db --name alice --fund BTC=10 --fund USD=10000
                        [--rights get_info,trade,deposit,withdraw] [--fee 0.6]
    mtgox-sandbox add-key --db sandbox.db --name alice [--rights get_info]
    mtgox-sandbox deposit --db sandbox.db --name alice --fund BTC=1
    mtgox-sandbox seed-market --db sandbox.db [--pair BTCUSD ...]
    mtgox-sandbox routes [--catalogue endpoints.yaml]
    mtgox-sandbox check --db sandbox.db

A running sandbox (`--url http://127.0.0.1:PORT`, or $MTGOX_SANDBOX_URL), through its control
surface `/_sandbox/` (loopback only):

    mtgox-sandbox fault add KIND [--path GLOB] [--account KEY|LOGIN] [--times N] [--seconds S]
    mtgox-sandbox fault list | fault clear [ID]
    mtgox-sandbox clock [--advance S | --run-until T | --stop | --speed N | --wall]
    mtgox-sandbox replay [FILE [--speed N|max|stepped] [--from T] [--to T] [--pair P] [--wait]] [--stop]

Exit status: 0 on success, 2 for a usage error (bad argument, non-loopback host without
--allow-remote, invalid catalogue, a bad recording), 1 when `check` finds the books out of
balance or a running sandbox refuses (or cannot be reached).
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
from typing import Any

from mtgox_catalogue import CatalogueError
from mtgox_catalogue.model import Catalogue

from ..api.dispatch import handler_table
from ..api.faults import KINDS
from ..api.routing import Router
from ..core import ledger, marketmaker
from ..core.amounts import AmountError, fee_ppm, parse_funds
from ..core.catalogue import load
from ..core.clock import ClockError, parse_time
from ..core.db import DatabaseError, Tx, connect, transaction
from ..core.exchange import Exchange
from ..core.tape import TapeError
from ..core.tape import load as load_tape
from ..web.limits import Limits
from .options import ExchangeOptions, OptionsError
from .remote import ControlError, Remote
from .scenario import ReplayRequest, parse_speed

URL_ENV = "MTGOX_SANDBOX_URL"


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
    serve.add_argument(
        "--options",
        metavar="JSON",
        help="exchange options as a JSON object, e.g. '{\"public_cache_s\": 10}' (what the pytest fixture passes)",
    )
    serve.add_argument(
        "--public-cache",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="serve public GET answers again for SECONDS, as Mt. Gox cached them for 10 s (default 0: off)",
    )
    history = serve.add_argument_group("replaying recorded history (docs/sandbox.md)")
    history.add_argument(
        "--replay",
        metavar="FILE",
        help="recorded trades to print on the exchange: bitcoincharts or PyAlgoTrade CSV, Mt. Gox's JSON"
        " answers, or a shipped recording's name (mtgox-btcusd-trades-2013-01-01)",
    )
    history.add_argument(
        "--speed",
        default="1",
        metavar="N|max|stepped",
        help="N times the wall clock, as fast as it goes (max), or only when stepped (default 1)",
    )
    history.add_argument("--from", dest="start", metavar="TIME", help="start there (Unix seconds or ISO 8601, UTC)")
    history.add_argument("--to", dest="end", metavar="TIME", help="stop before then")
    history.add_argument(
        "--replay-pair", metavar="PAIR", help="the market it drives (default: the file's, else BTCUSD)"
    )
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

    def url_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--url",
            default=os.environ.get(URL_ENV),
            help=f"the running sandbox, http://127.0.0.1:PORT (default ${URL_ENV})",
        )

    fault = sub.add_parser("fault", help="inject, list or clear faults on a running sandbox")
    fault_sub = fault.add_subparsers(dest="action", required=True)
    add_fault = fault_sub.add_parser("add", help="inject a fault; prints it (with its id)")
    add_fault.add_argument("kind", choices=KINDS)
    add_fault.add_argument("--path", default="*", help="a glob over the API path, e.g. '*/money/order/add' (default *)")
    add_fault.add_argument("--account", help="only the calls of this account (an API key or a login)")
    add_fault.add_argument("--times", type=int, help="that many hits, then it is gone")
    add_fault.add_argument(
        "--seconds", type=float, help="how long it lasts (exchange time); for timeout and lag, the delay"
    )
    url_arg(add_fault)
    url_arg(fault_sub.add_parser("list", help="the faults in force"))
    clear = fault_sub.add_parser("clear", help="clear one fault (by id) or all")
    clear.add_argument("id", nargs="?", type=int)
    url_arg(clear)

    clock = sub.add_parser("clock", help="show or move a running sandbox's clock")
    url_arg(clock)
    move = clock.add_mutually_exclusive_group()
    move.add_argument("--advance", type=float, metavar="SECONDS", help="step the exchange's time on")
    move.add_argument("--run-until", metavar="TIME", help="step it to TIME (Unix seconds or ISO 8601, UTC)")
    move.add_argument("--stop", action="store_true", help="stop it: it moves only when stepped")
    move.add_argument("--speed", type=float, metavar="N", help="run it N times as fast as the wall clock")
    move.add_argument("--wall", action="store_true", help="back to the wall clock")

    rep = sub.add_parser("replay", help="start, show or stop a replay on a running sandbox")
    url_arg(rep)
    rep.add_argument("file", nargs="?", help="the recording to start (none: show the replay)")
    rep.add_argument("--speed", default="1", metavar="N|max|stepped", help="default 1")
    rep.add_argument("--from", dest="start", metavar="TIME", help="start there (Unix seconds or ISO 8601, UTC)")
    rep.add_argument("--to", dest="end", metavar="TIME", help="stop before then")
    rep.add_argument("--pair", help="the market it drives (default: the file's, else BTCUSD)")
    rep.add_argument("--wait", action="store_true", help="wait until it is done, then show it")
    rep.add_argument("--stop", action="store_true", help="stop the replay where it is")
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
    if args.command in ("fault", "clock", "replay"):
        return _control(args)
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
                try:
                    ledger.fund(tx, _account(tx, args), funds)
                except ledger.LedgerError as exc:
                    raise UsageError(str(exc)) from None
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
    replay = _replay_request(args, catalogue)
    background = []
    if args.market_maker:
        background.append(market_maker(_pairs(catalogue, args.pair), args.interval))
    try:
        limits = Limits(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Limits)})
    except ValueError as exc:
        raise UsageError(str(exc).replace("_", "-")) from None

    try:
        options = ExchangeOptions(public_cache_s=args.public_cache, ticker_interval_s=args.ticker_interval)
        options = options.but(_json_options(args.options))
    except OptionsError as exc:
        message = str(exc).replace("public_cache_s", "--public-cache").replace("ticker_interval_s", "--ticker-interval")
        raise UsageError(message) from None

    def build(db: Path, options: ExchangeOptions) -> App:
        return App(
            catalogue,
            db,
            synchronous=args.synchronous,
            background=background,
            limits=limits,
            options=options,
            replay=replay,
        )

    app = build(args.db, options)
    for key in app.services.dispatcher.unimplemented:
        logging.getLogger("mtgox_sandbox").warning("%s is marked stateful but has no handler: answered shape-only", key)
    served: ASGIApp = app
    if args.resettable:
        from .switch import resettable

        served = resettable(app, build, sys.stdin, sys.stdout, options)
    try:
        serve(served, args.host, args.port, limits=limits, access_log=args.access_log)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


def _replay_request(args: argparse.Namespace, catalogue: Catalogue) -> ReplayRequest | None:
    """`--replay FILE ...` checked (the file read once) before anything listens."""
    given = [name for name in ("start", "end", "replay_pair") if getattr(args, name)]
    if args.replay is None:
        if given or args.speed != "1":
            raise UsageError("--speed, --from, --to and --replay-pair go with --replay FILE")
        return None
    try:
        start = None if args.start is None else parse_time(args.start)
        end = None if args.end is None else parse_time(args.end)
        request = ReplayRequest(args.replay, parse_speed(args.speed), start, end, args.replay_pair)
        exchange = Exchange(catalogue)
        tape = load_tape(request.file, exchange.money, exchange.pairs, pair=request.pair, start_us=start, end_us=end)
    except (ClockError, TapeError) as exc:
        raise UsageError(f"--replay: {exc}") from None
    if not len(tape):
        raise UsageError(f"--replay: {tape.path}: no trades between --from and --to")
    return request


def _control(args: argparse.Namespace) -> int:
    """`fault`, `clock` and `replay` against a running sandbox: the answer printed as JSON."""
    if not args.url:
        raise UsageError(f"which sandbox? give --url http://127.0.0.1:PORT (or set ${URL_ENV})")
    remote = Remote(args.url)
    try:
        answer = _control_call(args, remote)
    except ControlError as exc:
        print(f"mtgox-sandbox: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2), flush=True)
    return 0


def _control_call(args: argparse.Namespace, remote: Remote) -> object:
    if args.command == "fault":
        if args.action == "add":
            return remote.fault(args.kind, args.path, account=args.account, times=args.times, seconds=args.seconds)
        if args.action == "list":
            return remote.faults()
        return {"cleared": remote.clear_faults(args.id)}
    if args.command == "clock":
        if args.advance is not None:
            return remote.clock({"advance": args.advance})
        if args.run_until is not None:
            return remote.clock({"run_until": args.run_until})
        if args.stop:
            return remote.clock({"mode": "stepped"})
        if args.speed is not None:
            return remote.clock({"mode": "scaled", "speed": args.speed})
        if args.wall:
            return remote.clock({"mode": "wall"})
        return remote.clock()
    if args.stop:
        return remote.stop_replay()
    if args.file:
        file = str(Path(args.file).resolve()) if Path(args.file).exists() else args.file
        remote.replay(file, speed=args.speed, start=args.start, end=args.end, pair=args.pair)
    return remote.wait_replay() if args.wait else remote.replay_status()


def _json_options(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise UsageError(f"--options {text[:80]!r} is not JSON") from None
    if not isinstance(value, dict):
        raise UsageError("--options must be a JSON object of option names and values")
    return value


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
