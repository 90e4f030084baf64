// End to end in a real browser: Debian's Chromium driven by playwright-core, against the real
// server. The page shows LIVE and a VaR, the VaR changes; the server is killed and, sampled every
// 50 ms through the whole outage, the page never shows LIVE, marks its numbers stale and counts
// their age; the server restarts and the page recovers by itself. Then the server is frozen
// (SIGSTOP: alive but silent) and the page must leave LIVE and show stale, then recover after
// SIGCONT. A render pending when the socket closes must not bring LIVE back: the server is killed
// several times on a slowed-down CPU (where renders lag, as on a busy machine) and the status text
// must never return to LIVE before the restart. Once the server holds more of the last 5 minutes
// than a snapshot carries, a reloaded page must show more chart points right after its first
// snapshot than the stream alone could have delivered (so they came from GET /api/history), and
// "1 h" must ask for 5 s buckets and still show points. The server writes its history to a
// throwaway PostgreSQL cluster (scripts/pg.sh), so the reloaded charts must also reach back past
// the server's last restart: history survives it. The page must log no
// Content-Security-Policy violation and throw no error.
// Screenshots, measurements and the sampled timelines go to $E2E_ARTIFACTS (default ../build/e2e).
//
// The same test runs against either server: RTRISK_SERVER=cpp (default, build/examples/rtrisk_live
// or $RTRISK_LIVE) or RTRISK_SERVER=python (the FastAPI service on the same engine, `python -m
// rtrisk.service` with $RTRISK_PYTHON, default ./.venv/bin/python); scripts/test runs both.
//
// Usage: node e2e/live.e2e.mjs   (after `npx vite build` and building rtrisk_live, or installing the package)
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const serverKind = process.env.RTRISK_SERVER ?? "cpp";
if (!["cpp", "python"].includes(serverKind)) throw new Error(`RTRISK_SERVER: '${serverKind}' is not cpp or python`);
const [binary, ...binaryArgs] = serverKind === "cpp"
  ? [process.env.RTRISK_LIVE ?? resolve(root, "build/examples/rtrisk_live")]
  : [process.env.RTRISK_PYTHON ?? resolve(root, ".venv/bin/python"), "-m", "rtrisk.service"];
const staticDir = process.env.RTRISK_STATIC ?? resolve(root, "web/dist");
const artifacts = resolve(process.env.E2E_ARTIFACTS ?? resolve(root, "build/e2e"), serverKind);
mkdirSync(artifacts, { recursive: true });

const OUTAGE_MS = 8000; // longer than the heartbeat + 2 publications (5.2 s) after which numbers are stale
const STALE_AFTER_MS = 5200; // web/src/status.ts staleAfterMs()
const CLOSE_GRACE_MS = 1000; // the browser needs a moment to see a killed server's socket close (~10-50 ms here)
const CLOCK_SLACK_MS = 500; // the page re-evaluates its status every 250 ms
const KILL_CYCLES = 8; // the pre-fix page showed LIVE again after ~40 % of kills at 6x CPU throttling
const CPU_THROTTLE = 6;
const HISTORY_EXTRA = 200; // publications the server holds beyond a snapshot's history before the reload (20 s at 10 Hz)

const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

// The history's database: a private cluster in a folder the `postgres` user can reach.
const pgDir = mkdtempSync("/tmp/rtrisk_e2e_pg_");
chmodSync(pgDir, 0o755);
const pg = (cmd) => execFileSync(resolve(root, "scripts/pg.sh"), [cmd, pgDir], { encoding: "utf8" }).trim();
const dbUrl = pg("start");
const serverStarts = [];
const TOKEN = "e2e-s3cret"; // the page is opened with ?token=, the test's own requests send it as a Bearer
const auth = { Authorization: `Bearer ${TOKEN}` };
writeFileSync(`${pgDir}/limits.csv`, "node,measure,limit\n"); // no limits: the dashboard adds them

const startServer = (port) =>
  new Promise((res, rej) => {
    serverStarts.push(Date.now());
    const p = spawn(binary, [...binaryArgs, "--port", String(port), "--static", staticDir, "--config", resolve(root, "data/demo.toml"),
      "--db", dbUrl, "--db-journal", `${pgDir}/history.journal`, "--token", TOKEN, "--limits", `${pgDir}/limits.csv`],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    p.once("error", rej);
    p.stdout.on("data", (b) => {
      if (b.toString().includes("rtrisk live:")) res(p);
    });
    setTimeout(() => rej(new Error("server did not start in 15 s")), 15000);
  });

const fail = (msg) => {
  console.error(`E2E FAIL: ${msg}`);
  process.exitCode = 1;
};

// Installed in the page before its scripts: every change of the status text (with its time, so a
// LIVE lasting one frame is caught), CSP violations, and samples of the status bar every 50 ms.
function recorder() {
  const e2e = (window.__e2e = { statusChanges: [], samples: [], csp: [], sampling: false });
  document.addEventListener("securitypolicyviolation", (e) => e2e.csp.push(`${e.violatedDirective} blocked ${e.blockedURI} ${e.sample ?? ""}`));
  const text = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
  let last = null;
  new MutationObserver(() => {
    const s = text("status");
    if (s !== last) e2e.statusChanges.push({ t: Date.now(), status: (last = s) });
    // The first live number: the frame that first shows a number in the VaR card, in ms after
    // navigation started (performance.now's origin).
    if (e2e.firstNumberFrameMs === undefined && /\d/.test(text("var") ?? "")) {
      e2e.firstNumberFrameMs = null;
      requestAnimationFrame(() => { e2e.firstNumberFrameMs = performance.now(); });
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
  setInterval(() => {
    if (!e2e.sampling) return;
    const age = document.querySelector('[data-testid="data-age"]')?.getAttribute("data-age-ms");
    e2e.samples.push({
      t: Date.now(),
      status: text("status"),
      banner: document.querySelector('[data-testid="stale-banner"]') !== null,
      age_ms: age == null ? null : Number(age),
      latency: text("latency"),
    });
  }, 50);
}

const latencyShown = (text) => /\d\s*ms/.test(text ?? ""); // "latency p99 1.2 ms", not "latency p99 —"

// The samples as runs of equal (status, banner, latency shown or not), times relative to t0.
const runs = (samples, t0) => {
  const out = [];
  for (const s of samples) {
    const latency_shown = latencyShown(s.latency);
    const last = out.at(-1);
    if (last && last.status === s.status && last.banner === s.banner && last.latency_shown === latency_shown) {
      Object.assign(last, { to_ms: s.t - t0, age_to_ms: s.age_ms, samples: last.samples + 1 });
    } else {
      out.push({ from_ms: s.t - t0, to_ms: s.t - t0, status: s.status, banner: s.banner, latency_shown, age_from_ms: s.age_ms, age_to_ms: s.age_ms, samples: 1 });
    }
  }
  return out;
};

// Runs `disrupt`, waits OUTAGE_MS, runs `restore`, waits for LIVE; returns the sampled timeline.
async function outage(page, name, disrupt, restore) {
  await page.evaluate(() => { window.__e2e.samples.length = 0; window.__e2e.sampling = true; });
  const start = Date.now();
  await disrupt();
  await page.waitForTimeout(OUTAGE_MS - 1000);
  await page.screenshot({ path: `${artifacts}/${name}.png` });
  await page.waitForTimeout(1000);
  const end = Date.now();
  await restore();
  const restored = Date.now();
  await page.getByTestId("status").filter({ hasText: /^LIVE$/ }).waitFor({ timeout: 30000 });
  const live = Date.now();
  await page.getByTestId("stale-banner").waitFor({ state: "detached", timeout: 2000 }).catch(() => fail(`${name}: the stale banner stays after recovery`));
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${artifacts}/${name}-recovered.png` });
  const { samples, changes } = await page.evaluate(() => {
    window.__e2e.sampling = false;
    return { samples: window.__e2e.samples.slice(), changes: window.__e2e.statusChanges.slice() };
  });
  const during = samples.filter((s) => s.t >= start && s.t < end);
  const after = samples.filter((s) => s.t >= live + 300);
  const firstNotLive = during.find((s) => s.status !== "LIVE");
  const firstBanner = during.find((s) => s.banner);
  const ages = during.filter((s) => s.status !== "LIVE").map((s) => s.age_ms);
  if (after.some((s) => s.banner || s.status !== "LIVE")) fail(`${name}: not LIVE, or stale banner, after recovery`);
  if (after.some((s) => !latencyShown(s.latency))) fail(`${name}: no latency figure after recovery`);
  return {
    start,
    end,
    during,
    firstNotLive,
    firstBanner,
    ages,
    report: {
      not_live_after_ms: firstNotLive ? firstNotLive.t - start : null,
      stale_banner_after_ms: firstBanner ? firstBanner.t - start : null,
      data_age_ms: { first: ages[0] ?? null, last: ages.at(-1) ?? null },
      restored_at_ms: restored - start,
      live_again_after_restore_ms: live - restored,
      status_changes: changes.filter((c) => c.t >= start - 1000).map((c) => ({ t_ms: c.t - start, status: c.status })),
      timeline: runs(samples, start),
    },
    changes,
  };
}

// Checks shared by both outages: from `liveUntil` (relative to the disruption), or from the first
// sample that is not LIVE if earlier, to the restore, the page shows no LIVE at all (no sample, no
// change of the status text), shows the banner, hides the latency figure, and the data age keeps
// counting.
function checkOutage(name, o, liveUntil, expectStatuses) {
  const { start, end, during, firstNotLive, ages } = o;
  if (!firstNotLive) return fail(`${name}: the badge never left LIVE`);
  const lateLive = during.filter((s) => s.status === "LIVE" && (s.t >= start + liveUntil || s.t > firstNotLive.t));
  if (lateLive.length) fail(`${name}: LIVE sampled ${lateLive.length} times while the server was down, first at +${lateLive[0].t - start} ms`);
  const flips = o.changes.filter((c) => c.status === "LIVE" && c.t > start && c.t < end);
  if (flips.length) fail(`${name}: the badge turned LIVE again at +${flips.map((c) => c.t - start).join(", +")} ms while the server was down`);
  const notLive = during.filter((s) => s.t >= firstNotLive.t);
  if (notLive.some((s) => !s.banner)) fail(`${name}: not LIVE without the stale banner`);
  if (notLive.some((s) => latencyShown(s.latency))) fail(`${name}: a latency figure is shown while not LIVE`);
  for (let i = 1; i < ages.length; i++) if (!(ages[i] >= ages[i - 1])) return fail(`${name}: the data age went back from ${ages[i - 1]} to ${ages[i]} ms`);
  const grew = (ages.at(-1) ?? 0) - (ages[0] ?? 0);
  if (!(grew >= end - firstNotLive.t - 1000)) fail(`${name}: the data age grew by ${grew} ms over ${end - firstNotLive.t} ms`);
  const seen = new Set(notLive.map((s) => s.status));
  for (const s of expectStatuses) if (!seen.has(s)) fail(`${name}: status ${s} never shown (saw ${[...seen].join(", ")})`);
}

const chartPoints = (page, id) =>
  page.evaluate((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute("data-points") ?? NaN), id);

// The server's timing and history length, from a snapshot on a connection of our own.
const serverInfo = (page) =>
  page.evaluate(() => new Promise((res, rej) => {
    const ws = new WebSocket(`ws://${location.host}/ws/risk${location.search}`); // the page's ?token=
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "snapshot") res(m.data.server), ws.close();
    };
    ws.onerror = () => rej(new Error("no snapshot: the WebSocket failed"));
    setTimeout(() => rej(new Error("no snapshot in 10 s")), 10000);
  }));

// Waits until the server's last 5 minutes of `node` hold `target` points or more; returns the count,
// or null after a failure (an answer other than 200 stops at once: a server without /api/history).
async function waitForServerHistory(port, node, target, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`http://127.0.0.1:${port}/api/history?${new URLSearchParams({ node })}`, { headers: auth });
    if (!r.ok) return fail(`GET /api/history answered ${r.status}: ${(await r.text()).trim()}`), null;
    const n = (await r.json()).points.length;
    if (n >= target) return n;
    if (Date.now() > end) return fail(`/api/history held ${n} points of the last 5 minutes after ${timeoutMs} ms, ${target} needed`), null;
    await new Promise((res) => setTimeout(res, 1000));
  }
}

// The stream alone can deliver at most a snapshot's history (server.history_points) plus one point
// per publication since the reload; a page filled from /api/history shows more at once. Then "1 h"
// must request step=5 and show points, fewer than the raw 5 minutes (5 s buckets).
async function historyCheck(page, port, node) {
  const info = await serverInfo(page);
  const out = { server: info };
  out.server_points = await waitForServerHistory(port, node, info.history_points + HISTORY_EXTRA,
    (info.history_points + HISTORY_EXTRA) * info.publish_ms * 1.5 + 30000);
  if (out.server_points === null) return out;
  const reloaded = Date.now();
  await page.reload();
  const filled = page.locator('[data-testid="charts"][data-source]');
  const note = page.getByTestId("history-note");
  await filled.or(note).first().waitFor({ timeout: 15000 });
  out.first_points = await chartPoints(page, "chart-pnl");
  out.first_after_ms = Date.now() - reloaded;
  out.live_max = info.history_points + Math.ceil(out.first_after_ms / info.publish_ms) + 1;
  if ((await note.count()) !== 0) return fail(`the page says: ${await note.textContent()}`), out;
  out.source = await filled.getAttribute("data-source");
  if (out.source !== "raw") fail(`data-source is '${out.source}', not the database's rows ('raw')`);
  out.first_point_ms = await page.evaluate(() => Number(document.querySelector('[data-testid="chart-pnl"]')?.getAttribute("data-first-ms") ?? NaN));
  out.last_start_ms = serverStarts[serverStarts.length - 1];
  if (!(out.first_point_ms < out.last_start_ms - 1000)) {
    fail(`after the reload the P&L chart starts at ${new Date(out.first_point_ms).toISOString()}, not before the server's last restart (${new Date(out.last_start_ms).toISOString()}): history did not survive it`);
  }
  if (!(out.first_points > out.live_max)) {
    fail(`after the reload the P&L chart shows ${out.first_points} points, no more than the stream alone could deliver (${out.live_max}): not filled from /api/history`);
  }
  await page.screenshot({ path: `${artifacts}/history-5min.png` });

  const hourRequest = page.waitForRequest((r) => {
    const u = new URL(r.url());
    return u.pathname === "/api/history" && u.searchParams.get("step") === "5";
  }, { timeout: 10000 });
  const hour = page.getByRole("button", { name: "1 h", exact: true });
  await hour.click();
  const request = await hourRequest.catch(() => null);
  if (!request) return fail('"1 h" sent no /api/history request with step=5'), out;
  out.hour_request = request.url().replace(/^https?:\/\/[^/]+/, "");
  const response = await request.response();
  if (response?.status() !== 200) fail(`"1 h": /api/history answered ${response?.status()}: ${await response?.text()}`);
  if ((await hour.getAttribute("aria-pressed")) !== "true") fail('"1 h" is not marked pressed');
  await filled.or(note).first().waitFor({ timeout: 10000 });
  if ((await note.count()) !== 0) return fail(`"1 h": the page says: ${await note.textContent()}`), out;
  out.hour_points = { pnl: await chartPoints(page, "chart-pnl"), var: await chartPoints(page, "chart-var") };
  if (!(out.hour_points.pnl > 0 && out.hour_points.var > 0)) fail(`"1 h": the charts show ${JSON.stringify(out.hour_points)} points`);
  if (!(out.hour_points.pnl < out.first_points)) fail(`"1 h" shows ${out.hour_points.pnl} points, not fewer than the raw 5 minutes (${out.first_points})`);
  await page.screenshot({ path: `${artifacts}/history-1h.png` });
  return out;
}

// Drill-down: a desk selected in the node table; the URL names it, the breadcrumb, cards, charts,
// node table (its subtree) and positions (those under it) follow, and a reload keeps it; the
// breadcrumb's root goes back. The card and the node's row are read in one frame.
async function drillDown(page, apiRisk) {
  const out = {};
  const desk = apiRisk.nodes.find((n) => n.depth === 1 && apiRisk.nodes.some((c) => c.parent === n.path));
  const under = apiRisk.nodes.filter((n) => n.path === desk.path || n.path.startsWith(`${desk.path}/`));
  await page.locator(`[data-testid="node-row"][data-path="${desk.path}"] button`).click();
  await page.waitForFunction((p) => new URLSearchParams(location.search).get("node") === p, desk.path, { timeout: 5000 });
  await page.locator(`[data-testid="breadcrumb"][data-path="${desk.path}"]`).waitFor({ timeout: 5000 });
  const view = () => page.evaluate(() => ({
    card: document.querySelector('[data-testid="var"]')?.textContent,
    row: document.querySelector('[data-testid="node-row"][aria-selected="true"] [data-testid="node-var"]')?.textContent,
    rows: [...document.querySelectorAll('[data-testid="node-row"]')].map((r) => r.dataset.path),
    charts: document.querySelector('[data-testid="charts"]')?.dataset.node,
  }));
  const v = await view();
  out.desk = desk.path;
  out.card_var = v.card;
  if (!v.card || v.card !== v.row) fail(`drill-down: the VaR card shows ${v.card}, the selected node's row ${v.row}`);
  if (JSON.stringify(v.rows) !== JSON.stringify(under.map((n) => n.path))) fail(`drill-down: node rows ${v.rows} are not the subtree of ${desk.path}`);
  if (v.charts !== desk.path) fail(`drill-down: the charts show ${v.charts}, not ${desk.path}`);
  // its detail (GET /api/node): stress, heatmap, Greeks and why its VaR is what it is follow it
  await page.locator(`[data-testid="node-detail"][data-path="${desk.path}"]`).waitFor({ timeout: 5000 });
  await page.locator(`[data-testid="stress"][data-node="${desk.path}"]`).waitFor({ timeout: 5000 });
  const detail = await page.evaluate(() => ({
    tail: document.querySelectorAll('[data-testid="tail-row"]').length,
    contributors: document.querySelectorAll('[data-testid="contributor-row"]').length,
    greeks: document.querySelectorAll('[data-testid="greeks-row"]').length,
    bars: document.querySelectorAll('[data-testid="histogram"] rect').length,
  }));
  if (!(detail.tail > 0 && detail.contributors > 0 && detail.greeks > 0 && detail.bars > 0)) fail(`drill-down: the node detail is incomplete: ${JSON.stringify(detail)}`);
  out.detail = detail;
  const cell = page.locator('[data-testid="heatmap-cell"]').nth(3);
  await cell.hover();
  const pnl = Number(await cell.getAttribute("data-pnl"));
  const readout = await page.getByTestId("heatmap-readout").textContent();
  const shown = Number((readout.split("P&L ")[1] ?? "").replace(/,/g, ""));
  if (!(Math.abs(shown - pnl) <= 0.006)) fail(`heatmap: hovering a cell of P&L ${pnl} reads "${readout}"`);
  out.heatmap_hover = readout;
  const positionNodes = await page.locator(".positions td[title]").evaluateAll((tds) => tds.map((td) => td.title));
  if (positionNodes.some((n) => n !== desk.path && !n.startsWith(`${desk.path}/`))) fail(`drill-down: a position outside ${desk.path} is listed`);
  await page.reload();
  await page.getByTestId("status").filter({ hasText: /^LIVE$/ }).waitFor({ timeout: 10000 });
  await page.locator(`[data-testid="breadcrumb"][data-path="${desk.path}"]`).waitFor({ timeout: 10000 });
  out.kept_after_reload = true;
  await page.locator('[data-testid="breadcrumb"] button').first().click();
  await page.waitForFunction(() => !new URLSearchParams(location.search).has("node"), null, { timeout: 5000 });
  await page.locator(`[data-testid="breadcrumb"][data-path="${apiRisk.nodes[0].path}"]`).waitFor({ timeout: 5000 });
  out.back_to_root = true;
  return out;
}

// Sampled every 100 ms for `ms`: what `read` returns in the page.
async function sample(page, ms, read) {
  const out = [];
  for (const end = Date.now() + ms; Date.now() < end;) {
    out.push(await page.evaluate(read));
    await page.waitForTimeout(100);
  }
  return out;
}

// A limit set from the dashboard below the firm's VaR: the banner, an alert row "breach", the
// bar in breach and the metric; raised far above: an alert row "cleared" and no banner, sampled
// for 2 s after (a cleared breach does not come back while the VaR stays far below the limit).
async function limitBreachAndClearing(page, port) {
  const out = {};
  const varNow = async () => Number((await page.getByTestId("var").textContent()).replace(/,/g, ""));
  const setLimit = async (value) => {
    const form = page.getByTestId("limit-form");
    await form.getByLabel("measure").selectOption("var_99");
    await form.getByLabel("limit").fill(String(value));
    await form.getByRole("button", { name: "set" }).click();
    await page.getByTestId("limit-message").filter({ hasText: /^saved$/ }).waitFor({ timeout: 5000 });
  };
  await page.getByTestId("limit-form").waitFor({ timeout: 10000 }); // editable: --limits and --token
  const v = await varNow();
  await setLimit(Math.round(v * 0.5));
  await page.getByTestId("alert-banner").waitFor({ timeout: 5000 });
  await page.locator('[data-testid="alert-row"][data-event="breach"][data-node="FIRM"]').waitFor({ timeout: 5000 });
  await page.locator('[data-testid="limit-row"][data-node="FIRM"][data-measure="var_99"][data-breached="true"]').waitFor({ timeout: 5000 });
  out.banner = await page.getByTestId("alert-banner").textContent();
  const metric = (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).match(/^rtrisk_limit_breaches_total (\S+)/m)?.[1];
  if (!(Number(metric) >= 1)) fail(`limits: rtrisk_limit_breaches_total is ${metric} after a breach`);
  out.breaches_metric = Number(metric);
  await setLimit(Math.round(v * 3));
  await page.locator('[data-testid="alert-row"][data-event="cleared"][data-node="FIRM"]').waitFor({ timeout: 5000 });
  const after = await sample(page, 2000, () => document.querySelectorAll('[data-testid="alert-banner"]').length);
  if (after.some((n) => n !== 0)) fail(`limits: the banner is shown after the breach cleared: ${after}`);
  out.cleared = true;
  out.banner_samples_after_clear = after.length;
  const events = await page.locator('[data-testid="alert-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.event));
  if (events[0] !== "cleared" || events[1] !== "breach") fail(`limits: alerts list reads ${events}, not cleared after breach (newest first)`);
  return out;
}

// A what-if trade typed in the panel: the answer lists the leaf and every node above it, the
// root's VaR after as the API answers it (the state moves between the two: within 5 %); a bad
// quantity shows the reason.
async function whatIf(page, port, apiRisk) {
  const out = {};
  const leaf = apiRisk.nodes.filter((n) => n.positions_count > 0).reduce((a, b) => (b.depth > a.depth ? b : a));
  const panel = page.getByTestId("what-if");
  await panel.getByLabel("node").fill(leaf.path);
  await panel.getByLabel("symbol").selectOption("DAX");
  await panel.getByLabel("quantity").fill("25");
  await page.locator('[data-testid="what-if-row"]').first().waitFor({ timeout: 5000 });
  const rows = await page.locator('[data-testid="what-if-row"]').evaluateAll((r) => r.map((x) => ({ path: x.dataset.path, after: Number(x.dataset.varAfter) })));
  const chain = [];
  for (let p = leaf.path; p; p = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "") chain.push(p);
  if (JSON.stringify(rows.map((r) => r.path)) !== JSON.stringify(chain)) fail(`what-if: rows ${rows.map((r) => r.path)} are not ${chain}`);
  const api = await (await fetch(`http://127.0.0.1:${port}/api/whatif`, { method: "POST", headers: auth,
    body: JSON.stringify({ trades: [{ node: leaf.path, symbol: "DAX", quantity: 25 }] }) })).json();
  const root = api.nodes.at(-1).var_99_after;
  if (!(Math.abs(rows.at(-1).after - root) <= 0.05 * root)) fail(`what-if: the panel's root VaR after ${rows.at(-1).after}, the API's ${root}`);
  out.rows = rows.length;
  out.root_var_after = rows.at(-1).after;
  await panel.getByLabel("quantity").fill("12abc");
  await page.getByTestId("what-if-error").filter({ hasText: "quantity '12abc'" }).waitFor({ timeout: 5000 });
  out.bad_quantity_named = true;
  return out;
}

// The backtest panel of the root: exceptions drawn as the API counts them, the traffic light
// and Kupiec's p-value as the API answers.
async function backtestPanel(page, port, node) {
  await page.locator(`[data-testid="backtest"][data-path="${node}"]`).waitFor({ timeout: 10000 });
  const shown = await page.evaluate(() => ({
    exceptions: document.querySelectorAll('[data-testid="backtest-exception"]').length,
    zone: document.querySelector('[data-testid="traffic-light"]')?.textContent,
    kupiec: Number(document.querySelector('[data-testid="kupiec"]')?.textContent),
  }));
  const api = await (await fetch(`http://127.0.0.1:${port}/api/backtest?path=${encodeURIComponent(node)}`, { headers: auth })).json();
  if (shown.exceptions !== api.exceptions || shown.zone !== api.traffic_light || Math.abs(shown.kupiec - api.kupiec_p) > 0.0005) {
    fail(`backtest: the panel shows ${JSON.stringify(shown)}, the API ${api.exceptions} exceptions, ${api.traffic_light}, p ${api.kupiec_p}`);
  }
  return { ...shown, days: api.days.length };
}

// The positions table: a filter keeps the matching rows only; a column header sorts by it.
async function positionsTable(page) {
  const box = page.getByLabel("filter positions");
  await box.fill("dax");
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="position-row"]')].every((r) => /dax/i.test(r.textContent)), null, { timeout: 5000 });
  const filtered = await page.getByTestId("positions-shown").textContent();
  await box.fill("");
  await page.locator('[data-testid="positions"] th button', { hasText: /^quantity/ }).click(); // a number column: largest first
  const q = await page.locator('[data-testid="position-row"] td:nth-child(3)').evaluateAll((tds) => tds.map((td) => Number(td.textContent.replace(/,/g, ""))));
  if (q.some((v, i) => i > 0 && v > q[i - 1])) fail(`positions: sorted by quantity descending reads ${q}`);
  return { filtered, sorted_rows: q.length };
}

// A book of `n` positions (as bench/bench_engine.cpp's): 250 traders under 5 desks and 25 books,
// 40 positions each over the demo's 50 underlyings, one in ten an index option of its own.
function wideBook(n, path) {
  const index = ["DAX", "SMI", "CAC", "FTSE"], spot = [5473.72, 7676.3, 3995, 5455];
  const lines = ["node,symbol,quantity,price,multiplier,type,underlying,strike,expiry,vol"];
  for (let i = 0; i < n; i++) {
    const trader = i % 250;
    const node = `FIRM/D${trader % 5}/B${trader % 25}/T${trader}`;
    if (i % 10 === 9) {
      const u = i % 4, strike = Math.round(spot[u] * (0.8 + 0.4 * ((i * 7919) % 1000) / 1000)), month = 3 + (Math.floor(i / 10) % 10);
      const expiry = `2027-${String(month).padStart(2, "0")}-19`;
      lines.push(`${node},OPT${i},${i % 3 ? 5 : -5},10,10,${i % 20 === 9 ? "call" : "put"},${index[u]},${strike},${expiry},0.2`);
    } else {
      const k = (trader + Math.floor(i / 250)) % 50;
      lines.push(`${node},${k < 4 ? index[k] : `EQ${String(k - 3).padStart(3, "0")}`},${i % 2 ? 100 : -100},100,,,,,,`);
    }
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
}

// Page load beyond the test's own first page (which is the browser's first, cold): PAGE_LOADS
// first visits, each in a fresh context with nothing cached, and as many repeat visits, the same
// context navigating to the page again so that the assets come from the HTTP cache as their
// cache headers allow (a repeat visit that fetches asset bytes fails the test). Each figure is
// navigation start to the frame that first shows a number. The test loads once each;
// E2E_MEASURE=1 (bench/run_browser.sh) loads 7 times each and samples the 10,000-position
// book for 10 s instead of 3, for the spread reported in docs/performance.md.
const MEASURE = process.env.E2E_MEASURE === "1";
const PAGE_LOADS = MEASURE ? 7 : 1;
const TEN_THOUSAND_SAMPLE_MS = MEASURE ? 10000 : 3000;
async function pageLoads(port) {
  const url = `http://127.0.0.1:${port}/?token=${TOKEN}`;
  const firstNumber = async (page) => {
    await page.waitForFunction(() => typeof window.__e2e?.firstNumberFrameMs === "number", null, { timeout: 10000 });
    return Math.round(await page.evaluate(() => window.__e2e.firstNumberFrameMs));
  };
  const assetBytes = (page) => page.evaluate(() => performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/assets/")).reduce((n, e) => n + e.transferSize, 0));
  // DOMContentLoaded: the bundle fetched (or taken from the cache), compiled and run
  const scriptsRun = (page) => page.evaluate(() => Math.round(performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd));
  const first = [];
  const firstScripts = [];
  const repeat = [];
  const repeatScripts = [];
  let repeatAssetBytes = 0;
  for (let i = 0; i < PAGE_LOADS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const page = await ctx.newPage();
      page.on("pageerror", (e) => fail(`page error while loading the page again: ${e.message}`));
      await page.addInitScript(recorder);
      await page.goto(url);
      first.push(await firstNumber(page));
      firstScripts.push(await scriptsRun(page));
      await page.goto("about:blank");
      await page.goto(url);
      repeat.push(await firstNumber(page));
      repeatScripts.push(await scriptsRun(page));
      repeatAssetBytes += await assetBytes(page);
    } finally {
      await ctx.close();
    }
  }
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { loads: s.length, min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1) };
  };
  if (repeatAssetBytes !== 0) fail(`repeat visits fetched ${repeatAssetBytes} bytes of assets that their cache headers let the browser keep`);
  return { first_visit_ms: stats(first), first_visit_scripts_run_ms: stats(firstScripts), repeat_visit_ms: stats(repeat),
    repeat_visit_scripts_run_ms: stats(repeatScripts), repeat_visit_asset_bytes: repeatAssetBytes };
}

// 10,000 positions: a second server on the generated book, the page loaded and left to settle,
// then 3 s (E2E_MEASURE=1: 10 s) of tick-to-screen samples and every long task (PerformanceObserver "longtask"). The
// figures are reported (results.json, docs/performance.md), not asserted: timings on a shared
// 2-core machine are not a test.
async function tenThousandPositions() {
  const book = `${pgDir}/book_10k.csv`;
  wideBook(10000, book);
  const p10k = await freePort();
  const srv = spawn(binary, [...binaryArgs, "--port", String(p10k), "--static", staticDir, "--config", resolve(root, "data/demo.toml"), "--book", book,
    "--no-db"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise((res, rej) => {
      srv.once("error", rej);
      srv.stdout.on("data", (b) => b.toString().includes("rtrisk live:") && res());
      setTimeout(() => rej(new Error("the 10,000-position server did not start in 30 s")), 30000);
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push({ start: e.startTime, ms: e.duration }); })
        .observe({ type: "longtask", buffered: true });
    });
    const t0 = Date.now();
    await page.goto(`http://127.0.0.1:${p10k}/`);
    await page.getByTestId("status").filter({ hasText: /^LIVE$/ }).waitFor({ timeout: 30000 });
    await page.getByTestId("var").waitFor({ timeout: 30000 });
    const firstNumberMs = Date.now() - t0;
    await page.waitForTimeout(3000); // settle: the first snapshot and its render are the load, not the steady state
    const from = await page.evaluate(() => { window.__rtrisk.tickToScreenMs.length = 0; return performance.now(); });
    await page.waitForTimeout(TEN_THOUSAND_SAMPLE_MS);
    const { lat, tasks, rows } = await page.evaluate((from) => ({
      lat: window.__rtrisk.tickToScreenMs.slice().sort((a, b) => a - b),
      tasks: window.__longTasks.filter((t) => t.start >= from).map((t) => Math.round(t.ms)),
      rows: document.querySelector('[data-testid="positions-shown"]')?.textContent,
    }), from);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * (lat.length - 1)))];
    await page.close();
    return { positions_shown: rows, first_live_number_ms: firstNumberMs, tick_to_screen_ms: { samples: lat.length, p50: q(0.5), p99: q(0.99), max: lat.at(-1) },
      long_tasks: { count: tasks.length, over_50_ms: tasks.filter((t) => t > 50).length, longest_ms: Math.max(0, ...tasks) } };
  } finally {
    srv.kill("SIGKILL");
  }
}

const port = await freePort();
let server = await startServer(port);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
const results = {};
const consoleErrors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => fail(`page error: ${e.message}`));
  await page.addInitScript(recorder);
  const t0 = Date.now();
  const response = await page.goto(`http://127.0.0.1:${port}/?token=${TOKEN}`);
  results.csp_header = (await response?.allHeaders())?.["content-security-policy"] ?? null;
  await page.getByTestId("status").filter({ hasText: /^LIVE$/ }).waitFor({ timeout: 10000 });
  await page.getByTestId("var").waitFor({ timeout: 10000 });
  results.first_live_number_ms = Date.now() - t0; // seen from here: with the browser's round trips
  await page.waitForFunction(() => typeof window.__e2e.firstNumberFrameMs === "number");
  results.first_live_number_in_page_ms = Math.round(await page.evaluate(() => window.__e2e.firstNumberFrameMs));
  const var1 = await page.getByTestId("var").textContent();
  if (!/\d/.test(var1 ?? "")) fail(`VaR shows no number: ${var1}`);
  await page.waitForFunction((v) => document.querySelector('[data-testid="var"]')?.textContent !== v, var1, { timeout: 10000 });
  results.var_before = var1;
  results.var_after = await page.getByTestId("var").textContent();
  if ((await page.getByTestId("stale-banner").count()) !== 0) fail("stale banner while LIVE");
  // The book's hierarchy from data/demo.toml: one row per node, the root first, with its VaR.
  const apiRisk = await (await fetch(`http://127.0.0.1:${port}/api/risk`, { headers: auth })).json();
  const nodeRows = await page.locator('[data-testid="node-row"]').allTextContents();
  results.nodes_shown = nodeRows.length;
  if (nodeRows.length !== apiRisk.nodes.length) fail(`risk by node shows ${nodeRows.length} rows, /api/risk has ${apiRisk.nodes.length} nodes`);
  if (!nodeRows[0]?.startsWith("FIRM")) fail(`the first node row is not the root: ${nodeRows[0]}`);
  results.drill_down = await drillDown(page, apiRisk);
  results.limits = await limitBreachAndClearing(page, port);
  results.what_if = await whatIf(page, port, apiRisk);
  results.backtest = await backtestPanel(page, port, apiRisk.nodes[0].path);
  results.positions_table = await positionsTable(page);
  // Tick-to-screen from here on (page load excluded): 5 s of updates at 10 Hz.
  await page.evaluate(() => { window.__rtrisk.tickToScreenMs.length = 0; });
  await page.waitForTimeout(5000);
  await page.screenshot({ path: `${artifacts}/live.png` });
  const lat = await page.evaluate(() => window.__rtrisk.tickToScreenMs.slice());
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * (lat.length - 1)))];
  results.tick_to_screen_ms = { samples: lat.length, p50: q(0.5), p99: q(0.99), max: lat.at(-1) };

  // 1. The server dies: not LIVE from the moment its socket closes until it is back.
  const killed = await outage(page, "outage", async () => server.kill("SIGKILL"), async () => { server = await startServer(port); });
  checkOutage("killed server", killed, CLOSE_GRACE_MS, ["RECONNECTING"]);
  results.outage = killed.report;
  results.outage_status = killed.firstNotLive?.status ?? null;
  results.recovered_after_restart_ms = killed.report.live_again_after_restore_ms;

  // 2. Kills on a slow CPU: after the badge leaves LIVE it must not return to LIVE before the restart.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_THROTTLE });
  results.slow_cpu_kills = [];
  for (let i = 0; i < KILL_CYCLES; i++) {
    await page.getByTestId("status").filter({ hasText: /^LIVE$/ }).waitFor({ timeout: 30000 });
    await page.waitForTimeout(600 + Math.random() * 400); // a random phase against the 10 Hz stream
    const k = Date.now();
    server.kill("SIGKILL");
    await page.waitForTimeout(1500);
    const changes = await page.evaluate((k) => window.__e2e.statusChanges.filter((c) => c.t >= k), k);
    server = await startServer(port);
    const firstNot = changes.findIndex((c) => c.status !== "LIVE");
    results.slow_cpu_kills.push(changes.map((c) => `+${c.t - k} ${c.status}`).join(", "));
    if (firstNot < 0) fail(`slow CPU kill ${i}: still LIVE 1.5 s after the kill`);
    else if (changes.slice(firstNot).some((c) => c.status === "LIVE")) fail(`slow CPU kill ${i}: LIVE again while the server was down: ${results.slow_cpu_kills.at(-1)}`);
  }
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  await page.getByTestId("status").filter({ hasText: /^LIVE$/ }).waitFor({ timeout: 30000 });

  // 3. The server is alive but silent (frozen): LIVE may last until the stale threshold, no longer.
  const frozen = await outage(page, "silent", async () => server.kill("SIGSTOP"), async () => server.kill("SIGCONT"));
  checkOutage("silent server", frozen, STALE_AFTER_MS + CLOCK_SLACK_MS, ["STALE"]);
  if (frozen.firstNotLive && frozen.firstNotLive.t - frozen.start < STALE_AFTER_MS - 300) fail(`silent server: not LIVE after only ${frozen.firstNotLive.t - frozen.start} ms`);
  results.silent = frozen.report;

  // 4. History: a reload fills the charts from GET /api/history (the reload loses __e2e: keep its CSP log).
  const csp = await page.evaluate(() => window.__e2e.csp.slice());
  results.history = await historyCheck(page, port, apiRisk.nodes[0].path);
  csp.push(...(await page.evaluate(() => window.__e2e.csp.slice())));
  results.csp_violations = [...csp, ...consoleErrors.filter((e) => /Content Security Policy/i.test(e))];
  if (results.csp_violations.length) fail(`CSP violations: ${results.csp_violations.join(" | ")}`);
  results.console_errors = consoleErrors.length; // expected: failed WebSocket connections during the outages

  // 5. 10,000 positions, measured alone: the demo server and its page go first, so the two cores
  // serve only the 10,000-position server and its page.
  await page.close();
  results.page_loads = await pageLoads(port); // with no other page open
  server.kill("SIGKILL");
  results.ten_thousand_positions = await tenThousandPositions();
} catch (e) {
  fail(e.message);
} finally {
  await browser.close();
  server.kill("SIGCONT");
  server.kill("SIGKILL");
  try {
    pg("stop");
    rmSync(pgDir, { recursive: true, force: true });
  } catch (e) {
    fail(`stopping the database: ${e.message}`);
  }
}
writeFileSync(`${artifacts}/results.json`, JSON.stringify(results, null, 2));
const { outage: o, silent: s, ...summary } = results;
const brief = (x) => x && { ...x, timeline: x.timeline.map((r) => `${r.from_ms}..${r.to_ms} ${r.status}${r.banner ? " +banner" : ""}${r.latency_shown ? "" : " latency—"} age ${r.age_from_ms}..${r.age_to_ms}`) };
console.log(JSON.stringify({ ...summary, outage: brief(o), silent: brief(s) }, null, 2));
if (!process.exitCode) console.log(`E2E PASS (${serverKind} server)`);
