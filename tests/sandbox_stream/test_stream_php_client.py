"""The official Mt. Gox PHP socket client (MtGox/websocket on GitHub, `php5.3/`, 2013) against the
sandbox, changed only where the issue allows: its URL, and PHP 8's fatal `continue` outside a
loop in `SocketIO::handleData` made a `return`. It upgrades Socket.IO's websocket with Hixie's
draft 75, signs calls with `params: []`, escaped `\\/` and string nonces, and subscribes its
private channel with an idkey.

The client has no licence (its composer.json says `"license": ""`), so it is not copied into
this repository, and no package registry reachable here carries it (Packagist is not one of
them). The test runs it from `MTGOX_PHP_CLIENT_DIR` (a folder with `SocketIO.class.php` and
`MtGoxSocket.class.php`, as in the repository's `php5.3/`) or `.cache/interop/mtgox-websocket/
php5.3`, and skips, saying so, when neither holds it; PHP comes from `make php` (Debian's
php-cli and php-curl, as root), or `MTGOX_PHP` names another binary.

The client handles one frame per socket read: frames that arrive together wait in its buffer
for the next arrival, so on a quiet connection it stalls until a heartbeat (30 s). Mt. Gox's
tickers, several a second across its channels, kept it moving; the test's sandbox repeats them
every 0.1 s for the same reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).resolve().parent / "interop" / "php_client.php"
FILES = ("SocketIO.class.php", "MtGoxSocket.class.php")
ORIGINAL_URL = "'https://socketio.mtgox.com/mtgox'"
PHP8_FATAL = "if ($n == 0) continue;\n\t\t$this->prvHandleData();\n\t}"
PHP8_FIXED = "if ($n == 0) return;\n\t\t$this->prvHandleData();\n\t}"


def client_dir() -> Path:
    for candidate in (
        os.environ.get("MTGOX_PHP_CLIENT_DIR"),
        ROOT / ".cache" / "interop" / "mtgox-websocket" / "php5.3",
    ):
        if candidate and all((Path(candidate) / name).is_file() for name in FILES):
            return Path(candidate)
    pytest.skip(
        "the official Mt. Gox PHP client is not here: it has no licence, so it is not vendored, and no "
        "reachable registry carries it; put its php5.3/ files (MtGox/websocket on GitHub) in "
        "MTGOX_PHP_CLIENT_DIR or .cache/interop/mtgox-websocket/php5.3 to run this test"
    )


def php() -> str:
    found = os.environ.get("MTGOX_PHP") or shutil.which("php")
    if found is None:
        pytest.skip("PHP is not installed (`make php` installs Debian's php-cli and php-curl as root)")
    modules = subprocess.run([found, "-m"], capture_output=True, text=True, check=True).stdout.split()
    if "curl" not in modules:
        pytest.skip("PHP's curl extension is not installed (`make php` installs php-curl)")
    return found


def edited_copy(source: Path, target: Path, url: str) -> Path:
    """The client with exactly the two allowed edits (each must apply once, or the copy is not it)."""
    target.mkdir()
    socketio = (source / "SocketIO.class.php").read_text()
    mtgox = (source / "MtGoxSocket.class.php").read_text()
    assert socketio.count(PHP8_FATAL) == 1 and mtgox.count(ORIGINAL_URL) == 1, "not the 2013 php5.3/ client"
    (target / "SocketIO.class.php").write_text(socketio.replace(PHP8_FATAL, PHP8_FIXED))
    (target / "MtGoxSocket.class.php").write_text(mtgox.replace(ORIGINAL_URL, repr(url)))
    return target


def events(output: str) -> list[tuple[str, Any]]:
    out = []
    for line in output.splitlines():
        if line.startswith("EVENT "):
            event = json.loads(line[6:])
            out.append((event["what"], event["data"]))
    return out


@pytest.mark.sandbox(ticker_interval_s=0.1)
def test_the_official_php_client_calls_and_sees_its_orders(
    sandbox: Sandbox, traders: tuple[Api, Api], tmp_path: Path
) -> None:
    source, binary = client_dir(), php()
    trader, _ = traders
    assert trader.key and trader.secret
    client = edited_copy(source, tmp_path / "php5.3", f"http://{sandbox.host}:{sandbox.port}/mtgox")
    done = subprocess.run(
        [binary, str(DRIVER), str(client), trader.key, trader.secret], capture_output=True, text=True, timeout=60
    )
    seen = events(done.stdout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    what = dict(seen)
    assert what["info"]["Wallets"]["USD"]["Balance"]["value_int"] == "10000000000"
    assert len(what["idkey"]) == 75
    oid = what["order_add"]
    assert isinstance(oid, str) and len(oid) == 36
    assert what["open_seen"] is True and what["gone_seen"] is True
    assert what["order_cancel"]["oid"] == oid
    orders = [data for kind, data in seen if kind == "user_order"]
    assert [o.get("status", o.get("reason")) for o in orders] == [
        "pending",
        "executing",
        "post-pending",
        "open",
        "requested",
    ]
    # the answer to order/add came before its first user_order (answers first)
    kinds = [kind for kind, _ in seen]
    assert kinds.index("order_add") < kinds.index("user_order")
    assert trader.ok(2, "money/orders") == []
