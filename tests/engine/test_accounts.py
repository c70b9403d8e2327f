"""The ledger's accounts, keys and wallets: what is made, what is refused, how balances move."""

from __future__ import annotations

import base64
import uuid

import pytest

from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.events import WalletChange

from .venue import FEES, NOW, Venue


def test_a_new_account_has_one_key_with_the_default_rights(venue: Venue) -> None:
    with venue.tx() as tx:
        creds = ledger.create_account(tx)
    row = venue.conn.execute(
        "SELECT uuid, login, kind, trade_fee_ppm, created, last_login FROM accounts WHERE id = ?", (creds.account_id,)
    ).fetchone()
    account_uuid, login, kind, ppm, created, last_login = tuple(row)
    assert uuid.UUID(account_uuid).version == 4
    assert login == creds.login == f"sandbox-{account_uuid[:8]}"
    assert (kind, ppm, created, last_login) == ("user", 6_000, NOW, NOW)
    assert uuid.UUID(creds.key).version == 4
    assert len(base64.b64decode(creds.secret, validate=True)) == 64
    key = venue.conn.execute("SELECT account_id, secret, rights, last_nonce FROM api_keys").fetchone()
    assert tuple(key) == (creds.account_id, base64.b64decode(creds.secret), "deposit,get_info,trade,withdraw", 0)


def test_an_account_takes_a_name_rights_a_fee_and_a_kind(venue: Venue) -> None:
    with venue.tx() as tx:
        creds = ledger.create_account(tx, "alice", rights=["trade", " get_info", ""], fee_ppm=0, kind="market_maker")
        assert ledger.account_by_login(tx, "alice") == creds.account_id
        assert ledger.account_by_key(tx, creds.key) == creds.account_id
        assert ledger.account_by_login(tx, "bob") is None
        assert ledger.account_by_key(tx, "no-such-key") is None
    assert creds.login == "alice"
    row = venue.conn.execute("SELECT kind, trade_fee_ppm FROM accounts WHERE id = ?", (creds.account_id,)).fetchone()
    assert tuple(row) == ("market_maker", 0)
    assert venue.conn.execute("SELECT rights FROM api_keys").fetchone()[0] == "get_info,trade"


@pytest.mark.parametrize("ppm", [0, 1_000_000])
def test_fees_from_nothing_to_everything_are_taken(venue: Venue, ppm: int) -> None:
    with venue.tx() as tx:
        creds = ledger.create_account(tx, fee_ppm=ppm)
    stored = venue.conn.execute("SELECT trade_fee_ppm FROM accounts WHERE id = ?", (creds.account_id,)).fetchone()[0]
    assert stored == ppm


@pytest.mark.parametrize("ppm", [-1, 1_000_001])
def test_fees_outside_nothing_to_everything_are_refused(venue: Venue, ppm: int) -> None:
    with pytest.raises(ledger.LedgerError, match=r"^the trade fee must be between 0 and 100 %$"), venue.tx() as tx:
        ledger.create_account(tx, fee_ppm=ppm)


def test_a_login_is_taken_once(venue: Venue) -> None:
    venue.account(login="alice")
    with pytest.raises(ledger.LedgerError, match=r"^an account named 'alice' exists already$"), venue.tx() as tx:
        ledger.create_account(tx, "alice")


def test_rights_are_parsed_sorted_and_checked() -> None:
    assert ledger.parse_rights("trade, get_info,,trade") == ("get_info", "trade")
    assert ledger.parse_rights(["withdraw", "deposit"]) == ("deposit", "withdraw")
    assert ledger.parse_rights("") == ()
    with pytest.raises(ledger.LedgerError) as bad:
        ledger.parse_rights("trade,steal,fly")
    assert (
        str(bad.value) == "unknown right(s): fly, steal; expected some of deposit, get_info, merchant, trade, withdraw"
    )


def test_a_sibling_key_belongs_to_the_same_account(venue: Venue) -> None:
    with venue.tx() as tx:
        creds = ledger.create_account(tx)
        key, secret = ledger.add_sibling_key(tx, creds.key, ["get_info"])
        assert ledger.account_by_key(tx, key) == creds.account_id
        with pytest.raises(ledger.LedgerError, match=r"^no account has the API key 'nope'$"):
            ledger.add_sibling_key(tx, "nope", ["get_info"])
    assert key != creds.key and secret != creds.secret
    rights = venue.conn.execute("SELECT rights FROM api_keys WHERE key = ?", (key,)).fetchone()[0]
    assert rights == "get_info"


def test_new_secrets_are_64_random_bytes() -> None:
    one, two = ledger.new_secret(), ledger.new_secret()
    assert len(base64.b64decode(one, validate=True)) == 64 and one != two


def test_a_wallet_that_does_not_exist_is_empty(venue: Venue) -> None:
    who = venue.account()
    with venue.tx(write=False) as tx:
        assert ledger.wallet(tx, who, "JPY") == (0, 0)
        assert ledger.available(tx, who, "JPY") == 0
    assert venue.conn.execute("SELECT COUNT(*) FROM wallets WHERE account_id = ?", (who,)).fetchone()[0] == 0


def test_available_is_the_balance_less_what_is_held(venue: Venue) -> None:
    who = venue.account(usd=1_000)
    with venue.tx() as tx:
        ledger.reserve(tx, who, "USD", 300)
        assert ledger.available(tx, who, "USD") == 700
        ledger.reserve(tx, who, "USD", -100)
        assert ledger.wallet(tx, who, "USD") == (1_000, 200)
        ledger.reserve(tx, who, "USD", 0)
        assert ledger.wallet(tx, who, "USD") == (1_000, 200)


def test_post_moves_a_balance_and_writes_the_row_of_it(venue: Venue) -> None:
    who = venue.account(usd=1_000)
    with venue.tx(listen=True) as tx:
        assert ledger.post(tx, who, "USD", -300, "withdraw", "out it goes", reserved_delta=0) == 700
        assert ledger.post(tx, who, "JPY", 5, "deposit", "a new wallet") == 5
        ledger.reserve(tx, who, "USD", 200)
        assert ledger.post(tx, who, "USD", -150, "spent", "held funds", reserved_delta=-150) == 550
        assert tx.events == [
            WalletChange(who, "USD", "withdraw", -300, 700, "out it goes"),
            WalletChange(who, "JPY", "deposit", 5, 5, "a new wallet"),
            WalletChange(who, "USD", "spent", -150, 550, "held funds"),
        ]
    assert venue.wallet(who, "USD") == (550, 50)
    assert venue.history(who, "USD") == [
        (1, "deposit", 1_000, 1_000, "Sandbox deposit"),
        (2, "withdraw", 300, 700, "out it goes"),
        (3, "spent", 150, 550, "held funds"),
    ]
    assert venue.history(who, "JPY") == [(1, "deposit", 5, 5, "a new wallet")]
    link = venue.conn.execute("SELECT link_kind, link_ref, oid, tid FROM history WHERE info = 'out it goes'").fetchone()
    assert tuple(link) == ("", "", None, None)


def test_deposits_must_be_positive_and_funding_skips_nothing(venue: Venue) -> None:
    who = venue.account()
    with venue.tx() as tx:
        for amount in (0, -1):
            with pytest.raises(ledger.LedgerError, match=r"^a deposit must be positive$"):
                ledger.deposit(tx, who, "USD", amount)
        ledger.fund(tx, who, {"USD": 0, "BTC": 7})
        reference = ledger.deposit(tx, who, "USD", 1, "by hand")
    assert venue.conn.execute("SELECT COUNT(*) FROM wallets WHERE account_id = ?", (who,)).fetchone()[0] == 2
    assert venue.history(who, "USD") == [(1, "deposit", 1, 1, "by hand")]
    external = venue.conn.execute("SELECT account_id, currency, amount, kind, created FROM external ORDER BY id")
    assert [tuple(r) for r in external] == [(who, "BTC", 7, "deposit", NOW), (who, "USD", 1, "deposit", NOW)]
    refs = venue.conn.execute("SELECT e.reference, h.link_ref FROM external e JOIN history h USING (currency)")
    assert reference in {r[0] for r in refs.fetchall() if r[0] == r[1]}


def test_fees_reach_the_fee_account_without_a_row(venue: Venue) -> None:
    with venue.tx() as tx:
        ledger.credit_fee(tx, "USD", 0)
        assert ledger.wallet(tx, FEES, "USD") == (0, 0)
        assert tx.scalar("SELECT COUNT(*) FROM wallets WHERE account_id = ?", (FEES,)) == 0
        ledger.credit_fee(tx, "USD", 25)
        ledger.credit_fee(tx, "USD", 5)
        ledger.move_silently(tx, FEES, "BTC", 9)
    assert venue.wallet(FEES, "USD") == (30, 0)
    assert venue.wallet(FEES, "BTC") == (9, 0)
    assert venue.conn.execute("SELECT COUNT(*) FROM history WHERE account_id = ?", (FEES,)).fetchone()[0] == 0
