"""Apply each hand-written mutant to a scratch copy of the repository and run the tests that must catch it.

    make mutants                                   # every mutant
    .venv/bin/python tests/mutation/run.py --only jpy-divisor-1e5 --keep

Each mutant is a deliberate bug: an exact text edit of one or more files (the edit must match
exactly once, so a refactoring that moves the code makes the mutant fail loudly instead of
silently testing nothing). For each one the repository is copied into a temporary directory
(the real tree is never touched), the edits are applied, `generated/` is regenerated when the
catalogue changed, and the listed tests run there against the copy's code: the copy's source
folders go first on PYTHONPATH, ahead of the editable install. "caught" means the tests failed;
"survived" means they passed with the bug in. Before the mutants, the same tests run on an
unmutated copy: a failure there makes every verdict meaningless, so the run stops.

Not part of `make test` (about a minute per dozen mutants on a quiet machine).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("runtime", "generated", "catalogue", "codegen", "sandbox")
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.egg-info", "build", "dist"
)
TEST_TIMEOUT = 900  # seconds for one mutant's tests: generous, a guard against a hang only

CONTRACT = "tests/contract"
GOLDEN = f"{CONTRACT}/test_golden_requests.py"
IDEMPOTENCY = f"{CONTRACT}/test_idempotency.py"
RECORDED_STRINGS = f"{CONTRACT}/test_recorded_strings.py"
#: Generated models read decimals inline on their fast path and through `_parse` on the checked
#: one: this property test holds the two to the same answer.
FAST_VS_CHECKED = "tests/stream/test_parse_properties.py"
SURVIVORS = f"{CONTRACT}/test_surviving_mutants.py"
#: The command line's tests and the generated code's: what the CLI and template mutants must fail.
CLI = "tests/cli"
CODEGEN = "tests/codegen"
EDGES = f"{CONTRACT}/test_optional_edges.py"
STREAM_CALLS = "tests/stream/test_stream_calls.py"
#: The sandbox's engine, ledger and authentication, in-process: what the exchange mutants must fail.
ENGINE = "tests/engine"
AUTH = "tests/engine/test_authentication.py"
SESSION = (
    "tests/stream/test_stream_session.py",
    "tests/stream/test_stream_session_states.py",
    "tests/stream/test_stream_session_details.py",
)


@dataclass(frozen=True)
class Edit:
    path: str  # relative to the repository
    old: str  # must occur exactly once
    new: str


@dataclass(frozen=True)
class Mutant:
    name: str
    bug: str
    edits: tuple[Edit, ...]
    tests: tuple[str, ...]
    regenerate: bool = False


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "jpy-divisor-1e5",
        "JPY catalogued with 5 decimals (divisor 1e5) instead of 3",
        (
            Edit(
                "endpoints.yaml",
                "JPY: {name: Yen, divisor: 1000, decimals: 3,",
                "JPY: {name: Yen, divisor: 100000, decimals: 5,",
            ),
        ),
        (GOLDEN,),
        regenerate=True,
    ),
    Mutant(
        "sek-divisor-1e5",
        "SEK catalogued with 5 decimals, as one older client had it",
        (
            Edit(
                "endpoints.yaml",
                "SEK: {name: Swedish Krona, divisor: 1000, decimals: 3,",
                "SEK: {name: Swedish Krona, divisor: 100000, decimals: 5,",
            ),
        ),
        (GOLDEN,),
        regenerate=True,
    ),
    Mutant(
        "v2-order-add-idempotent",
        "v2 order_add marked idempotent, so a lost answer places the order again",
        (
            Edit(
                "endpoints.yaml",
                '- path: "{pair}/money/order/add"\n      http: POST\n      auth: path_body_hmac\n'
                "      rights: [trade]\n      idempotent: false",
                '- path: "{pair}/money/order/add"\n      http: POST\n      auth: path_body_hmac\n'
                "      rights: [trade]\n      idempotent: true",
            ),
        ),
        (IDEMPOTENCY,),
        regenerate=True,
    ),
    Mutant(
        "v1-order-cancel-idempotent",
        "v1 order_cancel marked idempotent",
        (
            Edit(
                "endpoints.yaml",
                '- path: "{pair}/private/order/cancel"\n      http: POST\n      auth: body_hmac\n'
                "      rights: [trade]\n      idempotent: false",
                '- path: "{pair}/private/order/cancel"\n      http: POST\n      auth: body_hmac\n'
                "      rights: [trade]\n      idempotent: true",
            ),
        ),
        (IDEMPOTENCY,),
        regenerate=True,
    ),
    Mutant(
        "check-exits-0-on-drift",
        "`mtgox-codegen --check` reports drift but exits 0",
        (
            Edit(
                "codegen/mtgox_codegen/__main__.py",
                'is out of date with {catalogue_path}: run `make generate`", file=sys.stderr)\n'
                "                return 1",
                'is out of date with {catalogue_path}: run `make generate`", file=sys.stderr)\n'
                "                return 0",
            ),
        ),
        ("tests/codegen/test_cli.py",),
    ),
    Mutant(
        "avg-cost-1000x",
        "sandbox order_result divides avg_cost by the quote's divisor instead of the base's",
        (
            Edit(
                "sandbox/mtgox_sandbox/api/handlers/trading.py",
                "divisor = call.money[base].divisor",
                "divisor = call.money[quote].divisor",
            ),
        ),
        (SURVIVORS,),
    ),
    Mutant(
        "runtime-is-loopback-suffix",
        "the SDK takes any host ending in 'localhost' for loopback (plain http allowed there)",
        (
            Edit(
                "runtime/mtgox_runtime/_config.py",
                'if host == "localhost":',
                'if host.endswith("localhost"):',
            ),
        ),
        (SURVIVORS,),
    ),
    Mutant(
        "sandbox-is-loopback-suffix",
        "the sandbox serves on any host ending in 'localhost' without --allow-remote",
        (
            Edit(
                "sandbox/mtgox_sandbox/web/netaddr.py",
                'if host == "localhost":',
                'if host.endswith("localhost"):',
            ),
        ),
        (SURVIVORS,),
    ),
    Mutant(
        "sandbox-unsigned-query-wins",
        "the sandbox lets unsigned query parameters override the signed body of a private call",
        (
            Edit("sandbox/mtgox_sandbox/api/requests.py", "        if unsigned:\n", "        if unsigned and False:\n"),
            Edit(
                "sandbox/mtgox_sandbox/api/requests.py",
                "match.path_params, dict(body_fields), body_fields,",
                "match.path_params, {**body_fields, **dict(query)}, body_fields,",
            ),
        ),
        ("tests/sandbox/test_sandbox_signed_bytes.py",),
    ),
    Mutant(
        "sdk-v0-rounding",
        "the SDK rounds a v0 decimal with too many places (half up) instead of refusing it",
        (
            Edit(
                "runtime/mtgox_runtime/_encode.py",
                "    money_int(value, decimals, param, currency, minimum, maximum)  # the same checks\n"
                "    d = as_decimal(value, param)\n",
                "    d = as_decimal(value, param).quantize(Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_UP)\n"
                "    money_int(d, decimals, param, currency, minimum, maximum)\n",
            ),
        ),
        (SURVIVORS, GOLDEN),
    ),
    Mutant(
        "sandbox-v0-rounding",
        "the sandbox rounds a v0 decimal amount with too many places instead of refusing it",
        (
            Edit(
                "sandbox/mtgox_sandbox/core/amounts.py",
                "    if scaled != scaled.to_integral_value():\n",
                "    scaled = scaled.quantize(Decimal(1), rounding='ROUND_HALF_UP')\n"
                "    if scaled != scaled.to_integral_value():\n",
            ),
        ),
        (SURVIVORS,),
    ),
    Mutant(
        "sdk-money-int-float-fallback",
        "large amounts go through a float on their way to *_int (a fallback past 2**53 units)",
        (
            Edit(
                "runtime/mtgox_runtime/_encode.py",
                "        units = int(scaled)\n",
                "        units = int(scaled) if scaled < 2**53 else int(float(d) * 10**decimals)\n",
            ),
        ),
        (GOLDEN,),
    ),
    Mutant(
        "parse-decimal-float-round-trip",
        "decimal strings in responses pass through a float (trailing zeros and long values lost)",
        (
            Edit(
                "runtime/mtgox_runtime/_parse.py",
                "            d = Decimal(value)\n        except InvalidOperation:\n",
                "            d = Decimal(repr(float(value)))\n        except (InvalidOperation, ValueError):\n",
            ),
        ),
        (RECORDED_STRINGS, FAST_VS_CHECKED),
    ),
    # -- bugs chosen from outside the project: the command line and the templates' output -------
    Mutant(
        "cli-options-by-truthiness",
        "the command line drops options whose value is falsy: --since 0 and --no-green are never sent",
        (
            Edit(
                "runtime/mtgox_runtime/cli/_args.py",
                "for o in options if values.get(o.name) is not None}",
                "for o in options if values.get(o.name)}",
            ),
        ),
        (CLI,),
    ),
    Mutant(
        "cli-unknown-error-exits-0",
        "an SDK error of no listed kind exits 0, so a script takes the failure for success",
        (
            Edit(
                "runtime/mtgox_runtime/cli/_exit.py", "    return ExitStatus.API_ERROR\n", "    return ExitStatus.OK\n"
            ),
        ),
        (CLI,),
    ),
    Mutant(
        "cli-trades-sorted-as-text",
        "`mtgox trades` orders tids as text, so 999 counts as newer than 1000",
        (
            Edit(
                "runtime/mtgox_runtime/cli/_verbs.py",
                'return (int(tid), "") if tid.isdecimal() and len(tid) < 40 else (-1, tid)',
                "return (0, tid)",
            ),
        ),
        (CLI,),
    ),
    Mutant(
        "cli-history-misses-last-page",
        "`mtgox history --all` stops one page short (range end off by one)",
        (Edit("runtime/mtgox_runtime/cli/_verbs.py", "range(2, last + 1)", "range(2, last)"),),
        (CLI,),
    ),
    Mutant(
        "cli-book-total-lags-a-level",
        "the ladder's cumulative total is recorded before the level's own amount is added",
        (
            Edit(
                "runtime/mtgox_runtime/cli/_verbs.py",
                "        total += entry.amount\n        out.append((entry, total))\n",
                "        out.append((entry, total))\n        total += entry.amount\n",
            ),
        ),
        (CLI,),
    ),
    Mutant(
        "cli-spread-reversed",
        "the ladder's spread is bid minus ask: negative on every normal book",
        (
            Edit(
                "runtime/mtgox_runtime/cli/_verbs.py",
                "spread = asks[0][0].price - bids[0][0].price",
                "spread = bids[0][0].price - asks[0][0].price",
            ),
        ),
        (CLI,),
    ),
    Mutant(
        "cli-json-decimal-exponent",
        "`--json` writes Decimals with str(): 0.00000001 BTC becomes 1E-8",
        (
            Edit(
                "runtime/mtgox_runtime/cli/_jsonio.py",
                'return format(value, "f")  # every digit',
                "return str(value)  # every digit",
            ),
        ),
        (CLI,),
    ),
    Mutant(
        "cli-watch-count-one-extra",
        "`--watch --count N` shows N + 1 updates",
        (
            Edit(
                "runtime/mtgox_runtime/cli/_watch.py",
                "            if shown == count:\n",
                "            if shown == count + 1:\n",
            ),
        ),
        (CLI,),
    ),
    Mutant(
        "cli-money-through-float",
        "a money option is read through a float: --price 0.1 is not 0.1",
        (Edit("runtime/mtgox_runtime/cli/_args.py", "return Decimal(text)", "return Decimal(float(text))"),),
        (CLI,),
    ),
    Mutant(
        "view-sends-python-names",
        "the view gives each parameter its Python name as wire name: price is sent, not price_int",
        (Edit("codegen/mtgox_codegen/pyview.py", "            wire=p.wire,\n", "            wire=p.python,\n"),),
        (GOLDEN, EDGES),
        regenerate=True,
    ),
    Mutant(
        "view-v0-price-in-default-currency",
        "a v0 price is scaled by the default currency's places whatever Currency says (JPY price as USD)",
        (
            Edit(
                "codegen/mtgox_codegen/pyview.py",
                'chosen = f"{ref.python} or {unit.default!r}" if unit.default else ref.python',
                "chosen = repr(unit.default) if unit.default else ref.python",
            ),
        ),
        (GOLDEN, EDGES),
        regenerate=True,
    ),
    Mutant(
        "template-stream-market-swapped",
        "the stream call template unpacks the pair as (currency, item)",
        (
            Edit(
                "codegen/mtgox_codegen/templates/stream.py.jinja",
                "        item, currency = _market({{ cv.pair }})",
                "        currency, item = _market({{ cv.pair }})",
            ),
        ),
        (STREAM_CALLS, EDGES),
        regenerate=True,
    ),
    Mutant(
        "cliview-nothing-required",
        "the command table marks every option optional, so a missing --amount reaches the SDK as a TypeError",
        (Edit("codegen/mtgox_codegen/cliview.py", '        f"required={p.required}",', '        "required=False",'),),
        (CLI,),
        regenerate=True,
    ),
    Mutant(
        "json-numbers-float-round-trip",
        "JSON numbers decoded through a float before becoming Decimal",
        (
            Edit(
                "runtime/mtgox_runtime/_envelope.py",
                "json.loads(content, parse_float=Decimal, parse_constant=_refuse_constant)",
                "json.loads(content, parse_float=lambda s: Decimal(repr(float(s))), parse_constant=_refuse_constant)",
            ),
        ),
        (RECORDED_STRINGS,),
    ),
    # -- bugs chosen from outside the project: the exchange (engine, ledger, auth) and the session --
    Mutant(
        "engine-newest-first-at-a-price",
        "a bid meets the asks at one price newest first (time priority reversed)",
        (
            Edit(
                "sandbox/mtgox_sandbox/core/engine.py",
                '    " ORDER BY price, priority LIMIT 1",\n    ("bid", False):',
                '    " ORDER BY price, priority DESC LIMIT 1",\n    ("bid", False):',
            ),
        ),
        (ENGINE,),
    ),
    Mutant(
        "engine-buyer-fee-truncated",
        "the buyer's fee is truncated instead of rounded half up",
        (
            Edit(
                "sandbox/mtgox_sandbox/core/engine.py",
                "bid_fee = round_div(fill * bid_ppm, PPM)",
                "bid_fee = fill * bid_ppm // PPM",
            ),
        ),
        (ENGINE,),
    ),
    Mutant(
        "engine-bid-holds-the-floor",
        "a resting bid holds floor(remaining x price) after a fill, a unit less than it may spend",
        (
            Edit(
                "sandbox/mtgox_sandbox/core/engine.py",
                "held = ceil_div(bid.remaining * bid.price, divisor)",
                "held = bid.remaining * bid.price // divisor",
            ),
        ),
        (ENGINE,),
    ),
    Mutant(
        "engine-exact-funds-not-enough",
        "an order the account can cover exactly is invalid (more than needed is asked for)",
        (
            Edit(
                "sandbox/mtgox_sandbox/core/engine.py",
                "if ledger.available(tx, order.account_id, order.reserve_currency) < needed:",
                "if ledger.available(tx, order.account_id, order.reserve_currency) <= needed:",
            ),
        ),
        (ENGINE,),
    ),
    Mutant(
        "engine-self-trade-copied-twice",
        "a self-trade puts two copies of the trade on the account's private channel",
        (
            Edit(
                "sandbox/mtgox_sandbox/core/engine.py",
                "accounts = tuple(dict.fromkeys((bid.account_id, ask.account_id)))",
                "accounts = (bid.account_id, ask.account_id)",
            ),
        ),
        (ENGINE,),
    ),
    Mutant(
        "engine-cancel-frees-the-amount",
        "a cancel frees the order's remaining BTC amount instead of what it holds (a bid's USD)",
        (
            Edit(
                "sandbox/mtgox_sandbox/core/engine.py",
                'ledger.reserve(tx, account_id, row["reserve_currency"], -int(row["reserved"]))',
                'ledger.reserve(tx, account_id, row["reserve_currency"], -int(row["remaining"]))',
            ),
        ),
        (ENGINE,),
    ),
    Mutant(
        "ledger-available-ignores-holds",
        "what open orders hold counts as available again",
        (Edit("sandbox/mtgox_sandbox/core/ledger.py", "    return balance - reserved\n", "    return balance\n"),),
        (ENGINE,),
    ),
    Mutant(
        "ledger-history-balance-before",
        "a history row (and its wallet message) carries the balance before the change",
        (
            Edit(
                "sandbox/mtgox_sandbox/core/ledger.py",
                "balance, index = int(row[0]), int(row[1])",
                "balance, index = int(row[0]) - delta, int(row[1])",
            ),
        ),
        (ENGINE,),
    ),
    Mutant(
        "auth-nonce-may-repeat",
        "a nonce equal to the key's last one is taken (a replayed request runs twice)",
        (Edit("sandbox/mtgox_sandbox/api/auth.py", "AND last_nonce < ?", "AND last_nonce <= ?"),),
        (AUTH,),
    ),
    Mutant(
        "auth-tonce-window-edge-refused",
        "a tonce exactly at the window's edge is refused",
        (
            Edit(
                "sandbox/mtgox_sandbox/api/auth.py",
                "abs(tonce - now_us) > self.window_us",
                "abs(tonce - now_us) >= self.window_us",
            ),
        ),
        (AUTH,),
    ),
    Mutant(
        "auth-every-right-required",
        "a key needs all of an endpoint's rights instead of any one",
        (
            Edit(
                "sandbox/mtgox_sandbox/api/auth.py",
                "if rights and not info.rights.intersection(rights):",
                "if rights and not info.rights.issuperset(rights):",
            ),
        ),
        (AUTH,),
    ),
    Mutant(
        "session-any-ack-private-live",
        "any subscribe acknowledgement after the idkey was sent counts as the private channel's",
        (
            Edit(
                "runtime/mtgox_runtime/stream/_session.py",
                "if isinstance(channel, str) and channel not in self.spec.by_id and self._private",
                "if isinstance(channel, str) and self._private",
            ),
        ),
        SESSION,
    ),
    Mutant(
        "session-idkey-at-expiry",
        "the idkey is refreshed only when its whole lifetime is over (the private channel lapses first)",
        (
            Edit(
                "runtime/mtgox_runtime/stream/_session.py",
                "return self.settings.idkey_refresh_s or self.spec.info.idkey_lifetime_s / 2",
                "return self.settings.idkey_refresh_s or self.spec.info.idkey_lifetime_s",
            ),
        ),
        SESSION,
    ),
    Mutant(
        "session-heartbeat-after-rx",
        "the Socket.IO heartbeat is timed from the last message received, not the last sent",
        (
            Edit(
                "runtime/mtgox_runtime/stream/_session.py",
                'self.phase == "open" and now - self._last_tx >= self._heartbeat:',
                'self.phase == "open" and now - self._last_rx >= self._heartbeat:',
            ),
        ),
        SESSION,
    ),
    Mutant(
        "session-unsubs-lost-on-rejoin",
        "after a reconnection the channels the user left are not left again (the server's defaults return)",
        (
            Edit(
                "runtime/mtgox_runtime/stream/_session.py",
                "        for op in self._unsubs.values():\n            self._send(act, op, now)\n",
                "",
            ),
        ),
        SESSION,
    ),
)


def copy_repo(into: Path) -> Path:
    target = into / "repo"
    shutil.copytree(REPO, target, ignore=IGNORED, symlinks=True)
    return target


def environment(copy: Path) -> dict[str, str]:
    paths = [str(copy / d) for d in SOURCE_DIRS] + [str(copy)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def apply(copy: Path, mutant: Mutant) -> None:
    for edit in mutant.edits:
        path = copy / edit.path
        text = path.read_text(encoding="utf-8")
        found = text.count(edit.old)
        if found != 1:
            raise SystemExit(f"{mutant.name}: {edit.path} holds the text to replace {found} times, not once")
        path.write_text(text.replace(edit.old, edit.new), encoding="utf-8")


def run(command: list[str], copy: Path, timeout: float = TEST_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own interpreter and arguments
        command, cwd=copy, env=environment(copy), capture_output=True, text=True, timeout=timeout, check=False
    )


def imports_the_copy(copy: Path) -> bool:
    probe = "import mtgox, mtgox_runtime, mtgox_sandbox, mtgox_catalogue, mtgox_codegen as m; print(m.__file__)"
    names = "\n".join(f"print({n}.__file__)" for n in ("mtgox", "mtgox_runtime", "mtgox_sandbox", "mtgox_catalogue"))
    result = run([sys.executable, "-c", probe + "\n" + names], copy)
    files = result.stdout.split()
    return result.returncode == 0 and len(files) == 5 and all(Path(f).is_relative_to(copy) for f in files)


def pytest_command(tests: tuple[str, ...]) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]


@dataclass
class Verdict:
    mutant: Mutant
    outcome: str  # caught, survived, broken (the mutant could not be built)
    seconds: float
    detail: str


def judge(mutant: Mutant, scratch: Path) -> Verdict:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f"{mutant.name}-", dir=scratch))
    copy = copy_repo(work)
    apply(copy, mutant)
    if mutant.regenerate:
        generated = run([sys.executable, "-m", "mtgox_codegen"], copy)
        if generated.returncode != 0:
            tail = (generated.stderr or generated.stdout).strip().splitlines()[-3:]
            return Verdict(mutant, "broken", time.monotonic() - started, "regeneration failed: " + " | ".join(tail))
    result = run(pytest_command(mutant.tests), copy)
    lines = result.stdout.strip().splitlines()
    summary = (lines or ["(no output)"])[-1]
    outcome = "survived" if result.returncode == 0 else "caught"
    # -x stops at the first failure: name the test that caught the mutant
    failed = next((line.removeprefix("FAILED ").split(" - ")[0] for line in lines if line.startswith("FAILED ")), None)
    if failed is not None:
        summary = f"{summary}; by {failed}"
    if result.returncode not in (0, 1):  # an error, not a failing assertion: say so
        summary = f"pytest exit {result.returncode}: {summary}"
    shutil.rmtree(work, ignore_errors=True)
    return Verdict(mutant, outcome, time.monotonic() - started, summary)


def baseline(mutants: tuple[Mutant, ...], scratch: Path) -> str | None:
    """None when the tests pass on an unmutated copy that imports its own code; else why not."""
    copy = copy_repo(Path(tempfile.mkdtemp(prefix="baseline-", dir=scratch)))
    if not imports_the_copy(copy):
        return "the scratch copy does not import its own packages (PYTHONPATH is not ahead of the install)"
    tests = tuple(dict.fromkeys(t for m in mutants for t in m.tests))
    result = run(pytest_command(tests), copy)
    if result.returncode != 0:
        return "the tests fail without any mutant:\n" + result.stdout[-3000:]
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the hand-written mutants against scratch copies.")
    parser.add_argument("--only", action="append", default=[], help="run this mutant only (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument(
        "--against",
        action="append",
        default=[],
        help="run these tests for every mutant instead of its own (repeatable): to see what an older suite misses",
    )
    args = parser.parse_args(argv)
    if args.list:
        for m in MUTANTS:
            print(f"{m.name:32} {m.bug}")
        return 0
    unknown = set(args.only) - {m.name for m in MUTANTS}
    if unknown:
        parser.error(f"unknown mutant(s): {', '.join(sorted(unknown))}")
    chosen = tuple(m for m in MUTANTS if not args.only or m.name in args.only)
    if args.against:
        chosen = tuple(dataclasses.replace(m, tests=tuple(args.against)) for m in chosen)
    scratch = Path(tempfile.mkdtemp(prefix="mtgox-mutants-"))
    try:
        problem = baseline(chosen, scratch)
        if problem is not None:
            print(f"baseline: {problem}", file=sys.stderr)
            return 2
        verdicts = []
        for mutant in chosen:
            verdict = judge(mutant, scratch)
            verdicts.append(verdict)
            print(f"{verdict.outcome:8} {mutant.name:32} {verdict.seconds:6.1f}s  {verdict.detail}", flush=True)
        caught = sum(v.outcome == "caught" for v in verdicts)
        print(f"{caught} of {len(verdicts)} mutants caught", flush=True)
        return 0 if caught == len(verdicts) else 1
    finally:
        if args.keep:
            print(f"scratch kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
