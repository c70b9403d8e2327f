// The sandbox dashboard: one more client of the sandbox's own API.
//
// Market data: an HTTP snapshot (v2 depth/full, trades, ticker, lag), then live updates from the
// streaming API (plain websocket at /mtgox?Channel=..., messages as Mt. Gox sent them). Stream
// messages that arrive while the snapshot loads are buffered and applied after it; a book level
// is set to `total_volume_int` (never a sum of `volume_int`). When the sandbox has no stream
// (config.stream false) or the URL says `?transport=http`, the page polls HTTP once a second instead.
// Money is shown exactly: the `*_int` strings are formatted as decimal text, never through a
// float (numbers are only used to draw the charts).
// The page never shows old figures as live: when the sandbox cannot be reached (the stream
// closed, a request failed to connect) a banner says so and since when, the market, scenario
// and account figures are marked stale, and the lag is unknown until a new snapshot replaces
// them. A price the sandbox has none of (an empty book, no trade yet) is shown as "—", never as 0.
"use strict";

(() => {
  const POLL_MS = 1000;
  const TAPE_ROWS = 40;
  const LADDER_ROWS = 15;
  const DEPTH_LEVELS = 60;
  const COLOURS = { bid: "#26a69a", ask: "#ef5350" };

  const $ = (id) => document.getElementById(id);
  const state = {
    config: null,
    pair: null, // {code, base, quote}
    book: { bid: new Map(), ask: new Map() }, // price_int (string) -> total volume_int (BigInt)
    trades: [], // newest first
    seenTids: new Set(),
    lastTid: null,
    ws: null,
    generation: 0, // bumped on a pair switch: late answers of the old pair are dropped
    pollTimer: null,
    account: null,
    accountTimer: null,
    offlineSince: null, // when the sandbox stopped answering (null while it answers)
    scenarioTimer: null,
  };
  // Read by the browser test: when a trade or a book level was first shown.
  // depthLabels: how the depth chart's price axis labels each level.
  window.dashboard = { shownTrades: {}, shownLevels: {}, ready: false, mode: "starting", online: true, depthLabels: [] };

  // -- exact money -----------------------------------------------------------------------------

  function decimals(code) {
    return state.config.currencies[code].decimals;
  }

  // "1234500000", 8 -> "12.345"; keeps at least `keep` decimals.
  function fmt(intText, code, keep = 2) {
    let text = String(intText);
    const negative = text.startsWith("-");
    if (negative) text = text.slice(1);
    const places = decimals(code);
    text = text.padStart(places + 1, "0");
    let whole = text.slice(0, text.length - places);
    let fraction = places ? text.slice(text.length - places) : "";
    while (fraction.length > keep && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + whole + (fraction ? "." + fraction : "");
  }

  function toNumber(intText, code) {
    return Number(intText) / 10 ** decimals(code);
  }

  // -- HTTP ------------------------------------------------------------------------------------

  // A request that never reached the sandbox (refused, reset): fetch's TypeError.
  class Unreachable extends Error {}

  async function getJson(path, options) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (error) {
      throw new Unreachable(error.message);
    }
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || `${path}: HTTP ${response.status}`);
    return body;
  }

  async function api(path) {
    const body = await getJson(`/api/2/${path}`);
    if (body.result !== "success") throw new Error(body.error || `${path} failed`);
    return body.data;
  }

  function setStatus(mode, text) {
    const el = $("status");
    el.dataset.mode = mode;
    el.textContent = text;
    window.dashboard.mode = mode;
  }

  // -- reachable or not ------------------------------------------------------------------------

  function connectionLost(what) {
    if (state.offlineSince === null) {
      state.offlineSince = new Date();
      const since = state.offlineSince.toLocaleTimeString();
      $("offline-text").textContent =
        `The sandbox at ${location.host} is unreachable since ${since} (${what}). ` +
        "The figures below are from before then, not live. Reconnecting…";
    }
    $("offline").hidden = false;
    document.body.classList.add("stale");
    $("lag").textContent = "lag —";
    setStatus("offline", "disconnected");
    window.dashboard.online = false;
  }

  // Called once fresh market data replaced what was shown.
  function connectionBack() {
    if (state.offlineSince === null) return;
    state.offlineSince = null;
    $("offline").hidden = true;
    document.body.classList.remove("stale");
    window.dashboard.online = true;
  }

  // An error of a request: unreachable is the banner's, anything else the status line's.
  function failed(where, error) {
    if (error instanceof Unreachable) connectionLost(`${where}: no answer`);
    else setStatus("error", `${where}: ${error.message}`);
  }

  // -- charts ----------------------------------------------------------------------------------

  const charts = {};

  function makeCharts() {
    const LWC = window.LightweightCharts;
    const layout = { background: { color: "#1e222d" }, textColor: "#d1d4dc" };
    const grid = { vertLines: { color: "#2a2e39" }, horzLines: { color: "#2a2e39" } };
    charts.depth = LWC.createOptionsChart($("depth-chart"), { layout, grid, autoSize: true });
    charts.depthPrecision = null;
    const area = (colour) => ({
      lineColor: colour,
      topColor: colour + "66",
      bottomColor: colour + "11",
      lineWidth: 2,
      lineType: LWC.LineType.WithSteps,
      priceLineVisible: false,
      lastValueVisible: false,
    });
    charts.bids = charts.depth.addSeries(LWC.AreaSeries, area(COLOURS.bid));
    charts.asks = charts.depth.addSeries(LWC.AreaSeries, area(COLOURS.ask));
    charts.price = LWC.createChart($("price-chart"), {
      layout,
      grid,
      autoSize: true,
      timeScale: { timeVisible: true, secondsVisible: true },
    });
    charts.last = charts.price.addSeries(LWC.LineSeries, { color: "#2962ff", lineWidth: 2 });
  }

  // -- the book --------------------------------------------------------------------------------

  function resetBook(snapshot) {
    state.book = { bid: new Map(), ask: new Map() };
    for (const [side, rows] of [["bid", snapshot.bids], ["ask", snapshot.asks]]) {
      for (const row of rows) state.book[side].set(row.price_int, BigInt(row.amount_int));
    }
  }

  function setLevel(side, priceInt, totalInt) {
    const total = BigInt(totalInt);
    if (total === 0n) state.book[side].delete(priceInt);
    else state.book[side].set(priceInt, total);
  }

  // Best first: bids by descending price, asks ascending.
  function sortedLevels(side) {
    const levels = [...state.book[side].entries()];
    levels.sort((a, b) => {
      const d = BigInt(a[0]) - BigInt(b[0]);
      const order = d < 0n ? -1 : d > 0n ? 1 : 0;
      return side === "bid" ? -order : order;
    });
    return levels;
  }

  let drawPending = false;
  function drawBookSoon() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      drawBook();
    });
  }

  function ladderRows(side, levels) {
    const { base, quote } = state.pair;
    let cumulative = 0n;
    return levels.slice(0, LADDER_ROWS).map(([price, volume]) => {
      cumulative += volume;
      const tr = document.createElement("tr");
      tr.dataset.side = side;
      tr.dataset.price = price;
      for (const text of [fmt(price, quote), fmt(volume, base), fmt(cumulative, base)]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      }
      return tr;
    });
  }

  function drawBook() {
    const { base, quote } = state.pair;
    const bids = sortedLevels("bid");
    const asks = sortedLevels("ask");
    const askRows = ladderRows("ask", asks).reverse(); // best ask next to the spread
    $("ladder-asks").replaceChildren(...askRows);
    $("ladder-bids").replaceChildren(...ladderRows("bid", bids));
    if (bids.length && asks.length) {
      const spread = BigInt(asks[0][0]) - BigInt(bids[0][0]);
      $("spread").textContent = `spread ${fmt(spread, quote)} ${quote}`;
    } else {
      $("spread").textContent = bids.length || asks.length ? "—" : `no orders on ${state.pair.code}`;
    }
    const now = performance.now();
    for (const [side, levels] of [["bid", bids], ["ask", asks]]) {
      for (const [price] of levels.slice(0, LADDER_ROWS)) {
        const key = `${side}:${price}`;
        if (!(key in window.dashboard.shownLevels)) window.dashboard.shownLevels[key] = now;
      }
    }
    // Depth chart: cumulative volume against price, both sides ascending in price.
    const curve = (levels) => {
      let cumulative = 0n;
      return levels.slice(0, DEPTH_LEVELS).map(([price, volume]) => {
        cumulative += volume;
        return { time: toNumber(price, quote), value: toNumber(cumulative, base) };
      });
    };
    // The price axis labels the levels themselves: as many decimals as tell every level apart
    // (up to the quote currency's), so no two labels read the same.
    const prices = [...bids.slice(0, DEPTH_LEVELS), ...asks.slice(0, DEPTH_LEVELS)].map(([price]) => price);
    const precision = labelPrecision(prices, quote);
    if (precision !== charts.depthPrecision) {
      charts.depthPrecision = precision;
      charts.depth.applyOptions({ localization: { precision } });
    }
    window.dashboard.depthLabels = prices.map((price) => depthLabel(price, quote, precision));
    charts.bids.setData(curve(bids).reverse());
    charts.asks.setData(curve(asks));
    charts.depth.timeScale().fitContent();
  }

  // The fewest decimals (at most the currency's) at which the chart's labels of `prices` (`*_int`
  // strings) all read differently; formatted as the chart formats them.
  function labelPrecision(prices, code) {
    const places = decimals(code);
    const distinct = new Set(prices).size;
    for (let precision = 0; precision < places; precision++) {
      if (new Set(prices.map((price) => depthLabel(price, code, precision))).size === distinct) return precision;
    }
    return places;
  }

  function depthLabel(price, code, precision) {
    return toNumber(price, code).toFixed(precision);
  }

  // -- trades ----------------------------------------------------------------------------------

  function addTrade(trade, isNew) {
    if (trade.price_currency !== state.pair.quote || trade.item !== state.pair.base) return;
    if (trade.primary && trade.primary !== "Y") return; // the converted copy of a mixed-currency trade
    if (state.seenTids.has(trade.tid)) return;
    state.seenTids.add(trade.tid);
    if (state.lastTid === null || BigInt(trade.tid) > BigInt(state.lastTid)) state.lastTid = trade.tid;
    state.trades.unshift(trade);
    state.trades.length = Math.min(state.trades.length, TAPE_ROWS);
    const { base, quote } = state.pair;
    const tr = document.createElement("tr");
    tr.dataset.tid = trade.tid;
    tr.dataset.type = trade.trade_type;
    if (isNew) tr.className = "new";
    const time = new Date(Number(trade.date) * 1000).toLocaleTimeString();
    const cells = [time, trade.trade_type === "bid" ? "buy" : "sell", fmt(trade.price_int, quote), fmt(trade.amount_int, base)];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (i === 1) td.className = "side";
      tr.appendChild(td);
    });
    const rows = $("tape-rows");
    rows.prepend(tr);
    while (rows.children.length > TAPE_ROWS) rows.lastElementChild.remove();
    window.dashboard.shownTrades[trade.tid] = performance.now();
    // The price line: one point per second (the chart's time unit), the last trade's price.
    const point = { time: Number(trade.date), value: toNumber(trade.price_int, quote) };
    const data = charts.last.data();
    if (!data.length || point.time >= data[data.length - 1].time) charts.last.update(point);
  }

  function loadTrades(trades) {
    const isNew = state.lastTid !== null; // the first load is history, not news
    for (const trade of trades) addTrade(trade, isNew);
  }

  // -- ticker and lag --------------------------------------------------------------------------

  const TICKER_FIELDS = ["last", "buy", "sell", "high", "low", "vwap", "vol"];
  // A price the sandbox has none of comes as 0 (no trade yet, an empty side of the book).
  const PRICES = new Set(["last", "buy", "sell", "high", "low", "vwap"]);

  function showTicker(ticker) {
    for (const name of TICKER_FIELDS) {
      const value = ticker[name];
      if (!value || typeof value !== "object") continue;
      const none = PRICES.has(name) && /^0*$/.test(String(value.value_int ?? "").replace("-", ""));
      $(`t-${name}`).textContent = none ? "—" : value.display;
    }
  }

  function clearTicker() {
    for (const name of TICKER_FIELDS) $(`t-${name}`).textContent = "—";
  }

  function showLag(micros) {
    $("lag").textContent = `lag ${(Number(micros) / 1e6).toFixed(3)} s`;
  }

  // -- loading, streaming, polling -------------------------------------------------------------

  // `?transport=http` polls even when the sandbox streams (to compare, or behind a proxy without websockets).
  function useStream() {
    return state.config.stream && new URLSearchParams(location.search).get("transport") !== "http";
  }

  async function snapshot(generation) {
    const code = state.pair.code;
    const [depth, trades, ticker, lag] = await Promise.all([
      api(`${code}/money/depth/full`),
      api(`${code}/money/trades/fetch`),
      api(`${code}/money/ticker`),
      api("money/order/lag"),
    ]);
    if (generation !== state.generation) return false;
    resetBook(depth);
    loadTrades(trades);
    showTicker(ticker);
    showLag(lag.lag);
    return true;
  }

  async function poll(generation) {
    if (generation !== state.generation) return;
    try {
      const code = state.pair.code;
      const since = state.lastTid ? `?since=${state.lastTid}` : "";
      const [depth, trades, ticker, lag] = await Promise.all([
        api(`${code}/money/depth/full`),
        api(`${code}/money/trades/fetch${since}`),
        api(`${code}/money/ticker`),
        api("money/order/lag"),
      ]);
      if (generation !== state.generation) return;
      resetBook(depth);
      loadTrades(trades);
      showTicker(ticker);
      showLag(lag.lag);
      drawBook();
      connectionBack();
      refreshAccountSoon();
      setStatus("polling", "polling HTTP every second");
    } catch (error) {
      failed("HTTP", error);
    }
    state.pollTimer = setTimeout(() => poll(generation), POLL_MS);
  }

  function handleMessage(message) {
    if (message.op !== "private") return;
    const payload = message[message.private];
    if (!payload) return;
    switch (message.private) {
      case "depth":
        if (payload.currency !== state.pair.quote || payload.item !== state.pair.base) return;
        setLevel(payload.type_str, payload.price_int, payload.total_volume_int);
        drawBookSoon();
        break;
      case "trade":
        addTrade(payload, true);
        break;
      case "ticker":
        showTicker(payload);
        break;
      case "lag":
        showLag(payload.age);
        break;
      default:
        break;
    }
    if (message.private === "trade" || message.private === "depth") refreshAccountSoon();
  }

  function stream(generation, attempt = 0) {
    const { code, base } = state.pair;
    const channels = [`depth.${code}`, `ticker.${code}`, `trade.${base}`, "trade.lag"].join("/");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/mtgox?Channel=${channels}`);
    state.ws = ws;
    let buffer = [];
    ws.onopen = async () => {
      try {
        if (!(await snapshot(generation))) return;
      } catch (error) {
        failed("snapshot", error);
        ws.close();
        return;
      }
      setStatus("stream", "live (stream)");
      // What arrived during the snapshot, in order: a depth total sent later wins, a trade the
      // snapshot already had is skipped, newer trades go on top of the tape.
      const held = buffer;
      buffer = null;
      for (const message of held) handleMessage(message);
      drawBook();
      connectionBack();
      window.dashboard.ready = true;
      attempt = 0;
    };
    ws.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (buffer) buffer.push(message);
      else handleMessage(message);
    };
    ws.onclose = () => {
      if (generation !== state.generation) return;
      connectionLost("the stream closed");
      const delay = Math.min(10000, 500 * 2 ** attempt);
      setTimeout(() => {
        if (generation === state.generation) stream(generation, attempt + 1);
      }, delay);
    };
  }

  async function showPair(code) {
    state.generation += 1;
    const generation = state.generation;
    if (state.ws) state.ws.close();
    clearTimeout(state.pollTimer);
    state.pair = state.config.pairs.find((p) => p.code === code);
    state.book = { bid: new Map(), ask: new Map() };
    state.trades = [];
    state.seenTids = new Set();
    state.lastTid = null;
    $("tape-rows").replaceChildren();
    charts.last.setData([]);
    clearTicker();
    window.dashboard.ready = false;
    if (useStream()) {
      stream(generation);
    } else {
      try {
        if (!(await snapshot(generation))) return;
        drawBook();
        window.dashboard.ready = true;
      } catch (error) {
        failed("HTTP", error);
      }
      state.pollTimer = setTimeout(() => poll(generation), POLL_MS);
    }
  }

  // -- accounts and operator panel (loopback only) ----------------------------------------------

  function cellRow(cells, attributes = {}) {
    const tr = document.createElement("tr");
    Object.assign(tr.dataset, attributes);
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    return tr;
  }

  async function loadAccounts(select) {
    const accounts = await getJson("/_dashboard/accounts");
    const picker = $("account");
    const current = select ?? picker.value;
    picker.replaceChildren(
      ...accounts.map((a) => {
        const option = document.createElement("option");
        option.value = a.id;
        option.textContent = `${a.login} (#${a.id})`;
        return option;
      }),
    );
    if (current && accounts.some((a) => String(a.id) === String(current))) picker.value = current;
    await refreshAccount();
  }

  async function refreshAccount() {
    const id = $("account").value;
    if (!id) return;
    const view = await getJson(`/_dashboard/accounts/${id}`);
    state.account = view;
    $("wallets").tBodies[0].replaceChildren(
      ...Object.entries(view.wallets).map(([code, w]) =>
        cellRow([code, w.Balance.display, w.Open_Orders.display, w.Max_Withdraw.display], { currency: code }),
      ),
    );
    $("orders").tBodies[0].replaceChildren(
      ...view.orders.map((o) =>
        cellRow([o.type, o.price ? o.price.display : "market", o.amount.display, o.status, o.oid], {
          side: o.type,
          oid: o.oid,
        }),
      ),
    );
    const picker = $("history-currency");
    const chosen = picker.value;
    const codes = Object.keys(view.history);
    picker.replaceChildren(
      ...codes.map((code) => {
        const option = document.createElement("option");
        option.value = option.textContent = code;
        return option;
      }),
    );
    if (codes.includes(chosen)) picker.value = chosen;
    showHistory();
  }

  function showHistory() {
    const rows = (state.account && state.account.history[$("history-currency").value]) || [];
    $("history").tBodies[0].replaceChildren(
      ...rows.map((h) =>
        cellRow([h.Index, new Date(h.Date * 1000).toLocaleString(), h.Type, h.Value.display, h.Balance.display, h.Info]),
      ),
    );
  }

  let accountPending = null;
  function refreshAccountSoon() {
    if (!state.config.operator || accountPending) return;
    accountPending = setTimeout(() => {
      accountPending = null;
      refreshAccount().catch((error) => failed("account", error));
    }, 300);
  }

  // "BTC=10 USD=1000" -> {"BTC": "10", "USD": "1000"} (the server checks the amounts).
  function parseFunds(text) {
    const funds = {};
    for (const item of text.split(/[\s,]+/).filter(Boolean)) {
      const [code, amount] = item.split("=");
      funds[code.toUpperCase()] = amount ?? "";
    }
    return funds;
  }

  async function operate(path, body) {
    const out = $("op-result");
    try {
      const result = await getJson(`/_dashboard/operator/${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      out.textContent = JSON.stringify(result, null, 1);
      return result;
    } catch (error) {
      if (error instanceof Unreachable) {
        failed("operator", error);
        out.textContent = "no answer: the sandbox is unreachable";
      } else {
        out.textContent = `refused: ${error.message}`;
      }
      return null;
    }
  }

  function setUpOperator() {
    $("accounts").hidden = false;
    $("account").addEventListener("change", () => refreshAccount().catch((error) => failed("account", error)));
    $("history-currency").addEventListener("change", showHistory);
    $("op-account").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      const result = await operate("account", { name: form.name.value, funds: parseFunds(form.funds.value) });
      if (result) await loadAccounts(result.id);
    });
    $("op-deposit").addEventListener("submit", async (event) => {
      event.preventDefault();
      const account = Number($("account").value);
      if (await operate("deposit", { account, funds: parseFunds(event.target.funds.value) })) await refreshAccount();
    });
    $("op-seed").addEventListener("submit", async (event) => {
      event.preventDefault();
      // The new orders reach the book like any others: by the stream's depth messages, or the next poll.
      if (await operate("seed", { pairs: [state.pair.code] })) refreshAccountSoon();
    });
    state.accountTimer = setInterval(refreshAccountSoon, 5000);
    return loadAccounts();
  }

  // -- the scenario: the exchange's clock, a replay, faults (loopback only) ----------------------

  function describeReplay(replay) {
    if (!replay.file) return "none";
    const name = replay.file.split("/").pop();
    const speed = typeof replay.speed === "number" ? `${replay.speed} x` : replay.speed;
    const where = replay.error ? `failed: ${replay.error}` : replay.stopped ? "stopped" : replay.done ? "done" : speed;
    return `${name}: ${replay.trades_done} of ${replay.trades} trades (${replay.trades_left} left), ${where}`;
  }

  function describeFault(fault) {
    const scope = [fault.path, fault.account ? `account ${fault.account}` : null].filter(Boolean).join(", ");
    const life = [
      fault.times ? `${fault.times - fault.hits} of ${fault.times} left` : null,
      fault.left_s !== null ? `${Math.ceil(fault.left_s)} s left` : null,
    ].filter(Boolean);
    return `${fault.kind} on ${scope}` + (life.length ? ` (${life.join(", ")})` : "");
  }

  async function refreshScenario() {
    const overview = await getJson("/_sandbox/");
    window.dashboard.scenario = overview;
    const clock = overview.clock;
    $("s-clock").textContent =
      `${clock.date} UTC, ${clock.mode}` + (clock.speed !== null ? ` at ${clock.speed} x` : "");
    const replay = overview.replay;
    $("s-replay").textContent = describeReplay(replay);
    $("s-progress").max = replay.trades || 1;
    $("s-progress").value = replay.trades_done;
    const faults = $("s-faults");
    faults.dataset.count = String(overview.faults.length);
    faults.textContent = overview.faults.length ? overview.faults.map(describeFault).join("; ") : "none";
  }

  function setUpScenario() {
    $("scenario").hidden = false;
    const tick = () => refreshScenario().catch((error) => failed("scenario", error));
    state.scenarioTimer = setInterval(tick, POLL_MS);
    return tick();
  }

  // -- start -----------------------------------------------------------------------------------

  async function start() {
    state.config = await getJson("/_dashboard/config");
    makeCharts();
    const picker = $("pair");
    for (const pair of state.config.pairs) {
      const option = document.createElement("option");
      option.value = option.textContent = pair.code;
      picker.appendChild(option);
    }
    const wanted = new URLSearchParams(location.search).get("pair");
    const code = state.config.pairs.some((p) => p.code === wanted) ? wanted : state.config.default_pair;
    picker.value = code;
    picker.addEventListener("change", () => showPair(picker.value));
    if (state.config.operator) await setUpOperator();
    if (state.config.scenario) await setUpScenario();
    await showPair(code);
  }

  start().catch((error) => {
    failed("could not start", error);
    console.error(error);
  });
})();
