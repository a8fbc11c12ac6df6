// End-to-end: field work offline. A repairer receives a job, loses the network, records the
// steps, repair items, materials, a photo and the customer's signature, completes, reloads
// offline, has the browser killed and restarted, comes back online, and the server has the
// completion exactly once with its attachments. A patroller's leak check found to leak becomes
// a repair ticket the same way. Screenshots of the main screens at 390×844 go to artifacts/.
// Run: GASDESK_BIN=target/debug/gasdesk node --test tests/e2e/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  Api,
  REPO,
  STUB_PUSH,
  eventually,
  killBrowser,
  launchPhone,
  screenshot,
  signIn,
  startServer,
  watchErrors,
} from "./harness.mjs";

let server;
let dispatcher;
const profiles = [];

before(async () => {
  server = await startServer();
  dispatcher = await Api.login(server.baseUrl, "dispatcher");
});

after(async () => {
  await server?.stop();
  for (const dir of profiles) await rm(dir, { recursive: true, force: true });
});

async function newProfile() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gasdesk-phone-"));
  profiles.push(dir);
  return dir;
}

async function teamId(name) {
  const teams = await dispatcher.get("/api/v1/teams");
  const team = teams.find((t) => t.name === name);
  assert.ok(team, `no team ${name}`);
  return team.id;
}

/** Opens the app in a (new or restarted) phone browser; `offline` before the first request. */
async function openPhone(dir, { offline = false } = {}) {
  const context = await launchPhone(dir, { permissions: ["geolocation"], geolocation: { longitude: 120.6201, latitude: 31.3003 } });
  await context.addInitScript(STUB_PUSH);
  if (offline) await context.setOffline(true);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = watchErrors(page);
  return { context, page, errors };
}

const syncBar = (page) => page.locator("[data-testid=sync-bar]");

async function waitSynced(page) {
  await eventually("everything synced", async () => {
    const bar = syncBar(page);
    return (
      (await bar.getAttribute("data-online")) === "true" &&
      (await bar.getAttribute("data-pending")) === "0" &&
      (await bar.getAttribute("data-uploads")) === "0"
    );
  }, 60_000);
}

/** Draws a signature-like zigzag on the pad. */
async function sign(page) {
  const pad = page.locator("canvas.signature-pad");
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + 20, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) {
    await page.mouse.move(box.x + 20 + i * ((box.width - 40) / 12), box.y + box.height / 2 + (i % 2 ? -30 : 30), { steps: 3 });
  }
  await page.mouse.up();
}

async function photoFile() {
  return {
    name: "site.png",
    mimeType: "image/png",
    buffer: await readFile(path.join(REPO, "assets/web/icons/icon-512.png")),
  };
}

test("a repairer completes a job offline; the server gets it once, with photo and signature", { timeout: 300_000 }, async () => {
  const dir = await newProfile();
  let { context, page, errors } = await openPhone(dir);
  await page.goto(server.baseUrl + "/");
  await signIn(page, "repairer");
  await page.locator("[data-testid=job-list]").waitFor();
  await eventually("first sync", async () => (await syncBar(page).getAttribute("data-online")) === "true" && !(await page.locator("[data-testid=sync-bar] .sync-last").innerText()).includes("尚未"));

  // The dispatcher takes a call and gives the job to the repairer's team.
  const { items: customers } = await dispatcher.get("/api/v1/customers?q=" + encodeURIComponent("姑苏区") + "&limit=5");
  const customer = customers.find((c) => c.district === "姑苏区") ?? customers[0];
  const created = await dispatcher.post("/api/v1/tickets", {
    customer_id: customer.id,
    reporter: customer.name,
    phone: customer.phones[0],
    category: "stove",
    content: "灶具打不着火，闻到轻微燃气味",
    team_id: await teamId("姑苏区维修班"),
    reason: "端到端测试：指定姑苏区维修班",
  });
  assert.equal(created.status, "assigned");

  // It arrives on the phone: "sync now" in the status details, as a worker would do.
  await syncBar(page).click();
  await page.click("#sync-now");
  await page.locator(".back").first().click();
  const job = page.locator(`[data-testid=job][data-ticket="${created.id}"]`);
  await job.waitFor();
  assert.match(await job.getAttribute("class"), /\bnew\b/, "a new job is highlighted");
  await screenshot(page, "jobs-repairer");

  await job.click();
  const detail = page.locator("[data-testid=job-detail]");
  await detail.waitFor();
  assert.equal(new URL(page.url()).pathname, `/jobs/${created.id}`);
  assert.ok(await page.locator(`a[href="tel:${created.phone}"]`).count() >= 1, "tap to call");
  assert.match(await page.locator("[data-testid=open-map]").getAttribute("href"), /^geo:/);
  await screenshot(page, "job-detail");

  // The basement: no network from here on.
  await context.setOffline(true);
  await eventually("offline shown", async () => (await syncBar(page).getAttribute("data-online")) === "false");
  for (const [action, status] of [["accept", "accepted"], ["depart", "on_the_way"], ["arrive", "on_site"]]) {
    await page.click(`button[data-action=${action}]`);
    await page.locator(`[data-testid=job-detail][data-status=${status}]`).waitFor();
  }
  assert.equal(await page.locator("[data-testid=steps] li").count(), 3, "each step timestamped on the phone");

  const formOpened = Date.now();
  await page.click("button[data-action=complete]");
  await page.locator("[data-testid=completion-form]").waitFor();
  await page.fill("#item-search", "点火");
  await page.click(".results button[data-code=WX001]");
  await page.locator("[data-testid=item-lines] li[data-code=WX001]").waitFor();
  const materials = ["CL001", "CL003", "CL007", "CL008", "CL009"];
  for (const code of materials) {
    await page.fill("#material-search", code);
    await page.click(`.results button[data-code=${code}]`);
    await page.locator(`[data-testid=material-lines] li[data-code=${code}]`).waitFor();
  }
  const clamps = page.locator("[data-testid=material-lines] li[data-code=CL007] input");
  await clamps.fill("4");
  await clamps.press("Tab");
  // The shared rules, offline: on-site fee 20.00 (WX001), materials 15 + 35 + 4 × 2 + 3 + 1.
  await eventually("preview updated", async () => (await page.locator("[data-testid=total-fee]").innerText()) === "¥82.00");
  assert.equal(await page.locator("[data-testid=material-fee]").innerText(), "¥62.00");
  assert.equal(await page.locator("[data-testid=score]").innerText(), "1.00");
  const recordedIn = Date.now() - formOpened;

  await page.setInputFiles("#photo-input", await photoFile());
  await page.locator("[data-testid=photos] img").waitFor();
  await page.click("#keep-signature");
  await page.locator("[data-testid=error-banner]").waitFor();
  await page.locator("[data-testid=error-banner] button").click();
  await sign(page);
  await page.click("#keep-signature");
  await page.locator("[data-testid=signature-saved]").waitFor();
  await page.fill("#remarks", "更换胶管、球阀，紧固管卡");
  await page.press("#remarks", "Tab");
  await screenshot(page, "completion-form");

  const submitted = Date.now();
  await page.click("#submit-completion");
  await page.locator("[data-testid=job-detail][data-status=completed]").waitFor();
  const savedIn = Date.now() - submitted;
  await page.locator("[data-testid=notice]").waitFor();
  assert.equal(await syncBar(page).getAttribute("data-pending"), "4");
  assert.equal(await syncBar(page).getAttribute("data-uploads"), "2");
  await screenshot(page, "job-completed-offline");
  console.log(`# completion with 5 materials: form to preview ${recordedIn} ms (driven by Playwright), submit to saved ${savedIn} ms`);

  // Reload with no network: the app and the data are still there.
  const reloadStarted = Date.now();
  await page.reload();
  await page.locator("[data-testid=job-detail][data-status=completed]").waitFor();
  console.log(`# offline reload to the job: ${Date.now() - reloadStarted} ms`);
  assert.equal(await syncBar(page).getAttribute("data-online"), "false");
  assert.equal(await syncBar(page).getAttribute("data-pending"), "4");

  // The browser is killed, and started again, still offline.
  assert.deepEqual(errors, [], "the page threw");
  await killBrowser(context, dir);
  ({ context, page, errors } = await openPhone(dir, { offline: true }));
  await page.goto(server.baseUrl + "/");
  const row = page.locator(`[data-testid=job][data-ticket="${created.id}"]`);
  await row.waitFor().catch(async (err) => {
    await screenshot(page, "failure-after-restart");
    throw new Error(`${err.message}\nURL ${page.url()}\n${(await page.content()).slice(0, 3000)}`);
  });
  assert.equal(await row.getAttribute("data-status"), "completed");
  assert.equal(await syncBar(page).getAttribute("data-pending"), "4");
  await screenshot(page, "jobs-offline-after-restart");

  // Signal again: everything goes, once.
  await context.setOffline(false);
  await waitSynced(page);
  await screenshot(page, "jobs-synced");

  const events = await dispatcher.get(`/api/v1/tickets/${created.id}/events`);
  const actions = events.map((e) => e.action);
  for (const action of ["accept", "depart", "arrive", "complete"]) {
    assert.equal(actions.filter((a) => a === action).length, 1, `${action} once: ${actions}`);
  }
  assert.ok(events.filter((e) => ["accept", "depart", "arrive", "complete"].includes(e.action)).every((e) => e.device_at), "phone times kept");
  const record = await dispatcher.get(`/api/v1/tickets/${created.id}/record`);
  assert.deepEqual(record.items.map((i) => [i.code, i.quantity]), [["WX001", 1]]);
  assert.deepEqual(record.materials.map((m) => m.code).sort(), materials);
  assert.equal(record.materials.find((m) => m.code === "CL007").quantity, 4);
  assert.equal(record.total_fee_fen, 8200, "the server's fees are the previewed ones");
  assert.equal(record.remarks, "更换胶管、球阀，紧固管卡");
  const attachments = await dispatcher.get(`/api/v1/tickets/${created.id}/attachments`);
  assert.equal(attachments.pending, 0, JSON.stringify(attachments));
  assert.deepEqual(attachments.items.map((a) => a.kind).sort(), ["photo", "signature"]);
  assert.ok(attachments.items.every((a) => a.status && a.status.complete));
  const ticket = await dispatcher.get(`/api/v1/tickets/${created.id}`);
  assert.equal(ticket.status, "completed");
  assert.deepEqual(errors, [], "the page threw");
  await context.close();
});

test("a second tab of the app reads what the first wrote while it was starting", { timeout: 180_000 }, async () => {
  // Each page reads the store once as it loads, while its wasm downloads (platform.js); a write
  // in another tab meanwhile must not leave the new page with the older copy, which it would
  // show and later write back over the other tab's change.
  const dir = await newProfile();
  const context = await launchPhone(dir, { serviceWorkers: "block" });
  await context.addInitScript(STUB_PUSH);
  const first = context.pages()[0] ?? (await context.newPage());
  const errors = watchErrors(first);
  await first.goto(server.baseUrl + "/");
  await signIn(first, "repairer");
  await first.locator("[data-testid=job-list]").waitFor();
  const { items: customers } = await dispatcher.get("/api/v1/customers?q=" + encodeURIComponent("姑苏区") + "&limit=3");
  const created = await dispatcher.post("/api/v1/tickets", {
    customer_id: customers[0].id,
    reporter: customers[0].name,
    phone: customers[0].phones[0],
    category: "stove",
    content: "两个窗口",
    team_id: await teamId("姑苏区维修班"),
    reason: "端到端测试：两个窗口",
  });
  await syncBar(first).click();
  await first.click("#sync-now");
  await first.goto(`${server.baseUrl}/jobs/${created.id}`);
  await first.locator("[data-testid=job-detail][data-status=assigned]").waitFor();
  // From here the server takes nothing, so the step stays queued on the phone.
  await context.route("**/api/v1/sync/**", (route) => route.abort());

  // A second tab starts, and its wasm is held back once its store copy has been read.
  const second = await context.newPage();
  errors.push(...watchErrors(second));
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  await second.route("**/app_bg.wasm", async (route) => {
    await held;
    await route.continue();
  });
  const platformLoaded = second.waitForResponse((r) => r.url().endsWith("/platform.js"));
  const opened = second.goto(`${server.baseUrl}/jobs/${created.id}`);
  await platformLoaded;
  await second.waitForTimeout(1_000);

  // Meanwhile the job is accepted in the first tab: written to IndexedDB, queued.
  await first.click("button[data-action=accept]");
  await first.locator("[data-testid=job-detail][data-status=accepted]").waitFor();
  await eventually("the step queued", async () => (await syncBar(first).getAttribute("data-pending")) === "1");
  await first.waitForTimeout(500);

  release();
  await opened;
  await second.locator("[data-testid=job-detail][data-status=accepted]").waitFor();
  assert.equal(await syncBar(second).getAttribute("data-pending"), "1");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a patroller's leak check recorded offline becomes one repair ticket", { timeout: 300_000 }, async () => {
  const dir = await newProfile();
  let { context, page, errors } = await openPhone(dir);
  await page.goto(server.baseUrl + "/");
  await signIn(page, "patroller");
  await page.locator("[data-testid=check-list]").waitFor();

  // A caller smells gas on a pavement right above one of 姑苏区's pipelines.
  const leader = await Api.login(server.baseUrl, "leader");
  const network = await leader.get("/api/v1/pipelines");
  // The patroller is on duty for 姑苏区 today (值班), so leak checks there go to them.
  const gusu = await teamId("姑苏区巡线班");
  const patroller = await Api.login(server.baseUrl, "patroller");
  const now = Date.now();
  await leader.post("/api/v1/rosters", {
    team_id: gusu,
    user_id: patroller.user.id,
    starts_at: new Date(now - 3600_000).toISOString(),
    ends_at: new Date(now + 8 * 3600_000).toISOString(),
  });
  // The middle of a segment (its ends may touch another district's network).
  const description = `人行道闻到燃气味（端到端 ${Date.now()}）`;
  let check = null;
  for (const segment of network.features.filter((f) => f.properties.patrol_area === "姑苏区巡线区域").slice(0, 5)) {
    const line = segment.geometry.coordinates;
    const k = Math.max(0, Math.floor(line.length / 2) - 1);
    const [lon, lat] = [(line[k][0] + line[k + 1][0]) / 2, (line[k][1] + line[k + 1][1]) / 2];
    const tried = await dispatcher.post("/api/v1/patrol-checks", { lon, lat, phone: "13812345678", caller: "李女士", description });
    if (tried.team_id === gusu && tried.assigned_to === patroller.user.id) {
      check = tried;
      break;
    }
  }
  assert.ok(check, "no point on a 姑苏区 pipeline routed to 姑苏区巡线班");

  await syncBar(page).click();
  await page.click("#sync-now");
  await page.locator(".back").first().click();
  const item = page.locator(`[data-testid=check][data-check="${check.id}"]`);
  await item.waitFor();
  await screenshot(page, "checks-patroller");
  await item.click();
  await page.locator("[data-testid=check-detail]").waitFor();
  assert.match(await page.locator("[data-testid=nearest-pipeline]").innerText(), /姑苏区巡线区域/);
  await eventually("GPS position", async () => /120\.62010, 31\.30030/.test(await page.locator("[data-testid=position]").innerText()));
  await screenshot(page, "check-detail");

  await context.setOffline(true);
  await eventually("offline shown", async () => (await syncBar(page).getAttribute("data-online")) === "false");
  // No finding chosen: refused, nothing queued.
  await page.click("#submit-result");
  await page.locator("[data-testid=error-banner]").waitFor();
  await page.locator("[data-testid=error-banner] button").click();
  assert.equal(await syncBar(page).getAttribute("data-pending"), "0");
  await page.click("button[data-finding=leak_found]");
  await page.fill("#gas-reading", "12.5");
  await page.fill("#check-remarks", "阀门井内读数偏高");
  await page.setInputFiles("#check-photo-input", await photoFile());
  await page.locator("[data-testid=check-detail] .thumbs img").waitFor();
  await screenshot(page, "check-result-form");
  await page.click("#submit-result");
  await page.locator("[data-testid=check-recorded]").waitFor();
  // The result, then its photo's link: both queued.
  // (The photo waiting for upload is counted after both are saved.)
  await eventually("result and photo queued", async () => {
    const bar = syncBar(page);
    return (await bar.getAttribute("data-pending")) === "2" && (await bar.getAttribute("data-uploads")) === "1";
  });

  await page.reload();
  await page.locator("[data-testid=check-recorded]").waitFor();
  assert.deepEqual(errors, [], "the page threw");
  await killBrowser(context, dir);
  ({ context, page, errors } = await openPhone(dir, { offline: true }));
  await page.goto(`${server.baseUrl}/checks/${check.id}`);
  await page.locator("[data-testid=check-recorded]").waitFor();
  assert.equal(await syncBar(page).getAttribute("data-pending"), "2");

  await context.setOffline(false);
  await waitSynced(page);

  const after = await dispatcher.get(`/api/v1/patrol-checks/${check.id}`);
  const flagged = await leader.get("/api/v1/sync/flagged");
  assert.deepEqual(flagged.map((f) => [f.kind, f.code, f.reason]), [], "nothing flagged");
  assert.equal(after.status, "closed");
  const found = await dispatcher.get(`/api/v1/tickets?source=patrol&content=${encodeURIComponent(description)}`);
  assert.equal(found.items.length, 1, "exactly one repair ticket: " + JSON.stringify(found.items.map((t) => t.number)));
  const ticket = found.items[0];
  assert.equal(ticket.category, "leak");
  assert.equal(ticket.urgent, true);
  assert.match(ticket.content, /12\.5% LEL/);
  assert.deepEqual(errors, [], "the page threw");
  await context.close();
});

test("a patroller's track reaches the server while the daily log is open", { timeout: 180_000 }, async () => {
  const dir = await newProfile();
  const { context, page, errors } = await openPhone(dir);
  await page.goto(server.baseUrl + "/");
  await signIn(page, "patroller");
  await page.locator("[data-testid=check-list]").waitFor();
  await page.click("#open-log");
  await page.click("#start-log");
  await page.locator("[data-testid=track-points]").waitFor();

  // Walking east along 干将路: a position every ~50 m (the phone keeps points 15 m apart).
  const walk = [0, 1, 2, 3, 4].map((i) => ({ longitude: 120.6201 + i * 0.0005, latitude: 31.3003 }));
  for (const place of walk) {
    await context.setGeolocation(place);
    await page.waitForTimeout(400);
  }
  // "Sync now" sends what was walked so far; the log stays open. (On a loaded machine the
  // browser may report the last place after the first sync: then the next one sends it.)
  await syncBar(page).click();
  const patroller = await Api.login(server.baseUrl, "patroller");
  const log = await eventually("the whole track on the server", async () => {
    await page.click("#sync-now");
    await waitSynced(page);
    const logs = await patroller.get("/api/v1/patrol-logs");
    const open = logs.find((l) => l.ended_at === null && l.points >= 3);
    const end = open?.track.coordinates.at(-1);
    return end && Math.abs(end[0] - walk.at(-1).longitude) < 1e-6 && open;
  });
  assert.ok(log.length_m > 100, `walked ${log.length_m} m`);
  const last = log.track.coordinates.at(-1);
  assert.ok(Math.abs(last[0] - walk.at(-1).longitude) < 1e-6, JSON.stringify(last));
  // The console's map shows the patroller where the track ends.
  const positions = await dispatcher.get("/api/v1/positions");
  const here = positions.find((p) => p.user_id === patroller.user.id);
  assert.ok(here && Math.abs(here.lon - walk.at(-1).longitude) < 1e-6, JSON.stringify(here));
  assert.deepEqual(errors, []);
  await context.close();
});
