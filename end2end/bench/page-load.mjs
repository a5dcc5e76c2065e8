// The page-load benchmark: what a signed-in person waits for and downloads when opening
// /dashboard, in Debian's Chromium with the network and CPU of a modest laptop on a fair
// connection (CDP throttling: 10 Mbit/s down, 5 Mbit/s up, 40 ms round trip, CPU 4x slower).
//
// For each run: a fresh browser context signs in (unthrottled), then, throttled,
//   cold:   the HTTP cache is cleared and /dashboard is opened;
//   reload: the same tab reloads (the browser revalidates the page, keeps what it may);
//   revisit: the tab goes to about:blank and opens /dashboard again.
// Bytes on the wire are what CDP reports as received (headers included). "Hydrated" is
// the time from navigation start until the app marks <main data-hydrated="true">.
//
//   BASE_URL=http://127.0.0.1:3000 node end2end/bench/page-load.mjs [runs] > result.json
import { chromium } from "@playwright/test";

const BASE = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const RUNS = Number(process.argv[2] ?? process.env.PAGE_LOAD_RUNS ?? 5);
const NETWORK = {
  offline: false,
  latency: 40,
  downloadThroughput: (10 * 1000 * 1000) / 8,
  uploadThroughput: (5 * 1000 * 1000) / 8,
  connectionType: "other",
};
const CPU_SLOWDOWN = 4;

/// Signing in: the only step that knows how the sign-in page works. Ends on the dashboard.
async function signIn(page) {
  await page.goto(`${BASE}/__clerk/sign-in?redirect_url=/dashboard`);
  await page
    .getByRole("button", { name: /Continue as Ada Lovelace/ })
    .filter({ hasText: "ada@example.com" })
    .click();
  await page.waitForURL(/\/dashboard$/);
}

// Records when hydration finished, relative to the navigation's start.
const HYDRATION_PROBE = () => {
  const done = () => {
    const main = document.querySelector("main");
    if (main && main.getAttribute("data-hydrated") === "true" && window.__hydratedAt === undefined) {
      window.__hydratedAt = performance.now();
    }
  };
  new MutationObserver(done).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
};

/// Collects every response of one navigation from CDP's network events.
function recorder(cdp) {
  let requests = new Map();
  const entry = (id) => {
    if (!requests.has(id)) requests.set(id, { wire: 0, body: 0 });
    return requests.get(id);
  };
  cdp.on("Network.requestWillBeSent", (e) => Object.assign(entry(e.requestId), { url: e.request.url, method: e.request.method }));
  cdp.on("Network.responseReceived", (e) => {
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    Object.assign(entry(e.requestId), {
      status: e.response.status,
      type: e.type,
      mime: e.response.mimeType,
      encoding: headers["content-encoding"] ?? "",
      cacheControl: headers["cache-control"] ?? "",
      fromCache: Boolean(e.response.fromDiskCache || e.response.fromPrefetchCache),
    });
  });
  cdp.on("Network.requestServedFromCache", (e) => Object.assign(entry(e.requestId), { fromCache: true }));
  cdp.on("Network.dataReceived", (e) => (entry(e.requestId).body += e.dataLength));
  cdp.on("Network.loadingFinished", (e) => (entry(e.requestId).wire = e.encodedDataLength));
  return {
    reset() {
      requests = new Map();
    },
    take() {
      return [...requests.values()].filter((r) => r.url && !r.url.startsWith("data:"));
    },
  };
}

async function measure(page, net, navigate) {
  net.reset();
  await navigate();
  await page.locator('main[data-hydrated="true"]').waitFor({ timeout: 60_000 });
  // Everything the page asks for after hydration (clerk-js, the profile) counts too.
  await page.waitForLoadState("networkidle");
  const url = new URL(page.url()).pathname;
  if (url !== "/dashboard") throw new Error(`ended on ${url}, not the dashboard: not signed in?`);
  const hydratedMs = await page.evaluate(() => window.__hydratedAt);
  const responses = net.take().map((r) => ({
    path: new URL(r.url).pathname,
    status: r.status,
    type: r.type,
    encoding: r.encoding,
    cacheControl: r.cacheControl,
    fromCache: r.fromCache ?? false,
    wireBytes: r.wire,
    bodyBytes: r.body,
  }));
  return {
    hydratedMs: Math.round(hydratedMs),
    requests: responses.length,
    wireBytes: responses.reduce((sum, r) => sum + r.wireBytes, 0),
    responses,
  };
}

async function run(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(HYDRATION_PROBE);
  const page = await context.newPage();
  await signIn(page);
  const cdp = await context.newCDPSession(page);
  const net = recorder(cdp);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", NETWORK);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
  await cdp.send("Network.clearBrowserCache");
  await page.goto("about:blank");
  const cold = await measure(page, net, () => page.goto(`${BASE}/dashboard`));
  const reload = await measure(page, net, () => page.reload());
  await page.goto("about:blank");
  const revisit = await measure(page, net, () => page.goto(`${BASE}/dashboard`));
  await context.close();
  return { cold, reload, revisit };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
const runs = [];
try {
  for (let i = 0; i < RUNS; i++) runs.push(await run(browser));
} finally {
  await browser.close();
}

const summary = {};
for (const kind of ["cold", "reload", "revisit"]) {
  summary[kind] = {
    hydratedMsMedian: median(runs.map((r) => r[kind].hydratedMs)),
    hydratedMs: runs.map((r) => r[kind].hydratedMs),
    wireBytesMedian: median(runs.map((r) => r[kind].wireBytes)),
    requests: median(runs.map((r) => r[kind].requests)),
    // The responses of the first run, for the per-asset table.
    responses: runs[0][kind].responses,
  };
}
const result = { base: BASE, runs: RUNS, network: NETWORK, cpuSlowdown: CPU_SLOWDOWN, summary };
console.log(JSON.stringify(result, null, 2));

// A human summary on stderr.
const kib = (n) => (n / 1024).toFixed(1);
for (const kind of ["cold", "reload", "revisit"]) {
  const s = summary[kind];
  console.error(`${kind.padEnd(8)} hydrated ${s.hydratedMsMedian} ms (median of ${RUNS}: ${s.hydratedMs.join(", ")}), ${kib(s.wireBytesMedian)} KiB on the wire, ${s.requests} requests`);
  for (const r of s.responses) {
    console.error(`    ${String(r.status).padEnd(4)} ${r.path.padEnd(60)} ${kib(r.wireBytes).padStart(8)} KiB wire ${kib(r.bodyBytes).padStart(8)} KiB body  ${r.encoding || "-"}${r.fromCache ? " (cache)" : ""}`);
  }
}
