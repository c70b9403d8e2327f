"""Every kind of catalogue mistake is reported as `endpoints.yaml:LINE: message`."""

from __future__ import annotations

import pytest

from mtgox_catalogue import CatalogueError, load_catalogue_text


def problems_of(text: str) -> list[str]:
    with pytest.raises(CatalogueError) as info:
        load_catalogue_text(text.encode(), filename="endpoints.yaml")
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str | tuple[str, int]) -> int:
    """The line of `needle` (an exact line first, else a line containing it); (needle, n) for the n-th."""
    needle, nth = needle if isinstance(needle, tuple) else (needle, 0)
    lines = text.splitlines()
    exact = [i + 1 for i, line in enumerate(lines) if line.strip() == needle.strip()]
    return (exact or [i + 1 for i, line in enumerate(lines) if needle in line])[nth]


def test_mini_catalogue_is_valid(mini_text: str) -> None:
    cat = load_catalogue_text(mini_text.encode())
    assert [e.key for e in cat.endpoints] == ["v1.ticker", "v2.info", "v2.order_add", "v2.ticket_create"]
    assert set(cat.pairs) == {"BTCUSD", "BTCJPY"}
    order_add = cat.endpoint("v2.order_add")
    assert [p.python for p in order_add.params] == ["pair", "type", "amount", "price"]
    assert order_add.params[2].unit is not None and order_add.params[2].unit.currency == "BTC"
    assert not order_add.idempotent and order_add.signed and not order_add.cacheable
    assert cat.endpoint("v1.ticker").cacheable


# (old text, new text, the line to expect: the line holding this text in the *mutated* file, message part)
MUTATIONS = [
    ("  package: miniex\n", "  package: httpx\n", "package: httpx", "would shadow httpx"),
    ("  package: miniex\n", "  package: json\n", "package: json", "would shadow the standard library"),
    ("python: price}", "python: path}", "python: path}", "not a usable Python name"),
    ("python: price}", "python: QUOTE}", "python: QUOTE}", "not a usable Python name"),
    ("python: price}", "python: types}", "python: types}", "not a usable Python name"),  # the models module
    (
        "      Operations: integer\n",
        "      Operations: integer\n      self: string?\n",
        "self: string?",
        "not a usable Python field name",
    ),
    ("  Quote:\n", "  ClassVar:\n", "  ClassVar:", "reserved by the generated package"),
    ("  Quote:\n", '  "None":\n', '"None":', "not a Python keyword"),
    ("description: Ticker.", 'description: "a \\ud800 b"', 'description: "a', "control characters"),
    (
        "  name: Mini Exchange\n",
        "  name: Mini Exchange\n  colour: blue\n",
        "colour: blue",
        "unknown key 'colour' in api",
    ),
    ("schema: 1", "schema: 2", "schema: 2", "unsupported schema 2"),
    ("      http: GET\n", "      http: PUT\n", "http: PUT", "must be one of GET, POST"),
    ("      auth: none\n", "      auth: oauth\n", "auth: oauth", "must be one of none, body_hmac, path_body_hmac"),
    ("      returns: Quote\n", "      returns: Qoute\n", "returns: Qoute", "unknown type 'Qoute'"),
    ("  quote: [USD, JPY]", "  quote: [USD, XYZ]", "quote: [USD, XYZ]", "unknown currency 'XYZ'"),
    ("divisor: 1000, decimals: 3", "divisor: 1000, decimals: 2", "name: Yen", "divisor 1000 must be 10 ** decimals"),
    (
        "      Operations: integer\n",
        "      Operations: integer\n      Operations: string\n",
        "Operations: string",
        "duplicate key 'Operations'",
    ),
    (
        "    - path: money/info\n",
        "    - path: money/info\n      name: order_add\n",
        'path: "{pair}/money/order/add"',
        "method name 'order_add' is also the name of the endpoint",
    ),
    (
        "      params:\n        pair: {type: pair, in: path}\n      returns: Quote",
        "      returns: Quote",
        'path: "{pair}/public/ticker"',
        "placeholder {pair} has no parameter",
    ),
    ("unit: BTC, encoding: int", "unit: EUR, encoding: int", "unit: EUR", "unknown currency 'EUR'"),
    (
        "unit: quote, encoding: int, python: price",
        "unit: quote, python: price",
        "unit: quote, python: price",
        "needs encoding",
    ),
    (
        "      http: POST\n      auth: path_body_hmac\n      rights: [get_info]",
        "      http: GET\n      auth: path_body_hmac\n      rights: [get_info]",
        ("http: GET", 1),
        "a signed call must be a POST",
    ),
    ("rights: [trade]", "rights: [trade, fly]", "rights: [trade, fly]", "must be one of get_info"),
    ("values: [bid, ask]", "values: []", "values: []", "an enum needs a non-empty list"),
    (
        "python: amount, required: true, minimum",
        "python: class, required: true, minimum",
        "python: class",
        "'class' is not a usable Python name",
    ),
    ("    - path: money/info\n", "    - path: /money/info\n", "path: /money/info", "relative to the version prefix"),
    ("    - path: money/info\n", '    - path: money/in"fo\n', "path: money/in", "may only hold letters"),
    ("  Quote:\n", "  Money:\n", "  Money:", "reserved by the generated package"),
    ("  Quote:\n", "  quote:\n", "  quote:", "must be CamelCase"),
    (
        "      now: timestamp_us?\n",
        "      now: {type: timestamp_us, python: extra}\n",
        "python: extra",
        "not a usable Python field name",
    ),
    (
        "  - {token: login_error_invalid_nonce, class: NonceError}",
        "  - {token: login_error_invalid_nonce, class: NonceErr}",
        "class: NonceErr",
        "must be one of APIError",
    ),
    (
        "  - {message_prefix: Order not found, class: OrderNotFoundError}",
        "  - {class: OrderNotFoundError}",
        "class: OrderNotFoundError",
        "needs at least one of token",
    ),
    ("  v2:\n    prefix", "  v2:\n    prefix: 2\n    bogus", "bogus", "unknown key 'bogus'"),
    ("endpoints:\n  v1:", "endpoints:\n  v9:", "  v9:", "unknown version 'v9'"),
    ("unit_default: USD, ", "", 'unit: "param:currency"', "unit_default must say which currency"),
    (
        "        type: {type: enum",
        "        nonce: {type: integer}\n        type: {type: enum",
        "nonce: {type: integer}",
        "nonce is added by the transport",
    ),
    ('      aliases: ["{pair}/ticker"]', '      aliases: ["ticker"]', "aliases:", "must have the path's placeholders"),
    ("      returns: any\n", "      returns: any\n      sandbox: maybe\n", "sandbox: maybe", "must be one of stateful"),
    ("description: Ticker.", 'description: "Ticker.\\u0007"', 'description: "Ticker.', "control characters"),
    (
        "      idempotent: true\n      description: Ticker.",
        "      idempotent: yes please\n      description: Ticker.",
        "idempotent: yes please",
        "must be true or false",
    ),
    (
        "    - path: money/info\n",
        '    - path: "{pair}/money/ticker"\n',
        'path: "{pair}/money/ticker"',
        "placeholder {pair} has no parameter",
    ),
    ("    - path: money/info\n", "    - path: money/call\n", "path: money/call", "is reserved"),
]


@pytest.mark.parametrize(("old", "new", "line_text", "message"), MUTATIONS)
def test_each_mistake_is_reported_with_its_line(
    mini_text: str, old: str, new: str, line_text: str | tuple[str, int], message: str
) -> None:
    assert old in mini_text, f"mutation anchor not found: {old!r}"
    mutated = mini_text.replace(old, new, 1)
    found = problems_of(mutated)
    expected_line = line_of(mutated, line_text)
    matching = [p for p in found if message in p]
    assert matching, f"no problem mentions {message!r}; got: {found}"
    assert any(p.startswith(f"endpoints.yaml:{expected_line}: ") for p in matching), (expected_line, found)


def test_every_problem_is_reported_not_only_the_first(mini_text: str) -> None:
    mutated = mini_text.replace("http: GET", "http: PUT").replace("returns: Quote", "returns: Nope")
    found = problems_of(mutated)
    assert any("PUT" in p for p in found)
    assert any("Nope" in p for p in found)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("schema: 1\napi: [unclosed\n", 3, "YAML syntax error"),
        ("", 1, "the catalogue is empty"),
        ("schema: 1\n", 1, "missing required key 'api'"),
        ("- just\n- a list\n", 1, "the catalogue must be a mapping"),
        ("schema: 1\nbase: &a {x: 1}\nother:\n  <<: *a\n", 4, "merge keys"),
    ],
)
def test_broken_files(text: str, line: int, message: str) -> None:
    found = problems_of(text)
    assert any(p.startswith(f"endpoints.yaml:{line}: ") and message in p for p in found), found


def test_not_utf8_is_reported_with_its_line() -> None:
    with pytest.raises(CatalogueError) as info:
        load_catalogue_text(b"schema: 1\napi: \xff\n")
    assert str(info.value.problems[0]) == "endpoints.yaml:2: the catalogue is not valid UTF-8"
