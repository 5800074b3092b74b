// The treasury agent's dashboard: polls /api/dashboard once a second and renders it. Amounts arrive as integer strings
// in the asset's smallest unit and are formatted here with BigInt, so nothing is rounded before it is shown. The history
// charts arrive as SVG from /api/history (drawn by the daemon), fetched again only when the state's version moved.

const POLL_MS = 1000;
const COLORS = ["var(--s0)", "var(--s1)", "var(--s2)", "var(--s3)"];

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v;
    else if (k === "style") node.setAttribute("style", v);
    else if (k.startsWith("data-") || k === "title" || k === "href") node.setAttribute(k, String(v));
    else node[k] = v;
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
};

/** 1234567891n, 6 → "1,234.56" (2 fraction digits, truncated). */
function fmt(raw, decimals, digits = 2) {
  let v = BigInt(raw);
  const neg = v < 0n;
  if (neg) v = -v;
  const base = 10n ** BigInt(decimals);
  const whole = (v / base).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = (v % base).toString().padStart(decimals, "0").slice(0, digits);
  return `${neg ? "-" : ""}${whole}${digits > 0 ? `.${frac}` : ""}`;
}
const amount = (raw, v) => `${fmt(raw, v.decimals)}${v.symbol ? ` ${v.symbol}` : ""}`;
/** Every digit, trailing zeros dropped: a loss allowance may be a few base units. */
function exact(raw, v) {
  const text = fmt(raw, v.decimals, v.decimals);
  return `${text.includes(".") ? text.replace(/\.?0+$/, "") : text}${v.symbol ? ` ${v.symbol}` : ""}`;
}
/** A session's own loss allowance: used of max, and what is left; or that it has none of its own. */
const lossAllowance = (s, v) =>
  s.maxLoss === "0"
    ? "none of its own"
    : `${exact(s.lossUsed, v)} of ${exact(s.maxLoss, v)} used, ${exact(s.lossLeft, v)} left`;
/** part / whole as a percentage with two decimals. */
function pct(part, whole) {
  const w = BigInt(whole);
  if (w === 0n) return 0;
  return Number((BigInt(part) * 1000000n) / w) / 10000;
}
const bps = (b) => `${(b / 100).toFixed(2)}%`;
/** A bar's track: the filled share (percent of total assets) and a marker (a cap or the buffer) at `markAt` percent. */
function track(share, color, markAt, markLabel) {
  return el(
    "div",
    { class: "track" },
    el("div", { class: "fill", style: `width:${Math.min(share, 100)}%;background:${color}` }),
    el("div", { class: "cap", style: `left:${Math.min(markAt, 100)}%`, "data-label": markLabel }),
  );
}

/** A bar's figures: the amount (its raw base units in data-raw) and its share in words. */
function barFigs(raw, v, pctAttrs, pctText) {
  return el(
    "div",
    { class: "bar-figs" },
    el("span", { class: "value", "data-raw": raw }, amount(raw, v)),
    el("span", { class: "pct", ...pctAttrs }, pctText),
  );
}

function duration(s) {
  if (s <= 0) return "0s";
  const d = Math.floor(s / 86400),
    h = Math.floor((s % 86400) / 3600),
    m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}
/** Chain time (a block timestamp, seconds) in UTC: every time on the page is chain time. */
const time = (s) => (s ? `${new Date(s * 1000).toISOString().replace("T", " ").slice(0, 19)} UTC` : "—");
/** Wei as ETH with 4 decimals. */
const eth = (wei) => `${fmt(wei, 18, 4)} ETH`;
const short = (h) => (h ? `${h.slice(0, 10)}…${h.slice(-6)}` : "—");
const MODE = { act: "acting", wait: "waiting", "stand-down": "standing down" };

function renderVault(v) {
  const node = $("#vault-template").content.firstElementChild.cloneNode(true);
  node.dataset.vault = v.address;
  // On several chains each vault names its chain (one address may be a vault on each).
  if (v.chain) node.dataset.chain = v.chain;
  $(".vault-title", node).textContent = `Vault ${v.label}${v.chain ? ` · ${v.chain} (chain ${v.chainId})` : ""}`;
  $(".addr", node).textContent = v.address;
  if (!v.ready) {
    $(".chain", node).textContent = v.error ? `error: ${v.error}` : "waiting for the first tick";
    return node;
  }
  $(".chain", node).textContent = `block ${v.blockNumber} · ${time(v.timestamp)}`;

  const total = $("[data-testid=total-assets]", node);
  total.textContent = amount(v.totalAssets, v);
  total.dataset.raw = v.totalAssets;
  // The vault recognises gains at most at a governance-set yearly rate, so total assets may trail the live value.
  const liveNote = $(".live-value", node);
  liveNote.textContent = `live value ${amount(v.liveValue, v)}`;
  if (BigInt(v.unrecognised) > 0n) {
    liveNote.append(
      el(
        "span",
        { class: "gain-note", "data-testid": "unrecognised", "data-raw": v.unrecognised },
        ` · gains recognised at ${bps(v.gainRateBps)}/yr; ${amount(v.unrecognised, v)} not yet recognised`,
      ),
    );
  }

  const idle = $("[data-testid=idle]", node);
  idle.textContent = amount(v.idle, v);
  idle.dataset.raw = v.idle;
  const idleNote = $(".idle-note", node);
  const below = BigInt(v.idle) < BigInt(v.idleRequired);
  idleNote.textContent = `${pct(v.idle, v.totalAssets).toFixed(2)}% · buffer ${bps(v.idleBufferBps)} = ${amount(v.idleRequired, v)}`;
  if (below) idleNote.classList.add("bad");
  if (v.liquidityFloorBps > 0) {
    const short = BigInt(v.availableLiquidity) < BigInt(v.liquidityRequired);
    idleNote.append(
      el(
        "span",
        { class: short ? "floor-note bad" : "floor-note", "data-testid": "liquidity-floor" },
        ` · withdrawable now ${amount(v.availableLiquidity, v)}, floor ${bps(v.liquidityFloorBps)} = ${amount(v.liquidityRequired, v)}`,
      ),
    );
  }
  if (v.stepUpThreshold !== "0") {
    idleNote.append(
      el(
        "span",
        { class: "step-up-note", "data-testid": "step-up" },
        ` · moves above ${amount(v.stepUpThreshold, v)} need ${v.policySigner.slice(0, 10)}'s co-signature`,
      ),
    );
  }

  const dms = v.deadManSwitch;
  if (dms && dms.staleAfter > 0) {
    const armed = v.timestamp >= dms.firesFrom;
    idleNote.append(
      el(
        "span",
        { class: armed ? "dead-man-note bad" : "dead-man-note", "data-testid": "dead-man" },
        armed
          ? ` · dead-man's switch live: no rebalance for ${duration(v.timestamp - dms.lastRebalanceAt)}; anyone may move a strategy more than ${bps(dms.dropBps)} below its mark to idle`
          : ` · dead-man's switch after ${duration(dms.staleAfter)} without a rebalance (${duration(dms.firesFrom - v.timestamp)} left)`,
      ),
    );
  }

  $(".share-price", node).textContent = fmt(v.sharePrice, v.decimals, 6);
  const mode = v.agentsPaused
    ? "paused"
    : v.breaker.open
      ? "breaker open"
      : v.mode
        ? MODE[v.mode.mode]
        : v.lastResult.kind;
  $(".mode-value", node).textContent = mode;
  $(".mode-reason", node).textContent = v.breaker.open
    ? v.breaker.reason
    : v.mode
      ? v.mode.reason
      : v.lastResult.detail;
  if (v.chainStall)
    $(".mode-reason", node).append(el("div", { class: "bad", "data-testid": "chain-stall" }, v.chainStall));

  const bars = $("[data-testid=allocations]", node);
  v.strategies.forEach((s, i) => {
    const share = pct(s.value, v.totalAssets);
    const capShare = pct(s.cap, v.totalAssets);
    const over = BigInt(s.value) > BigInt(s.cap);
    bars.append(
      el(
        "div",
        {
          class: `bar-row${over ? " over" : ""}${s.enabled && !s.frozen ? "" : " disabled"}${s.quarantine ? " quarantined" : ""}`,
          "data-testid": "strategy-row",
          "data-strategy": s.address,
        },
        el(
          "div",
          { class: "bar-name", title: s.address },
          el("span", { "data-testid": "strategy-name", title: s.address }, s.name),
          el("span", { class: "index" }, `#${s.index}`),
          el("span", { class: "apr" }, s.aprBps === null ? "APR: learning" : `APR ≈ ${(s.aprBps / 100).toFixed(2)}%`),
          s.frozen
            ? el(
                "span",
                {
                  class: "quarantine",
                  "data-testid": "strategy-frozen",
                  title: "its share price moved from its mark faster than the vault's rate bound",
                },
                "frozen on chain: exit-only until governance clears it",
              )
            : undefined,
          s.riskGroups && s.riskGroups.length > 0
            ? el("span", { class: "apr", "data-testid": "strategy-groups" }, `risk groups ${s.riskGroups.join(", ")}`)
            : undefined,
          s.quarantine
            ? el(
                "span",
                { class: "quarantine", "data-testid": "strategy-quarantine", title: s.quarantine.reason },
                `quarantined (${s.quarantine.code}): ${s.quarantine.exit ? "moving out" : "left for governance"}`,
              )
            : undefined,
        ),
        track(share, COLORS[i % COLORS.length], capShare, `cap ${capShare.toFixed(1)}%`),
        barFigs(
          s.value,
          v,
          { "data-testid": "strategy-share" },
          `${share.toFixed(2)}% of ${bps(s.relativeCapBps)} cap`,
        ),
      ),
    );
  });
  const idleShare = pct(v.idle, v.totalAssets);
  bars.append(
    el(
      "div",
      { class: `bar-row${below ? " under" : ""}`, "data-testid": "idle-row" },
      el("div", { class: "bar-name" }, "Idle", el("span", { class: "apr" }, "earns nothing")),
      track(idleShare, "var(--idle)", v.idleBufferBps / 100, `buffer ${bps(v.idleBufferBps)}`),
      barFigs(v.idle, v, {}, `${idleShare.toFixed(2)}% (at least ${bps(v.idleBufferBps)})`),
    ),
  );

  for (const g of v.riskGroups ?? []) {
    const share = pct(g.value, v.totalAssets);
    const capShare = pct(g.cap, v.totalAssets);
    const over = BigInt(g.value) > BigInt(g.cap);
    bars.append(
      el(
        "div",
        { class: `bar-row${over ? " over" : ""}`, "data-testid": "risk-group-row", "data-group": String(g.id) },
        el(
          "div",
          { class: "bar-name" },
          `Risk group ${g.id}`,
          el("span", { class: "apr" }, `strategies ${g.members.join(", ")} together`),
        ),
        track(share, "var(--idle)", capShare, `cap ${capShare.toFixed(1)}%`),
        barFigs(g.value, v, { "data-testid": "risk-group-use" }, `${share.toFixed(2)}% of ${amount(g.cap, v)} cap`),
      ),
    );
  }

  renderHistory(node, v);

  const sessions = $("[data-testid=sessions]", node);
  if (v.sessions.length === 0) sessions.append(el("div", { class: "empty" }, "no session granted to this agent"));
  for (const s of v.sessions.slice().reverse()) {
    const used = BigInt(s.maxVolumePerEpoch) - BigInt(s.volumeLeftInEpoch);
    sessions.append(
      el(
        "div",
        { class: "session", "data-testid": "session-row", "data-session": s.id },
        el(
          "div",
          { class: "session-head" },
          el("b", {}, `Session #${s.id}`),
          el("span", { class: `pill status-${s.status}`, "data-testid": "session-status" }, s.status),
          s.reduceOnly
            ? el(
                "span",
                {
                  class: "pill reduce-only",
                  "data-testid": "session-reduce-only",
                  title: "no leg may raise a strategy",
                },
                "reduce-only",
              )
            : null,
        ),
        el(
          "div",
          { class: "kv" },
          el(
            "div",
            {},
            el("span", {}, "time left"),
            el("span", { "data-testid": "session-time-left" }, duration(s.timeLeft)),
          ),
          el("div", {}, el("span", {}, "valid until"), el("span", {}, time(s.validUntil))),
          el(
            "div",
            {},
            el("span", {}, "epoch volume left"),
            el(
              "span",
              { "data-raw": s.volumeLeftInEpoch, "data-testid": "session-volume-left" },
              amount(s.volumeLeftInEpoch, v),
            ),
          ),
          el(
            "div",
            {},
            el("span", {}, "calls left this epoch"),
            el("span", {}, `${s.callsLeftInEpoch} of ${s.maxCallsPerEpoch}`),
          ),
          el("div", {}, el("span", {}, "per call"), el("span", {}, amount(s.maxVolumePerCall, v))),
          el(
            "div",
            {},
            el("span", {}, "loss allowance"),
            el(
              "span",
              { "data-testid": "session-loss-allowance", "data-raw": s.maxLoss === "0" ? null : s.lossLeft },
              lossAllowance(s, v),
            ),
          ),
          el(
            "div",
            {},
            el("span", {}, "next call"),
            el("span", { "data-testid": "session-next-call" }, nextCall(s, v)),
          ),
        ),
        el(
          "div",
          {
            class: "meter",
            title: `${amount(used.toString(), v)} of ${amount(s.maxVolumePerEpoch, v)} used this epoch`,
          },
          el("div", { style: `width:${100 - pct(s.volumeLeftInEpoch, s.maxVolumePerEpoch)}%` }),
        ),
        el("div", { class: "hint" }, sessionNote(s, v)),
      ),
    );
  }
  return node;
}

/** The vault's history charts (SVG from the daemon's own API, its labels escaped there), when they have arrived. */
function renderHistory(node, v) {
  const h = historyView?.vaults.find((x) => x.label === v.label);
  if (!h?.charts) return;
  for (const slot of node.querySelectorAll("[data-slot]")) slot.innerHTML = h.charts[slot.dataset.slot] ?? "";
  $(".history-note", node).textContent =
    `${h.points.length} points since ${time(h.since)} (the daemon's start)${h.tickStride > 1 ? `, one every ${h.tickStride} ticks` : ""}`;
}

/** When the session's next call may go, at chain time: never for one that ended or cannot act. */
function nextCall(s, v) {
  switch (s.status) {
    case "expired":
      return "none: expired";
    case "revoked":
      return "none: revoked";
    case "moved":
      return "none: moved to another key";
    case "expiring":
      return "none: inside the expiry margin";
    case "paused":
      return "none while agents are paused";
    case "not-started":
      return time(s.validAfter);
    case "out-of-budget":
      return time(s.epochEndsAt);
    default:
      return s.nextCallAt > v.timestamp ? time(s.nextCallAt) : "now";
  }
}

/** What a session's status means, in words. */
function sessionNote(s, _v) {
  switch (s.status) {
    case "usable":
      return "the agent may act now";
    case "cooldown":
      return `cooling down: next call at ${time(s.nextCallAt)}`;
    case "out-of-budget":
      return `this epoch's budget is spent: it refills at ${time(s.epochEndsAt)}`;
    case "not-started":
      return `starts at ${time(s.validAfter)}`;
    case "expiring":
      return "inside the expiry margin: the agent starts no new call";
    case "expired":
      return `expired at ${time(s.validUntil)}: the agent stands down`;
    case "revoked":
      return s.ended ? `${s.detail}; the agent stands down` : "revoked: the agent stands down";
    case "moved":
      return `${s.detail}; the agent stands down`;
    case "paused":
      return "every agent is paused by the guardian; only governance unpauses";
    default:
      return s.detail;
  }
}

function renderJournal(data) {
  const body = $("#journal-body");
  // A vault by chain and address: one address may be a vault on each of several chains.
  const key = (chain, address) => `${chain ?? ""}/${address.toLowerCase()}`;
  const vaults = Object.fromEntries(data.vaults.filter((v) => v.ready).map((v) => [key(v.chain, v.address), v]));
  body.replaceChildren();
  if (data.journal.length === 0) {
    body.append(el("tr", { class: "empty" }, el("td", { colSpan: 7 }, "no decision yet")));
    return;
  }
  for (const j of data.journal) {
    const v = vaults[key(j.chain, j.vault)] ?? { decimals: 18, symbol: "" };
    body.append(
      el(
        "tr",
        { "data-testid": "journal-row", "data-intent": j.intentHash, "data-tx": j.txHash ?? "" },
        el(
          "td",
          { class: "num", "data-testid": "journal-decided", title: `journaled at ${j.createdAt} (wall clock)` },
          j.decidedAt ? time(j.decidedAt) : `block ${j.blockNumber}`,
        ),
        el(
          "td",
          { class: "reason" },
          j.chain ? `${j.chain} · ${j.reason}` : j.reason,
          j.error ? el("div", { class: "status reverted" }, j.error) : null,
        ),
        el("td", { class: "num", "data-raw": j.volume }, amount(j.volume, v)),
        el("td", {}, el("span", { class: `status ${j.status}` }, j.status)),
        el("td", { class: "num" }, j.gasUsed ? Number(j.gasUsed).toLocaleString("en-US") : "—"),
        el("td", { class: "mono", title: j.txHash ?? "" }, short(j.txHash)),
        el(
          "td",
          { class: "mono", title: j.intentHash },
          el("a", { href: `/api/decisions/${j.intentHash}`, "data-testid": "decision-link" }, short(j.intentHash)),
        ),
      ),
    );
  }
}

/** Proposals the daemon drafted when a bound clipped its plan: the rationale, the calls, the Safe batch to download. */
function renderDrafts(data) {
  const list = $("#drafts");
  list.replaceChildren();
  const drafts = data.drafts ?? [];
  if (drafts.length === 0) {
    list.append(el("li", { class: "empty" }, "none"));
    return;
  }
  for (const d of drafts) {
    const batch = `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(d.safeBatch, null, 2))}`;
    list.append(
      el(
        "li",
        { class: `item ${d.status}`, "data-testid": "draft-row", "data-hash": d.hash, "data-status": d.status },
        el(
          "div",
          {},
          el("span", { class: "title" }, `${d.label}: ${d.gainPerYearDisplay} a year`),
          d.status === "superseded" ? ` · superseded (${d.superseded?.reason ?? ""})` : "",
        ),
        el("div", { class: "why" }, d.rationale),
        d.evidence ? el("div", { class: "why", "data-testid": "draft-evidence" }, `Evidence: ${d.evidence}`) : "",
        ...d.calls.map((c) => el("div", { class: "args mono" }, c.summary)),
        el("div", { class: "why" }, d.whatIf),
        el(
          "div",
          { class: "meta" },
          `${time(d.at)} · draft ${short(d.hash)} · `,
          el("a", { href: batch, download: `safe-batch-${d.hash.slice(2, 10)}.json` }, "Safe batch"),
        ),
      ),
    );
  }
}

function renderRejections(data) {
  const list = $("#rejections");
  list.replaceChildren();
  if (data.rejections.length === 0) {
    list.append(el("li", { class: "empty" }, "none"));
    return;
  }
  for (const r of data.rejections) {
    const m = /^(\w+)\((.*)\)$/s.exec(r.display || r.error);
    list.append(
      el(
        "li",
        { class: "item", "data-testid": "rejection-row", "data-error": m ? m[1] : r.error },
        el("div", {}, el("span", { class: "err" }, m ? m[1] : r.error), r.count > 1 ? ` ×${r.count}` : ""),
        m?.[2] ? el("div", { class: "args mono" }, m[2]) : null,
        el(
          "div",
          { class: "meta" },
          `${r.at ? time(r.at) : r.block ? `block ${r.block}` : "—"} · ${r.source} · stopped by the ${r.stage === "chain" ? "contract (transaction reverted)" : r.stage === "simulation" ? "contract (simulation)" : "mirror of the checks"}`,
          r.txHash ? ` · tx ${short(r.txHash)}` : "",
          r.gasUsed ? ` · ${Number(r.gasUsed).toLocaleString("en-US")} gas` : "",
        ),
      ),
    );
  }
}

/** The agent key's ETH (what pays for gas), with a warning below tx.lowBalanceEth or when it cannot pay. */
function renderKey(data) {
  const node = $("#key-balance");
  if (!data.key) {
    node.textContent = "";
    return;
  }
  const k = data.key;
  node.dataset.raw = k.balanceWei ?? "";
  node.className = `key ${k.cannotPay ? "bad" : k.low ? "warn" : ""}`;
  node.textContent = k.balanceWei === null ? "gas: unknown" : `gas ${eth(k.balanceWei)}`;
  node.title = k.cannotPay
    ? `the agent key cannot pay for a transaction: fund ${k.address}`
    : k.low
      ? `below tx.lowBalanceEth (${eth(k.lowBalanceWei)}): fund ${k.address}`
      : `agent key ${k.address}`;
}

function render(data) {
  $("#agent-line").textContent = data.chains
    ? `agent ${data.agent} · chains ${data.chains.map((c) => `${c.name} (${c.chainId})`).join(", ")}`
    : `agent ${data.agent} · chain ${data.chainId}`;
  // High availability: this daemon is the active node, holding the lease.
  if (data.ha)
    $("#agent-line").textContent +=
      ` · HA: active node ${data.ha.nodeId} (lease token ${data.ha.token ?? "?"}${data.ha.expires ? `, until ${time(data.ha.expires)}` : ""})`;
  const main = $("#vaults");
  main.replaceChildren(...data.vaults.map(renderVault));
  renderJournal(data);
  renderRejections(data);
  renderDrafts(data);
  const pill = $("#mode-pill");
  const v = data.vaults.find((x) => x.ready);
  const healthy = data.health?.healthy;
  renderKey(data);
  const mode = v
    ? v.agentsPaused
      ? "paused"
      : v.breaker.open
        ? "breaker open"
        : v.mode
          ? MODE[v.mode.mode]
          : v.lastResult.kind
    : "starting";
  pill.textContent = mode;
  pill.className = `pill ${v?.mode ? v.mode.mode : ""} ${healthy ? "" : "bad"}`;
  const ready = !data.readiness || data.readiness.ready;
  if (!ready) pill.classList.add("bad");
  pill.title = !healthy
    ? "unhealthy: see /health"
    : ready
      ? "ready: the agent can act"
      : `cannot act: ${data.readiness.reasons.join("; ")}`;
  document.body.dataset.version = String(data.version);
}

let lastOk = 0;
/** The last /api/history answer; asked again when the dashboard's version is past its own. */
let historyView = null;
async function getJson(url) {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(String(res.status));
  return await res.json();
}
async function poll() {
  try {
    const data = await getJson("/api/dashboard");
    if (historyView === null || historyView.version !== data.version) historyView = await getJson("/api/history");
    render(data);
    lastOk = Date.now();
    $("#live-dot").className = "dot on";
    $("#live-text").textContent = "live";
  } catch (_err) {
    $("#live-dot").className = "dot off";
    $("#live-text").textContent = lastOk
      ? `disconnected (last update ${Math.round((Date.now() - lastOk) / 1000)}s ago)`
      : "disconnected";
  } finally {
    setTimeout(poll, POLL_MS);
  }
}
poll();
