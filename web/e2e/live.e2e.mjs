// End to end in a real browser: Debian's Chromium driven by playwright-core, against the real
// server. The page shows LIVE and a VaR, the VaR changes, the server is killed and the page shows
// the outage, the server restarts and the page recovers by itself. Screenshots and measurements
// go to $E2E_ARTIFACTS (default ../build/e2e).
//
// Usage: node e2e/live.e2e.mjs   (after `npx vite build` and building rtrisk_live)
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const binary = process.env.RTRISK_LIVE ?? resolve(root, "build/examples/rtrisk_live");
const artifacts = process.env.E2E_ARTIFACTS ?? resolve(root, "build/e2e");
mkdirSync(artifacts, { recursive: true });

const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

const startServer = (port) =>
  new Promise((res, rej) => {
    const p = spawn(binary, ["--port", String(port), "--static", resolve(root, "web/dist"), "--data", resolve(root, "data/eu_stock_markets.csv")], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
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

const port = await freePort();
let server = await startServer(port);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
const results = {};
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const t0 = Date.now();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.getByTestId("status").filter({ hasText: "LIVE" }).waitFor({ timeout: 10000 });
  await page.getByTestId("var").waitFor({ timeout: 10000 });
  results.first_live_number_ms = Date.now() - t0;
  const var1 = await page.getByTestId("var").textContent();
  if (!/\d/.test(var1 ?? "")) fail(`VaR shows no number: ${var1}`);
  await page.waitForFunction((v) => document.querySelector('[data-testid="var"]')?.textContent !== v, var1, { timeout: 10000 });
  results.var_before = var1;
  results.var_after = await page.getByTestId("var").textContent();
  // Tick-to-screen from here on (page load excluded): 5 s of updates at 10 Hz.
  await page.evaluate(() => { window.__rtrisk.tickToScreenMs.length = 0; });
  await page.waitForTimeout(5000);
  await page.screenshot({ path: `${artifacts}/live.png` });
  const lat = await page.evaluate(() => window.__rtrisk.tickToScreenMs.slice());
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * (lat.length - 1)))];
  results.tick_to_screen_ms = { samples: lat.length, p50: q(0.5), p99: q(0.99), max: lat.at(-1) };

  server.kill("SIGKILL");
  await page.getByTestId("status").filter({ hasText: /RECONNECTING|DISCONNECTED/ }).waitFor({ timeout: 15000 });
  results.outage_status = await page.getByTestId("status").textContent();
  await page.screenshot({ path: `${artifacts}/outage.png` });

  server = await startServer(port);
  const t1 = Date.now();
  await page.getByTestId("status").filter({ hasText: "LIVE" }).waitFor({ timeout: 30000 });
  results.recovered_after_restart_ms = Date.now() - t1;
  await page.screenshot({ path: `${artifacts}/recovered.png` });
} catch (e) {
  fail(e.message);
} finally {
  await browser.close();
  server.kill("SIGKILL");
}
writeFileSync(`${artifacts}/results.json`, JSON.stringify(results, null, 2));
console.log(JSON.stringify(results, null, 2));
if (!process.exitCode) console.log("E2E PASS");
