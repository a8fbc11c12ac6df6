// Measures the console (a script, not a test: it prints figures and asserts nothing about time).
//   1. Intake search: from a keystroke in the search box to the matching customers shown, with
//      the demo city holding N customers (default 1,000,000), p50/p95 over many queries: by
//      address, and by the first digits of a card or phone number.
//   2. Board update: from a ticket change made through the API (a repairer's accept) to the
//      board showing it, over the live stream.
// Run (in tests/e2e): GASDESK_BIN=<gasdesk> node measure-console.mjs [customers] [samples]
import { randomUUID } from "node:crypto";
import { Harness } from "./console-support.mjs";

const customers = Number(process.argv[2] ?? 1_000_000);
const samples = Number(process.argv[3] ?? 60);
const h = new Harness();
h.serveArgs = ["--demo-customers", String(customers)];

function pct(list, p) {
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
function report(name, list) {
  if (list.length === 0) throw new Error(`${name}: nothing measured`);
  const f = (x) => x.toFixed(1);
  console.log(
    `${name}: n=${list.length} p50=${f(pct(list, 50))} ms p95=${f(pct(list, 95))} ms max=${f(Math.max(...list))} ms`,
  );
}

const started = Date.now();
await h.start();
console.log(`server with ${customers} customers ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
const t = { after: (fn) => (h.cleanup = fn) };
try {
  const { token } = await h.login("dispatcher");
  // Queries as a caller says them: road + number (+ building), taken from real accounts.
  // A spread of real accounts: a few per district.
  const items = [];
  for (const d of ["姑苏区", "吴中区", "相城区", "虎丘区", "吴江区", "昆山市", "常熟市", "张家港市", "太仓市"]) {
    const pool = await h.api("GET", `/api/v1/customers?q=${encodeURIComponent(d)}&limit=20`, token);
    if (pool.status !== 200) throw new Error(`customer search: ${JSON.stringify(pool.body)}`);
    items.push(...pool.body.items);
  }
  const queries = items
    .map((c) => c.address.replace(/^苏州市[^区市县]+[区市县]/, "").replace(/\d+室$/, ""))
    .filter((q) => q.length >= 4)
    .slice(0, samples + 3);

  const page = await h.openConsole(t, "dispatcher");
  const search = page.locator("#intake-search");
  await search.waitFor();
  // Records when the hit list last changed (its items, or `data-answered`: the query its hits
// answer, set in the same render), by the page's own clock.
  await page.evaluate(() => {
    window.__hitsChanged = 0;
    new MutationObserver(() => (window.__hitsChanged = performance.now())).observe(
      document.getElementById("customer-hits"),
      { childList: true, subtree: true, characterData: true, attributes: true },
    );
  });
  // The first few of each kind warm up the server's caches and the page; they are not counted.
  const warmup = 3;
  async function timeSearches(label, list) {
    const searchMs = [];
    for (const [i, q] of list.entries()) {
      await search.fill(q.slice(0, -1));
      // Let the previous answer land, then time the last keystroke.
      await page.waitForTimeout(400);
      const before = await page.evaluate(() => performance.now());
      await search.pressSequentially(q.at(-1));
      await page.waitForFunction(
        ([since, text]) =>
          window.__hitsChanged > since && document.getElementById("customer-hits").dataset.answered === text,
        [before, q],
        { polling: "raf" },
      );
      const shown = await page.evaluate(() => window.__hitsChanged);
      if (i >= warmup) searchMs.push(shown - before);
    }
    report(`intake search by ${label}, keystroke → hits shown (${customers} customers, debounce included)`, searchMs);
  }
  await timeSearches("address", queries);
  // The first digits of a card number (6) and of a phone number (7), as an agent types them.
  const numbers = items.flatMap((c) => [c.card_no.slice(0, 6), (c.phones[0] ?? "").slice(0, 7)]);
  await timeSearches("card/phone number prefix", numbers.filter((n) => /^\d{6,7}$/.test(n)).slice(0, samples + 3));

  // Board: tickets for the demo repairer's team, accepted through the sync API one by one.
  const admin = (await h.login("admin")).token;
  const team = (await h.api("GET", "/api/v1/teams", admin)).body.find((x) => x.name === "姑苏区维修班").id;
  const repairer = (await h.login("repairer")).token;
  const device = randomUUID();
  await h.api("POST", "/api/v1/sync/devices", repairer, { device_id: device, name: "measure", platform: "Android" });
  await page.click("#nav-board");
  await page.locator("[data-testid=live-state][data-state=open]").waitFor();
  const boardMs = [];
  const rounds = Math.min(samples, 40);
  for (let i = 0; i < rounds; i++) {
    const created = await h.api("POST", "/api/v1/tickets", token, {
      reporter: `测${i}`, phone: "13900000000", address: `苏州市姑苏区十全街${i + 1}号`,
      category: "stove", content: "测量", team_id: team, reason: "测量",
    });
    const number = created.body.number;
    const sel = `section.board-col[data-status=accepted] [data-number="${number}"]`;
    await page.locator(`[data-number="${number}"]`).waitFor();
    const sentAt = Date.now();
    await h.api("POST", "/api/v1/sync/push", repairer, {
      device_id: device,
      mutations: [{ id: randomUUID(), device_id: device, seq: i + 1, device_at: new Date().toISOString(),
        change: { type: "ticket_step", ticket_id: created.body.id, action: "accept" } }],
    });
    await page.waitForFunction((s) => document.querySelector(s), sel, { polling: "raf" });
    boardMs.push(Date.now() - sentAt);
  }
  report("board update, accept sent → board shows 已接单", boardMs);
} finally {
  await h.cleanup?.();
  await h.stop();
}
