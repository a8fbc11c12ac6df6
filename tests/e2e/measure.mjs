// Field app figures (not a test: it prints numbers and asserts nothing about time).
//   GASDESK_BIN=target/debug/gasdesk node tests/e2e/measure.mjs
// 1. transfer size of the phones' build (wasm + JS + CSS as sent: the server's brotli copies),
//    from Chromium's own byte counts on a cold load;
// 2. time to the job list on a cold load (no HTTP cache, no service worker, the worker signed in
//    and their data on the phone) with the network at DevTools' "Fast 3G" and the CPU 4× slower;
// 3. time to the job list on an offline reload (service worker and IndexedDB), CPU 4× slower;
// 4. time to record a completion with 5 materials (tap on submit to the job showing completed,
//    written to IndexedDB), CPU 4× slower.
// Times are from navigation start to the first job row in the page (performance.now()).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Api, STUB_PUSH, launchPhone, signIn, startServer } from "./harness.mjs";

const FAST_3G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: (1.6 * 1000 * 1000 / 8) * 0.9,
  uploadThroughput: (750 * 1000 / 8) * 0.9,
};
const RUNS = Number(process.env.RUNS || 3);

/** Records when the first job row appears, relative to navigation start. */
const MARK_JOBS = () => {
  new MutationObserver((_, observer) => {
    if (document.querySelector("[data-testid=job]")) {
      window.__jobsAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startServer();
const dir = await mkdtemp(path.join(os.tmpdir(), "gasdesk-measure-"));
try {
  const dispatcher = await Api.login(server.baseUrl, "dispatcher");
  const teams = await dispatcher.get("/api/v1/teams");
  const team = teams.find((t) => t.name === "姑苏区维修班").id;
  const { items } = await dispatcher.get("/api/v1/customers?q=" + encodeURIComponent("姑苏区") + "&limit=10");
  const tickets = [];
  for (const c of items.slice(0, 8)) {
    tickets.push(
      await dispatcher.post("/api/v1/tickets", {
        customer_id: c.id, reporter: c.name, phone: c.phones[0], category: "stove",
        content: "灶具打不着火", team_id: team, reason: "测量",
      }),
    );
  }

  let context = await launchPhone(dir);
  await context.addInitScript(STUB_PUSH);
  await context.addInitScript(MARK_JOBS);
  let page = context.pages()[0] ?? (await context.newPage());
  await page.goto(server.baseUrl + "/");
  await signIn(page, "repairer");
  await page.locator("[data-testid=job]").first().waitFor();
  await page.evaluate(() => navigator.serviceWorker.ready);

  // --- cold loads ---
  const cold = [];
  const arrivals = [];
  let bytes = null;
  for (let run = 0; run < RUNS; run++) {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.clearBrowserCache");
    await page.evaluate(async () => {
      for (const reg of await navigator.serviceWorker.getRegistrations()) await reg.unregister();
      for (const key of await caches.keys()) await caches.delete(key);
    });
    const sizes = new Map();
    const urls = new Map();
    cdp.on("Network.responseReceived", (e) => urls.set(e.requestId, e.response.url));
    cdp.on("Network.loadingFinished", (e) => sizes.set(e.requestId, e.encodedDataLength));
    await cdp.send("Network.emulateNetworkConditions", FAST_3G);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await page.goto(server.baseUrl + "/", { waitUntil: "commit" });
    await page.locator("[data-testid=job]").first().waitFor({ timeout: 60_000 });
    cold.push(await page.evaluate(() => window.__jobsAt));
    // Where the time goes: when each file had arrived (ms from navigation start).
    arrivals.push(
      await page.evaluate(() =>
        Object.fromEntries(
          performance
            .getEntriesByType("resource")
            .concat(performance.getEntriesByType("navigation"))
            .map((e) => [new URL(e.name).pathname, [Math.round(e.requestStart), Math.round(e.responseStart), Math.round(e.responseEnd)]]),
        ),
      ),
    );
    const byType = { wasm: 0, js: 0, css: 0 };
    for (const [id, url] of urls) {
      const p = new URL(url).pathname;
      const type = p.endsWith(".wasm") ? "wasm" : p.endsWith(".js") ? "js" : p.endsWith(".css") ? "css" : null;
      if (type && !p.startsWith("/api/") && p !== "/sw.js") byType[type] += sizes.get(id) ?? 0;
    }
    bytes = byType;
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();
    // Let the service worker install again for the offline runs.
    await page.evaluate(() => navigator.serviceWorker.ready);
  }

  // --- offline reloads ---
  await page.reload();
  await page.locator("[data-testid=job]").first().waitFor();
  await page.evaluate(() => navigator.serviceWorker.ready);
  const offline = [];
  await context.setOffline(true);
  for (let run = 0; run < RUNS; run++) {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await page.reload({ waitUntil: "commit" });
    await page.locator("[data-testid=job]").first().waitFor();
    offline.push(await page.evaluate(() => window.__jobsAt));
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    await cdp.detach();
  }

  // --- a completion with 5 materials, offline, CPU 4× slower ---
  const completions = [];
  for (const ticket of tickets.slice(0, RUNS)) {
    await page.goto(`${server.baseUrl}/jobs/${ticket.id}`);
    await page.locator("[data-testid=job-detail]").waitFor();
    for (const [action, status] of [["accept", "accepted"], ["arrive", "on_site"]]) {
      await page.click(`button[data-action=${action}]`);
      await page.locator(`[data-testid=job-detail][data-status=${status}]`).waitFor();
    }
    await page.click("button[data-action=complete]");
    await page.fill("#item-search", "WX001");
    await page.click(".results button[data-code=WX001]");
    for (const code of ["CL001", "CL003", "CL007", "CL008", "CL009"]) {
      await page.fill("#material-search", code);
      await page.click(`.results button[data-code=${code}]`);
      await page.locator(`[data-testid=material-lines] li[data-code=${code}]`).waitFor();
    }
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    const took = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const started = performance.now();
          new MutationObserver((_, observer) => {
            if (document.querySelector("[data-testid=job-detail][data-status=completed]")) {
              observer.disconnect();
              resolve(performance.now() - started);
            }
          }).observe(document, { childList: true, subtree: true, attributes: true });
          document.querySelector("#submit-completion").click();
        }),
    );
    completions.push(took);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    await cdp.detach();
  }
  await context.close();

  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`transfer (as sent, compressed): wasm ${kib(bytes.wasm)}, js ${kib(bytes.js)}, css ${kib(bytes.css)}, total ${kib(bytes.wasm + bytes.js + bytes.css)}`);
  console.log(`cold load to job list (Fast 3G, CPU 4x): ${cold.map((t) => t.toFixed(0)).join(", ")} ms; median ${median(cold).toFixed(0)} ms`);
  for (const file of ["/", "/app.js", "/app_bg.wasm", "/boot.js"]) {
    const times = arrivals.map((a) => a[file]).filter((t) => t !== undefined);
    if (times.length) {
      const [asked, first, last] = [0, 1, 2].map((i) => median(times.map((t) => t[i])));
      console.log(`  cold load: ${file} asked at ${asked} ms, first byte ${first} ms, arrived ${last} ms (medians)`);
    }
  }
  console.log(`offline reload to job list (CPU 4x): ${offline.map((t) => t.toFixed(0)).join(", ")} ms; median ${median(offline).toFixed(0)} ms`);
  console.log(`completion with 5 materials, submit to saved (CPU 4x): ${completions.map((t) => t.toFixed(0)).join(", ")} ms; median ${median(completions).toFixed(0)} ms`);
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
