// End-to-end: the dispatcher console in headless Chromium at 1440×900 against the real server
// with its demo city. Run: GASDESK_BIN=target/debug/gasdesk node --test console.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Harness, screenshot } from "./console-support.mjs";

const h = new Harness();
before(() => h.start());
after(() => h.stop());

/**
 * A 姑苏区 customer in arrears whose place routes to 姑苏区维修班 (the demo repairer's team),
 * found through the API the way a test finds its fixture.
 */
async function customerInArrears(token) {
  const res = await h.api("GET", `/api/v1/customers?q=${encodeURIComponent("苏州市姑苏区")}&limit=200`, token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  for (const c of res.body.items) {
    if (c.arrears_fen <= 0 || c.lon == null || !c.address.startsWith("苏州市姑苏区")) continue;
    const r = await h.api("GET", `/api/v1/routing/resolve?lon=${c.lon}&lat=${c.lat}`, token);
    if (r.status === 200 && r.body.repair_team?.name === "姑苏区维修班") return c;
  }
  assert.fail("the demo city has no 姑苏区 customer in arrears routed to 姑苏区维修班");
}

/** The repairer's phone accepts a ticket through the sync API, as the field app would. */
async function acceptOnPhone(ticketId) {
  const { token } = await h.login("repairer");
  const deviceId = randomUUID();
  const device = await h.api("POST", "/api/v1/sync/devices", token, {
    device_id: deviceId,
    name: "维修工手机",
    platform: "Android",
  });
  assert.equal(device.status, 200, JSON.stringify(device.body));
  const push = await h.api("POST", "/api/v1/sync/push", token, {
    device_id: deviceId,
    mutations: [
      {
        id: randomUUID(),
        device_id: deviceId,
        seq: 1,
        device_at: new Date().toISOString(),
        change: { type: "ticket_step", ticket_id: ticketId, action: "accept" },
      },
    ],
  });
  assert.equal(push.status, 200, JSON.stringify(push.body));
  assert.equal(push.body.results[0].outcome.status, "applied", JSON.stringify(push.body));
}

test("an agent finds the customer by part of the address, sees the arrears, creates the ticket and watches it get accepted", async (t) => {
  const { token } = await h.login("dispatcher");
  const customer = await customerInArrears(token);
  // What a caller says: the road, number and building, without city, district or flat.
  const partial = customer.address.replace("苏州市姑苏区", "").replace(/\d+室$/, "");
  assert.ok(partial.length >= 4 && partial !== customer.address, partial);

  const page = await h.openConsole(t, "dispatcher");
  const search = page.locator("#intake-search");
  await search.waitFor({ state: "visible" });
  assert.ok(await search.evaluate((el) => el === document.activeElement), "the search box has the focus");
  await search.pressSequentially(partial, { delay: 40 });
  // Wait for the answer to the whole text: on a slow machine searches for parts of it are
  // answered on the way, and the list reorders when the last one lands.
  await page.waitForFunction((q) => document.getElementById("customer-hits")?.dataset.answered === q, partial);
  const hits = page.locator("[data-testid=customer-hit]");
  await hits.filter({ hasText: customer.address }).first().waitFor({ state: "visible" });
  const texts = await hits.allInnerTexts();
  const index = texts.findIndex((text) => text.includes(customer.address));
  assert.ok(index >= 0, `not among the hits: ${texts.join(" | ")}`);
  // Keyboard only: down to the customer, Enter takes it.
  for (let i = 0; i < index; i++) await search.press("ArrowDown");
  assert.ok((await page.locator(".hit.active").innerText()).includes(customer.address));
  await search.press("Enter");

  const card = page.locator("[data-testid=customer-card]");
  await card.waitFor({ state: "visible" });
  assert.ok((await card.innerText()).includes(customer.card_no));
  const warning = page.locator("[data-testid=arrears-warning]");
  await warning.waitFor({ state: "visible" });
  assert.match(await warning.innerText(), /欠费/);
  assert.equal(await page.inputValue("#reporter"), customer.name);
  assert.equal(await page.inputValue("#address"), customer.address);
  await page.locator("[data-testid=suggested-team]", { hasText: "姑苏区维修班" }).waitFor();
  assert.ok((await page.locator("[data-testid=routing-explanation]").innerText()).trim().length > 0);
  // Choosing the customer sent the cursor on to the call's content.
  assert.equal(await page.evaluate(() => document.activeElement?.id), "content");

  // Refused first: nothing said about what is wrong.
  await page.selectOption("#category", "meter");
  await page.click("#create-ticket");
  await page.locator("[data-testid=error-banner]").waitFor({ state: "visible" });
  assert.equal(await page.locator("[data-testid=created-ticket]").count(), 0);
  await page.click(".error-dismiss");

  await page.fill("#content", "燃气表不走字，表头有嘶嘶声");
  // The customer will be home tomorrow afternoon (China time, whatever the browser's zone).
  await page.fill("#appointment-from", "2030-05-06T14:00");
  await page.fill("#appointment-to", "2030-05-06T16:00");
  await screenshot(page, "intake");
  await page.click("#create-ticket");
  const created = page.locator("[data-testid=created-ticket]");
  await created.waitFor({ state: "visible" });
  const number = (await page.locator("[data-testid=created-number]").innerText()).trim();
  assert.match(number, /^BX\d{8}-\d+$/);
  assert.ok((await created.innerText()).includes("姑苏区维修班"), await created.innerText());
  const found = await h.api("GET", `/api/v1/tickets?number=${number}`, token);
  assert.equal(found.body.items.length, 1);
  const ticket = found.body.items[0];
  assert.equal(ticket.status, "assigned");
  assert.equal(ticket.customer_id, customer.id);
  assert.equal(ticket.appointment_from, "2030-05-06T06:00:00Z");
  assert.equal(ticket.appointment_to, "2030-05-06T08:00:00Z");

  await page.click("#nav-board");
  await page.locator("[data-testid=live-state][data-state=open]").waitFor();
  const onBoard = (status) => page.locator(`section.board-col[data-status=${status}] [data-number="${number}"]`);
  await onBoard("assigned").waitFor({ state: "visible" });
  await acceptOnPhone(ticket.id);
  // No reload: the live stream moves it.
  await onBoard("accepted").waitFor({ state: "visible" });
  assert.equal(await onBoard("assigned").count(), 0);
  const column = page.locator("section.board-col[data-status=accepted] h3");
  assert.match(await column.innerText(), /已接单/);
  // A meter fault has 24 hours; the countdown runs.
  const sla = `section.board-col[data-status=accepted] [data-number="${number}"] [data-testid=sla]`;
  const shown = await page.locator(sla).innerText();
  assert.match(shown, /^剩余 (24:00:00|23:\d\d:\d\d)$/);
  await page.waitForFunction(([sel, before]) => document.querySelector(sel)?.innerText !== before, [sla, shown]);
  await screenshot(page, "board");
});

test("reassigning and cancelling need reasons; a reassigned ticket changes team, a cancelled one leaves", async (t) => {
  const { token } = await h.login("dispatcher");
  const created = await h.api("POST", "/api/v1/tickets", token, {
    reporter: "李敏",
    phone: "13900001111",
    address: "苏州市姑苏区人民路100号",
    category: "stove",
    content: "灶具打不着火",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const number = created.body.number;
  const page = await h.openConsole(t, "dispatcher");
  await page.click("#nav-board");
  const card = page.locator(`[data-testid=board-ticket][data-number="${number}"]`);
  await card.waitFor({ state: "visible" });
  await card.locator("[data-action=reassign]").click();
  await page.selectOption("#reassign-team", { label: "吴中区维修班" });
  await page.click("#action-confirm");
  await page.locator("[data-testid=action-dialog] [role=alert]", { hasText: "请填写原因" }).waitFor();
  await page.fill("#action-reason", "辖区调整");
  await page.click("#action-confirm");
  await page.locator("[data-testid=action-dialog]").waitFor({ state: "detached" });
  await card.locator("[data-testid=ticket-team]", { hasText: "吴中区维修班" }).waitFor();
  assert.equal((await h.api("GET", `/api/v1/tickets/${created.body.id}`, token)).body.team_name, "吴中区维修班");
  await card.locator("[data-action=cancel]").click();
  await page.click("#action-confirm");
  await page.locator("[data-testid=action-dialog] [role=alert]", { hasText: "请填写原因" }).waitFor();
  assert.equal(await card.count(), 1, "refused without a reason: still on the board");
  await page.fill("#action-reason", "客户来电撤销");
  await page.click("#action-confirm");
  await card.waitFor({ state: "detached" });
  const after = await h.api("GET", `/api/v1/tickets/${created.body.id}`, token);
  assert.equal(after.body.status, "cancelled");
});

test("an agent corrects a ticket's phone, address and appointment from the board; the history says what changed", async (t) => {
  const { token } = await h.login("dispatcher");
  const created = await h.api("POST", "/api/v1/tickets", token, {
    reporter: "周洁",
    phone: "13900002222",
    address: "苏州市姑苏区人民路120号",
    category: "stove",
    content: "灶具点火后熄灭",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const { id, number } = created.body;
  const page = await h.openConsole(t, "dispatcher");
  await page.click("#nav-board");
  const card = page.locator(`[data-testid=board-ticket][data-number="${number}"]`);
  await card.waitFor({ state: "visible" });
  await card.locator("[data-action=edit]").click();
  const dialog = page.locator("[data-testid=edit-dialog]");
  assert.equal(await page.inputValue("#edit-phone"), "13900002222", "filled in with what the ticket says");
  // Nothing changed: said before anything is sent.
  await page.click("#edit-save");
  await dialog.locator("[data-testid=refusal]", { hasText: "没有改动" }).waitFor();
  // A bad phone number: the server's reason, and what was typed stays.
  await page.fill("#edit-phone", "12ab");
  await page.click("#edit-save");
  await dialog.locator("[data-testid=refusal]", { hasText: "phone" }).waitFor();
  assert.equal(await page.inputValue("#edit-phone"), "12ab");
  await page.fill("#edit-phone", "139 0000 3333");
  await page.fill("#edit-address", "苏州市姑苏区人民路122号");
  await page.fill("#edit-appointment-from", "2030-01-02T09:00");
  await page.fill("#edit-appointment-to", "2030-01-02T11:00");
  await page.fill("#edit-note", "客户来电更正");
  await screenshot(page, "console-ticket-edit");
  await page.click("#edit-save");
  await dialog.waitFor({ state: "detached" });
  await card.locator(".addr", { hasText: "人民路122号" }).waitFor();
  const after = (await h.api("GET", `/api/v1/tickets/${id}`, token)).body;
  assert.equal(after.phone, "13900003333");
  assert.equal(after.address, "苏州市姑苏区人民路122号");
  assert.equal(after.appointment_from, "2030-01-02T01:00:00Z");
  assert.equal(after.appointment_to, "2030-01-02T03:00:00Z");
  const events = (await h.api("GET", `/api/v1/tickets/${id}/events`, token)).body;
  const edit = events.find((e) => e.action === "edit");
  assert.ok(edit, JSON.stringify(events));
  assert.equal(edit.note, "更正 电话、地址、预约：客户来电更正");
});

/** A 姑苏区 customer whose place has a pipeline of 姑苏区巡线班 near enough for a leak check. */
async function customerNearPipeline(token) {
  const res = await h.api("GET", `/api/v1/customers?q=${encodeURIComponent("苏州市姑苏区")}&limit=200`, token);
  for (const c of res.body.items) {
    if (c.lon == null || !c.address.startsWith("苏州市姑苏区")) continue;
    const r = await h.api("GET", `/api/v1/routing/resolve?lon=${c.lon}&lat=${c.lat}`, token);
    if (r.status === 200 && r.body.patrol_team?.name === "姑苏区巡线班") return c;
  }
  assert.fail("no 姑苏区 customer near a 姑苏区巡线班 pipeline");
}

async function teamId(token, name) {
  const teams = await h.api("GET", "/api/v1/teams", token);
  const team = teams.body.find((t) => t.name === name);
  assert.ok(team, `no team ${name}`);
  return team.id;
}

test("a leak report goes to the on-duty patroller, and with nobody on duty the dispatcher is alerted", async (t) => {
  const { token } = await h.login("dispatcher");
  const customer = await customerNearPipeline(token);
  const page = await h.openConsole(t, "dispatcher");
  const report = async (description) => {
    await page.click("#mode-patrol");
    await page.fill("#intake-search", customer.address);
    await page.locator("[data-testid=customer-hit]", { hasText: customer.address }).first().waitFor();
    await page.locator("#intake-search").press("Enter");
    // The place comes from the customer's address.
    assert.equal(Number(await page.inputValue("#check-lon")).toFixed(4), customer.lon.toFixed(4));
    assert.equal(await page.evaluate(() => document.activeElement?.id), "check-description");
    await page.fill("#check-description", description);
    await page.click("#report-check");
    const done = page.locator("[data-testid=check-reported]");
    await done.waitFor({ state: "visible" });
    const text = await page.locator("[data-testid=check-explanation]").innerText();
    await page.click("#next-call");
    return text;
  };

  // Nobody of 姑苏区巡线班 is on duty yet.
  const first = await report("楼道外墙管道有很重的燃气味");
  assert.match(first, /姑苏区巡线班 当前无人值班/);
  await page.click("#nav-board");
  await page.locator("[data-testid=alert]", { hasText: "未能派给巡线工" }).first().waitFor();

  // The leader puts the demo patroller on duty; the next report goes to him.
  const admin = (await h.login("admin")).token;
  const patroller = (await h.login("patroller")).user;
  const now = Date.now();
  const shift = await h.api("POST", "/api/v1/rosters", admin, {
    team_id: await teamId(admin, "姑苏区巡线班"),
    user_id: patroller.id,
    starts_at: new Date(now - 3600_000).toISOString(),
    ends_at: new Date(now + 8 * 3600_000).toISOString(),
  });
  assert.equal(shift.status, 201, JSON.stringify(shift.body));
  await page.click("#nav-intake");
  const second = await report("小区门口地下有嘶嘶声和燃气味");
  // The explanation names the patroller (the server names him by his login).
  assert.ok(
    [patroller.display_name, patroller.username].some((n) => second.includes(`值班巡线工 ${n}`)),
    second,
  );
  await screenshot(page, "intake-patrol");
  const checks = await h.api("GET", "/api/v1/patrol-checks", token);
  const mine = checks.body.find((c) => c.description === "小区门口地下有嘶嘶声和燃气味");
  assert.equal(mine.assigned_to, patroller.id);

  await page.click("#nav-work");
  await page.click("#bench-checks");
  await page.locator("[data-testid=check-item]", { hasText: "小区门口地下有嘶嘶声和燃气味" }).waitFor();
  await screenshot(page, "work-checks");
});

/** Tickets completed today by the demo repairer, then sampled (all of them) for follow-up. */
async function followupsToCall(count) {
  const dispatcher = (await h.login("dispatcher")).token;
  const repairer = (await h.login("repairer")).token;
  const admin = (await h.login("admin")).token;
  const items = await h.api("GET", "/api/v1/catalog/repair-items", admin);
  const code = items.body.find((i) => i.active).code;
  const team = await teamId(admin, "姑苏区维修班");
  for (let i = 0; i < count; i++) {
    const created = await h.api("POST", "/api/v1/tickets", dispatcher, {
      reporter: `回访客户${i}`,
      phone: `1390000${String(i).padStart(4, "0")}`,
      address: `苏州市姑苏区十全街${i + 1}号`,
      category: "stove",
      content: "灶具维修",
      team_id: team,
      reason: "测试：指定姑苏区维修班",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const accepted = await h.api("POST", `/api/v1/tickets/${id}/transitions`, repairer, { action: "accept" });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const done = await h.api("POST", `/api/v1/tickets/${id}/complete`, repairer, { items: [{ code, quantity: 1 }] });
    assert.equal(done.status, 201, JSON.stringify(done.body));
  }
  const percent = await h.api("PUT", "/api/v1/params/followup_sample_percent", admin, { value: 100 });
  assert.equal(percent.status, 200, JSON.stringify(percent.body));
  // Today in China time, where the completions happened.
  const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const sample = await h.api("POST", `/api/v1/followups/sample?day=${day}`, admin);
  assert.equal(sample.status, 200, JSON.stringify(sample.body));
  assert.equal(sample.body.sampled, count, JSON.stringify(sample.body));
}

test("a follow-up batch locked by one agent cannot be taken by another until released", async (t) => {
  await followupsToCall(3);
  const admin = (await h.login("admin")).token;
  const users = await h.api("GET", "/api/v1/users", admin);
  const other = users.body.find((u) => u.role === "dispatcher" && u.username !== "dispatcher");
  assert.ok(other, "the demo has a second dispatcher");

  const agentA = await h.openConsole(t, "dispatcher");
  await agentA.click("#nav-work");
  await agentA.locator("[data-testid=followups-waiting]", { hasText: "3" }).waitFor();
  await agentA.click("#take-batch");
  const batchA = agentA.locator("[data-testid=my-batch] [data-testid=followup-item]");
  await batchA.first().waitFor();
  assert.equal(await batchA.count(), 3);

  const agentB = await h.openConsole(t, other.username);
  await agentB.click("#nav-work");
  await agentB.click("#take-batch");
  await agentB.locator("[data-testid=followup-none]").waitFor({ state: "visible" });
  assert.equal(await agentB.locator("[data-testid=my-batch]").count(), 0);
  // Nor can B record a call A holds, even by going round the console.
  const tokenB = (await h.login(other.username)).token;
  const pending = await h.api("GET", "/api/v1/followups", tokenB);
  const held = await h.api("POST", `/api/v1/followups/${pending.body[0].id}/result`, tokenB, {
    satisfaction: "satisfied",
  });
  assert.equal(held.status, 409, JSON.stringify(held.body));
  await screenshot(agentB, "work-followups-refused");

  // A calls one customer, records it, and gives the rest back.
  const row = batchA.first();
  await row.locator("select").selectOption("basically_satisfied");
  await row.locator("input").fill("师傅很准时");
  await row.locator("button").click();
  await row.getByText("已完成").waitFor();
  await screenshot(agentA, "work-followups");
  await agentA.click("#release-batch");
  await agentA.locator("[data-testid=my-batch]").waitFor({ state: "detached" });

  await agentB.click("#take-batch");
  const batchB = agentB.locator("[data-testid=my-batch] [data-testid=followup-item]");
  await batchB.first().waitFor();
  assert.equal(await batchB.count(), 2, "B gets the two calls A did not make");
});

test("the map draws areas, pipelines and field staff, pans and zooms, and a clicked place feeds a patrol report", async (t) => {
  // Two phones have reported where they are.
  for (const [who, lon, lat] of [["repairer", 120.62, 31.31], ["patroller", 120.64, 31.32]]) {
    const { token } = await h.login(who);
    const res = await h.api("POST", "/api/v1/me/position", token, { lon, lat });
    assert.equal(res.status, 204, JSON.stringify(res.body));
  }
  const page = await h.openConsole(t, "dispatcher");
  await page.click("#nav-map");
  const map = page.locator("[data-testid=map]");
  await map.waitFor({ state: "visible" });
  const areas = await page.locator(".map .areas path").count();
  const pipes = await page.locator(".map .pipes path").count();
  const admin = (await h.login("admin")).token;
  const served = (await h.api("GET", "/api/v1/areas", admin)).body.features.length;
  assert.equal(areas, served, "every service area is drawn");
  assert.ok(pipes > 100, `${pipes} pipelines drawn`);
  for (const pc of ["low", "medium"]) {
    assert.ok((await page.locator(`.map .pipes path.${pc}`).count()) > 0, `no ${pc} pipelines`);
  }
  await page.locator("[data-testid=map-staff]").nth(1).waitFor();
  assert.equal(await page.locator("[data-testid=map-staff]").count(), 2);
  assert.equal(await page.locator("[data-testid=map-staff].patroller").count(), 1);
  await screenshot(page, "map");

  const box = async () => (await map.getAttribute("viewBox")).split(" ").map(Number);
  const before = await box();
  await page.click("#zoom-in");
  const zoomed = await box();
  assert.ok(zoomed[2] < before[2], `zoom in: ${before} → ${zoomed}`);
  const r = await map.boundingBox();
  await page.mouse.move(r.x + r.width / 2, r.y + r.height / 2);
  await page.mouse.down();
  await page.mouse.move(r.x + r.width / 2 + 200, r.y + r.height / 2, { steps: 5 });
  await page.mouse.up();
  const panned = await box();
  assert.ok(panned[0] < zoomed[0] && panned[2] === zoomed[2], `pan: ${zoomed} → ${panned}`);

  // A click (no drag) picks the place; the patrol report can use it.
  await page.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
  const place = (await page.locator("[data-testid=picked-place]").innerText()).split(",").map(Number);
  assert.ok(place[0] > 119 && place[0] < 122 && place[1] > 30 && place[1] < 33, `picked ${place}`);
  await page.click("#nav-intake");
  await page.click("#mode-patrol");
  await page.click("#use-map-point");
  assert.equal(Number(await page.inputValue("#check-lon")).toFixed(5), place[0].toFixed(5));
  assert.equal(Number(await page.inputValue("#check-lat")).toFixed(5), place[1].toFixed(5));
});

test("a team leader imports a broken GeoJSON file and sees every reason; nothing changes", async (t) => {
  const admin = (await h.login("admin")).token;
  const before = (await h.api("GET", "/api/v1/areas", admin)).body.features.length;
  const square = [[[120.60, 31.30], [120.61, 31.30], [120.61, 31.31], [120.60, 31.31], [120.60, 31.30]]];
  const bowtie = [[[120.62, 31.30], [120.63, 31.31], [120.63, 31.30], [120.62, 31.31], [120.62, 31.30]]];
  const broken = {
    type: "FeatureCollection",
    features: [
      { type: "Feature", properties: { name: "双塔街道", team: "姑苏区维修班" }, geometry: { type: "Polygon", coordinates: square } },
      { type: "Feature", properties: { name: "自相交", team: "姑苏区维修班" }, geometry: { type: "Polygon", coordinates: bowtie } },
      { type: "Feature", properties: { name: "无主", team: "不存在的班组" }, geometry: { type: "Polygon", coordinates: square } },
      { type: "Feature", properties: { team: "姑苏区维修班" }, geometry: { type: "Point", coordinates: [120.6, 31.3] } },
    ],
  };
  const page = await h.openConsole(t, "leader");
  await page.click("#nav-admin");
  await page.click("#admin-geo");
  await page.setInputFiles("#geojson-file", {
    name: "broken-areas.geojson",
    mimeType: "application/geo+json",
    buffer: Buffer.from(JSON.stringify(broken)),
  });
  await page.locator("#geo-import:not([disabled])").click();
  await page.locator("[data-testid=import-refused]").waitFor({ state: "visible" });
  const rows = page.locator("[data-testid=import-problem]");
  const problems = await rows.allInnerTexts();
  const features = problems.map((p) => p.match(/#(\d+)/)[1]).sort();
  assert.deepEqual(features, ["1", "2", "3"], problems.join(" | "));
  assert.ok(problems.find((p) => p.startsWith("#2")).includes("不存在的班组"), problems.join(" | "));
  await screenshot(page, "admin-geojson-refused");
  const after = (await h.api("GET", "/api/v1/areas", admin)).body.features.length;
  assert.equal(after, before, "a refused file imports nothing");
});

test("tickets are searched by their filters and the chosen ones printed together", async (t) => {
  const { token } = await h.login("dispatcher");
  const numbers = [];
  for (const n of [1, 2, 3]) {
    const created = await h.api("POST", "/api/v1/tickets", token, {
      reporter: `打印客户${n}`,
      phone: "13900002222",
      address: `苏州市姑苏区打印测试路${n}号`,
      category: "water_heater",
      content: "热水器不点火",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    numbers.push(created.body.number);
  }
  const page = await h.openConsole(t, "dispatcher");
  await page.click("#nav-queries");
  await page.fill("#q-address", "打印测试路");
  await page.selectOption("#q-category", "water_heater");
  await page.click("#q-search");
  const rows = page.locator("[data-testid=q-row]");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 3);
  // A filter that matches none of them.
  await page.selectOption("#q-category", "leak");
  await page.click("#q-search");
  await page.locator("[data-testid=q-total]", { hasText: "0" }).waitFor();
  await page.selectOption("#q-category", "water_heater");
  await page.click("#q-search");
  await rows.nth(2).waitFor();
  for (const i of [0, 1]) await rows.nth(i).locator("input[type=checkbox]").check();
  const chosen = [await rows.nth(0).innerText(), await rows.nth(1).innerText()].map((r) => r.match(/BX\d{8}-\d+/)[0]);
  await screenshot(page, "queries");
  const [printView] = await Promise.all([page.context().waitForEvent("page"), page.click("#q-print")]);
  await printView.waitForLoadState();
  const html = await printView.content();
  for (const n of chosen) assert.ok(html.includes(n), `${n} not in the print view`);
  const left = numbers.find((n) => !chosen.includes(n));
  assert.ok(!html.includes(left), `${left} was not chosen but is printed`);
});

test("the agent overrides the routing suggestion, and only with a reason", async (t) => {
  const { token } = await h.login("dispatcher");
  const customer = await customerInArrears(token);
  const page = await h.openConsole(t, "dispatcher");
  await page.fill("#intake-search", customer.card_no);
  await page.locator("[data-testid=customer-hit]", { hasText: customer.card_no }).first().waitFor();
  await page.locator("#intake-search").press("Enter");
  await page.locator("[data-testid=suggested-team]", { hasText: "姑苏区维修班" }).waitFor();
  await page.selectOption("#category", "stove");
  await page.fill("#content", "灶具熄火保护失灵");
  await page.selectOption("#override-team", { label: "吴中区维修班" });
  await page.click("#create-ticket");
  // No reason given: refused, nothing created.
  await page.locator("[data-testid=error-banner]").waitFor({ state: "visible" });
  assert.equal(await page.locator("[data-testid=created-ticket]").count(), 0);
  await page.click(".error-dismiss");
  await page.fill("#override-reason", "客户要求吴中区班组上门");
  await page.click("#create-ticket");
  await page.locator("[data-testid=created-ticket]").waitFor();
  const number = (await page.locator("[data-testid=created-number]").innerText()).trim();
  const found = (await h.api("GET", `/api/v1/tickets?number=${number}`, token)).body.items[0];
  assert.equal(found.team_name, "吴中区维修班");
  assert.equal(found.decision.basis.kind, "chosen_by");
  assert.equal(found.decision.basis.reason, "客户要求吴中区班组上门");
});

test("a complaint taken on the phone waits on the events workbench until it is answered", async (t) => {
  const page = await h.openConsole(t, "dispatcher");
  await page.click("#mode-event");
  await page.fill("#reporter", "赵女士");
  await page.fill("#caller-phone", "13700001234");
  await page.selectOption("#event-kind", "complaint");
  await page.fill("#event-content", "维修师傅迟到两小时");
  await page.click("#save-event");
  await page.locator("[data-testid=saved]").waitFor();
  await page.click("#next-call");
  // A consultation answered at once does not wait anywhere.
  await page.click("#mode-consult");
  await page.fill("#reporter", "钱先生");
  await page.fill("#caller-phone", "13700005678");
  await page.fill("#question", "停气后如何安全恢复用气？");
  await page.fill("#answer", "先关闭所有灶前阀，等通知后再逐个打开");
  await page.click("#save-consultation");
  await page.locator("[data-testid=saved]").waitFor();

  await page.click("#nav-work");
  await page.click("#bench-events");
  const row = page.locator("[data-testid=event-item]", { hasText: "维修师傅迟到两小时" });
  await row.waitFor();
  await screenshot(page, "work-events");
  // An empty reply is not sent.
  await row.locator("button").click();
  assert.equal(await row.count(), 1);
  await row.locator("input").fill("已向客户致歉，并对维修班组提出批评");
  await row.locator("button").click();
  await row.waitFor({ state: "detached" });
  const { token } = await h.login("dispatcher");
  const events = await h.api("GET", "/api/v1/events?awaiting_reply=true", token);
  assert.equal(events.status, 200, JSON.stringify(events.body));
  assert.ok(!events.body.items.some((e) => e.content === "维修师傅迟到两小时"));
});
