// End-to-end: the console's administration (users, teams, parameters, score rules, rosters,
// knowledge, outages), the sync-conflict workbench and the English console, in headless
// Chromium at 1440×900 against the real server with its demo city.
// Run: GASDESK_BIN=target/debug/gasdesk node --test console-admin.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { FieldPhone, Harness, chinaInput, openAdmin, screenshot } from "./console-support.mjs";

const h = new Harness();
before(() => h.start());
after(() => h.stop());

const refusal = (scope) => scope.locator("[data-testid=refusal]");

async function usersNamed(token, username) {
  const res = await h.api("GET", "/api/v1/users", token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.filter((u) => u.username === username);
}

test("an admin creates a user and changes the role; a taken username is refused, kept on screen, and nothing is created", async (t) => {
  const admin = (await h.login("admin")).token;
  const page = await h.openConsole(t, "admin");
  await openAdmin(page, "users");
  const form = page.locator("#new-user");
  await page.fill("#user-username", "wx.e2e01");
  await page.fill("#user-name", "陆志明");
  await page.selectOption("#user-role", "repairer");
  await page.fill("#user-password", "Gasdesk-2026x");
  await page.fill("#user-phone", "13900003333");
  await page.click("#user-create");
  const row = page.locator('[data-testid=user-row][data-username="wx.e2e01"]');
  await row.waitFor({ state: "visible" });
  assert.match(await row.innerText(), /陆志明[\s\S]*维修工/);
  assert.equal(await page.inputValue("#user-username"), "", "a success empties the form");
  const [created] = await usersNamed(admin, "wx.e2e01");
  assert.equal(created.role, "repairer");
  assert.equal(created.phone, "13900003333");

  // The same username again: the server's reason next to the form, what was typed kept.
  await page.fill("#user-username", "wx.e2e01");
  await page.fill("#user-name", "陆志明二号");
  await page.fill("#user-password", "Gasdesk-2026y");
  await page.click("#user-create");
  const note = refusal(form);
  await note.waitFor({ state: "visible" });
  assert.match(await note.innerText(), /username.*taken/);
  assert.equal(await note.getAttribute("data-status"), "409");
  assert.equal(await page.inputValue("#user-name"), "陆志明二号");
  assert.equal(await page.inputValue("#user-username"), "wx.e2e01");
  assert.equal((await usersNamed(admin, "wx.e2e01")).length, 1);
  const all = (await h.api("GET", "/api/v1/users", admin)).body;
  assert.ok(!all.some((u) => u.display_name === "陆志明二号"), "nothing was created");
  await screenshot(page, "admin-users-refused");

  // Repairer becomes patroller.
  await row.locator("[data-action=edit-user]").click();
  const editor = page.locator('#user-editor[data-username="wx.e2e01"]');
  await editor.waitFor();
  await page.selectOption("#edit-user-role", "patroller");
  await page.click("#user-save");
  await row.locator("[data-testid=user-role-cell]", { hasText: "巡线工" }).waitFor();
  assert.equal((await usersNamed(admin, "wx.e2e01"))[0].role, "patroller");

  // A too-short new password is refused with the server's reason.
  await page.fill("#edit-user-password", "short");
  await page.click("#user-reset-password");
  await refusal(editor).filter({ hasText: "password" }).waitFor();
  assert.equal((await h.api("POST", "/api/v1/auth/login", null, { username: "wx.e2e01", password: "Gasdesk-2026x" })).status, 200);

  // Deactivating asks first; then the account can no longer sign in.
  await editor.locator("[data-action=deactivate]").click();
  await editor.locator("[data-testid=confirm]").waitFor();
  assert.equal((await usersNamed(admin, "wx.e2e01"))[0].active, true, "nothing happens before the confirmation");
  await screenshot(page, "admin-users-confirm");
  await editor.locator("[data-action=confirm]").click();
  await row.locator("[data-testid=user-active]", { hasText: "否" }).waitFor();
  assert.equal((await usersNamed(admin, "wx.e2e01"))[0].active, false);
  const login = await h.api("POST", "/api/v1/auth/login", null, { username: "wx.e2e01", password: "Gasdesk-2026x" });
  assert.equal(login.status, 403, JSON.stringify(login.body));
  assert.match(login.body.error.message, /deactivated/);
});

test("a team leader creates a team, adds a member and removes them again, renames it, gives it a leader and deletes it", async (t) => {
  const leader = (await h.login("leader")).token;
  const repairer = (await h.login("repairer")).user;
  const page = await h.openConsole(t, "leader");
  await openAdmin(page, "teams");
  await page.fill("#team-name", "园区应急抢修班");
  await page.selectOption("#team-kind", "emergency_repair");
  await page.fill("#team-phone", "051288880000");
  await page.click("#team-create");
  const row = page.locator('[data-testid=team-row][data-team="园区应急抢修班"]');
  await row.waitFor();
  // A second team of the same name is refused.
  await page.fill("#team-name", "园区应急抢修班");
  await page.click("#team-create");
  await refusal(page.locator("#new-team")).waitFor();
  const named = (await h.api("GET", "/api/v1/teams", leader)).body.filter((x) => x.name === "园区应急抢修班");
  assert.equal(named.length, 1);
  const teamId = named[0].id;

  await row.locator("[data-action=members]").click();
  const panel = page.locator('#team-members[data-team="园区应急抢修班"]');
  await panel.waitFor();
  await page.click("#member-add");
  await refusal(panel).waitFor();
  await page.selectOption("#member-add-user", repairer.id);
  await page.click("#member-add");
  const member = panel.locator(`[data-testid=member-row][data-username="${repairer.username}"]`);
  await member.waitFor();
  await row.locator("[data-testid=member-count]", { hasText: "1" }).waitFor();
  assert.deepEqual((await h.api("GET", `/api/v1/teams/${teamId}`, leader)).body.member_ids, [repairer.id]);
  await screenshot(page, "admin-team-members");

  await member.locator("[data-action=remove-member]").click();
  await member.locator("[data-action=keep]").click();
  assert.equal(await member.count(), 1, "kept when the leader says no");
  await member.locator("[data-action=remove-member]").click();
  await member.locator("[data-action=confirm]").click();
  await member.waitFor({ state: "detached" });
  assert.deepEqual((await h.api("GET", `/api/v1/teams/${teamId}`, leader)).body.member_ids, []);

  // Renamed, with the demo leader as its leader; a name another team has is refused first.
  const me = (await h.login("leader")).user;
  await page.fill("#edit-team-name", "姑苏区维修班");
  await page.click("#team-save");
  const refused = refusal(panel).filter({ hasText: "姑苏区维修班" });
  await refused.waitFor();
  assert.equal(await refused.getAttribute("data-status"), "409");
  assert.equal(await page.inputValue("#edit-team-name"), "姑苏区维修班", "what was typed stays");
  await page.fill("#edit-team-name", "园区应急抢修一班");
  await page.selectOption("#edit-team-leader", me.id);
  await page.click("#team-save");
  await page
    .locator('[data-testid=team-row][data-team="园区应急抢修一班"] [data-testid=team-leader]', { hasText: me.display_name })
    .waitFor();
  const changed = (await h.api("GET", `/api/v1/teams/${teamId}`, leader)).body;
  assert.equal(changed.name, "园区应急抢修一班");
  assert.equal(changed.leader_id, me.id);
  await screenshot(page, "admin-team-renamed");

  // A team in use cannot be deleted: the refusal names what it still has.
  await page.click("#team-members-close");
  const demoRow = page.locator('[data-testid=team-row][data-team="姑苏区维修班"]');
  await demoRow.locator("[data-action=members]").click();
  const demoPanel = page.locator('#team-members[data-team="姑苏区维修班"]');
  await demoPanel.locator("[data-action=delete-team]").click();
  await demoPanel.locator("[data-action=confirm]").click();
  const inUse = refusal(demoPanel).filter({ hasText: "service area" });
  await inUse.waitFor();
  assert.equal(await inUse.getAttribute("data-status"), "409");
  assert.equal(await demoRow.count(), 1);

  // The unused one is: asked first, then gone from the list and the server.
  await page.click("#team-members-close");
  const renamed = page.locator('[data-testid=team-row][data-team="园区应急抢修一班"]');
  await renamed.locator("[data-action=members]").click();
  const renamedPanel = page.locator('#team-members[data-team="园区应急抢修一班"]');
  await renamedPanel.locator("[data-action=delete-team]").click();
  await renamedPanel.locator("[data-action=confirm]").click();
  await renamed.waitFor({ state: "detached" });
  await renamedPanel.waitFor({ state: "detached" });
  assert.equal((await h.api("GET", `/api/v1/teams/${teamId}`, leader)).status, 404);
});

test("a business parameter refuses an out-of-range value with the server's reason, then takes a good one; a tile URL draws under the map", async (t) => {
  const leader = (await h.login("leader")).token;
  const param = async (key) => (await h.api("GET", "/api/v1/params", leader)).body.find((p) => p.key === key).value;
  const before = await param("followup_sample_percent");
  const page = await h.openConsole(t, "leader");
  await openAdmin(page, "params");
  const row = page.locator('[data-testid=param-row][data-key="followup_sample_percent"]');
  await row.locator("input").fill("150");
  await row.locator("[data-action=save-param]").click();
  const note = refusal(row);
  await note.waitFor();
  assert.match(await note.innerText(), /value: must be between 0 and 100/);
  assert.equal(await row.locator("input").inputValue(), "150", "what was typed stays");
  assert.equal(await param("followup_sample_percent"), before);
  await screenshot(page, "admin-params-refused");
  await row.locator("input").fill("45");
  await row.locator("[data-action=save-param]").click();
  await row.locator("[data-testid=param-saved]").waitFor();
  assert.equal(await note.count(), 0, "the refusal is gone");
  assert.equal(await param("followup_sample_percent"), 45);

  // The basemap: a refused address first, then one the browser is served tiles from.
  const tiles = page.locator('[data-testid=param-row][data-key="map_tile_url"]');
  await tiles.locator("input").fill("tiles.e2e.invalid/{z}/{x}/{y}.png");
  await tiles.locator("[data-action=save-param]").click();
  await refusal(tiles).filter({ hasText: "https://" }).waitFor();
  assert.equal(await param("map_tile_url"), "");
  const requested = [];
  const png = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    "base64",
  );
  await page.route(/^http:\/\/[abc]\.tiles\.e2e\.invalid\//, (route) => {
    requested.push(route.request().url());
    return route.fulfill({ status: 200, contentType: "image/png", body: png });
  });
  // Spread over the service's mirror hosts a, b and c, as Leaflet writes it.
  await tiles.locator("input").fill("http://{s}.tiles.e2e.invalid/{z}/{x}/{y}.png");
  await tiles.locator("[data-action=save-param]").click();
  await tiles.locator("[data-testid=param-saved]").waitFor();
  const firstTile = page.waitForRequest(/^http:\/\/[abc]\.tiles\.e2e\.invalid\//);
  await page.click("#nav-map");
  const images = page.locator("[data-testid=map-tiles] image");
  await images.first().waitFor({ state: "attached" });
  const hrefs = await images.evaluateAll((list) => list.map((i) => i.getAttribute("href")));
  assert.ok(hrefs.every((u) => /^http:\/\/[abc]\.tiles\.e2e\.invalid\/\d+\/\d+\/\d+\.png$/.test(u)), hrefs.join(" "));
  assert.equal(new Set(hrefs.map((u) => new URL(u).host)).size, 3, "all three hosts share the tiles");
  await firstTile;
  assert.ok(requested.length > 0, "the browser fetched tiles");
  const areas = await page.locator(".map .areas path").count();
  assert.ok(areas > 0, "the areas are still drawn over the tiles");

  // Tiles from a Chinese service (GCJ-02): the data moves onto them, some 300-700 m in Suzhou,
  // while the tiles stay where they were.
  const firstPoint = async () => {
    const d = await page.locator(".map .areas path").first().getAttribute("d");
    return d.match(/^M(-?[\d.]+) (-?[\d.]+)/).slice(1).map(Number);
  };
  const tileBoxes = async () => new Map(await images.evaluateAll((list) =>
    list.map((i) => [i.getAttribute("href"), ["x", "y", "width", "height"].map((a) => i.getAttribute(a)).join(" ")])));
  const [wx, wy] = await firstPoint();
  const wgsTiles = await tileBoxes();
  // The datum is chosen from the two there are, named by the maps drawn in them.
  await openAdmin(page, "params");
  const datum = page.locator('[data-testid=param-row][data-key="map_tile_datum"]');
  assert.match(await datum.locator("select option:checked").innerText(), /OpenStreetMap/);
  await datum.locator("select").selectOption("gcj02");
  await datum.locator("[data-action=save-param]").click();
  await datum.locator("[data-testid=param-saved]").waitFor();
  assert.equal(await param("map_tile_datum"), "gcj02");
  await page.click("#nav-map");
  await images.first().waitFor({ state: "attached" });
  const [gx, gy] = await firstPoint();
  const moved = Math.hypot(gx - wx, gy - wy);
  assert.ok(moved > 300 && moved < 700, `moved ${moved} map units (metres)`);
  const gcjTiles = await tileBoxes();
  const both = [...gcjTiles.keys()].filter((href) => wgsTiles.has(href));
  assert.ok(both.length > 0, "the same tiles are in view");
  for (const href of both) assert.equal(gcjTiles.get(href), wgsTiles.get(href), `${href} does not move`);
  assert.equal((await h.api("PUT", "/api/v1/params/map_tile_datum", leader, { value: "wgs84" })).status, 200);
});

test("a team leader corrects a material in its row's form; a bad unit is refused next to the form; retiring asks first and keeps it listed", async (t) => {
  const leader = (await h.login("leader")).token;
  const created = await h.api("POST", "/api/v1/catalog/materials", leader,
    { code: "CL-E2E", name: "燃气表接头", unit: "个", price_fen: 1200 });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const material = async () =>
    (await h.api("GET", "/api/v1/catalog/materials", leader)).body.find((m) => m.code === "CL-E2E");
  const page = await h.openConsole(t, "leader");
  await openAdmin(page, "catalogs");
  const row = page.locator('[data-testid=material-row][data-code="CL-E2E"]');
  await row.locator("[data-action=edit-entry]").click();
  const editor = page.locator('#material-editor[data-code="CL-E2E"]');
  await editor.waitFor();
  assert.equal(await page.inputValue("#edit-material-price"), "12.00", "the form starts from the entry");

  // A unit over 8 characters: the server's reason next to the form, what was typed kept.
  await page.fill("#edit-material-unit", "立方米每小时每平方");
  await page.fill("#edit-material-price", "18.8");
  await page.click("#material-save");
  const note = refusal(editor);
  await note.waitFor();
  assert.match(await note.innerText(), /unit: must be at most 8 characters/);
  assert.equal(await note.getAttribute("data-status"), "422");
  assert.equal(await page.inputValue("#edit-material-unit"), "立方米每小时每平方");
  assert.deepEqual([(await material()).unit, (await material()).price_fen], ["个", 1200], "nothing changed");
  await screenshot(page, "admin-catalog-refused");

  await page.fill("#edit-material-unit", "套");
  await page.click("#material-save");
  await editor.locator("[data-testid=entry-done]", { hasText: "已保存" }).waitFor();
  assert.equal(await note.count(), 0, "the refusal is gone");
  await row.filter({ hasText: "¥18.80" }).waitFor();
  assert.deepEqual([(await material()).unit, (await material()).price_fen], ["套", 1880]);

  // Retiring asks first; saying no changes nothing; saying yes keeps the row, marked retired.
  await editor.locator("[data-action=retire]").click();
  await editor.locator("[data-action=keep]").click();
  assert.equal((await material()).active, true, "kept when the leader says no");
  await editor.locator("[data-action=retire]").click();
  await editor.locator("[data-testid=confirm]").waitFor();
  await screenshot(page, "admin-catalog-retire-confirm");
  await editor.locator("[data-action=confirm]").click();
  await row.locator("[data-testid=entry-status]", { hasText: "已停用" }).waitFor();
  assert.equal((await material()).active, false);
  await editor.locator("[data-action=reinstate]").waitFor();
});

test("a new score-rule version is published from the edited table; a bad number is caught first", async (t) => {
  const leader = (await h.login("leader")).token;
  const current = (await h.api("GET", "/api/v1/score-rules", leader)).body;
  const code = current.items[0].item_code;
  const page = await h.openConsole(t, "leader");
  await openAdmin(page, "rules");
  await page.locator("[data-testid=rules-version]", { hasText: `v${current.version}` }).waitFor();
  const row = page.locator(`[data-testid=rule-row][data-code="${code}"]`);
  await row.locator(".rule-points").fill("三点五");
  await page.click("#rules-publish");
  const note = refusal(page.locator("#rules-form"));
  await note.waitFor();
  assert.match(await note.innerText(), /items\[0\]\.points/);
  assert.equal((await h.api("GET", "/api/v1/score-rules", leader)).body.version, current.version);
  await row.locator(".rule-points").fill("3.5");
  await row.locator(".rule-fee").fill("25");
  await page.click("#rules-publish");
  await page.locator("[data-testid=rules-published]", { hasText: `v${current.version + 1}` }).waitFor();
  await page.locator("[data-testid=rules-version]", { hasText: `v${current.version + 1}` }).waitFor();
  await screenshot(page, "admin-score-rules");
  const published = (await h.api("GET", "/api/v1/score-rules", leader)).body;
  assert.equal(published.version, current.version + 1);
  const rule = published.items.find((i) => i.item_code === code);
  assert.deepEqual([rule.points, rule.onsite_fee_fen], [3.5, 2500]);
  assert.equal(published.items.length, current.items.length, "the other rows went along unchanged");
  // The old version is still there to look at.
  await page.selectOption("#rules-version-pick", String(current.version));
  await page.locator("[data-testid=rules-older]").waitFor();
  assert.equal(await row.locator(".rule-points").inputValue(), String(current.items[0].points));
});

test("a duty shift is added, listed and deleted after a confirmation", async (t) => {
  const leader = (await h.login("leader")).token;
  const patroller = (await h.login("patroller")).user;
  const page = await h.openConsole(t, "leader");
  await openAdmin(page, "rosters");
  await page.selectOption("#shift-team", { label: "姑苏区巡线班" });
  await page.selectOption("#shift-user", patroller.id);
  await page.click("#shift-add");
  await refusal(page.locator("#new-shift")).waitFor();
  const start = Date.now() + 24 * 3600_000;
  await page.fill("#shift-from", chinaInput(start));
  await page.fill("#shift-to", chinaInput(start - 3600_000));
  await page.click("#shift-add");
  // Ends before it starts: the server's reason.
  await refusal(page.locator("#new-shift")).filter({ hasText: "ends_at" }).waitFor();
  await page.fill("#shift-to", chinaInput(start + 8 * 3600_000));
  await page.click("#shift-add");
  const row = page.locator("[data-testid=shift-row]", { hasText: patroller.display_name });
  await row.waitFor();
  assert.ok((await row.innerText()).includes(chinaInput(start).replace("T", " ")), await row.innerText());
  const shifts = (await h.api("GET", "/api/v1/rosters", leader)).body;
  const shift = shifts.find((s) => s.user_id === patroller.id);
  assert.ok(shift, JSON.stringify(shifts));
  await screenshot(page, "admin-rosters");
  await row.locator("[data-action=delete-shift]").click();
  await row.locator("[data-action=confirm]").click();
  await row.waitFor({ state: "detached" });
  assert.ok(!(await h.api("GET", "/api/v1/rosters", leader)).body.some((s) => s.id === shift.id));
});

test("a knowledge entry is added, edited, found from intake's side panel, then deleted", async (t) => {
  const leader = (await h.login("leader")).token;
  const page = await h.openConsole(t, "leader");
  await openAdmin(page, "knowledge");
  await page.click("#kb-save");
  await refusal(page.locator("#kb-form")).waitFor();
  await page.fill("#kb-title", "壁挂炉点不着");
  await page.fill("#kb-keywords", "壁挂炉，点火针");
  await page.fill("#kb-content", "请客户检查燃气阀是否打开");
  await page.click("#kb-save");
  const row = page.locator("[data-testid=kb-row]", { hasText: "点火针" });
  await row.waitFor();
  await row.locator("[data-action=edit-entry]").click();
  await page.locator('#kb-form[data-editing="true"]').waitFor();
  assert.equal(await page.inputValue("#kb-content"), "请客户检查燃气阀是否打开");
  await page.fill("#kb-title", "壁挂炉点火失败");
  await page.fill("#kb-content", "先检查燃气阀和点火针，再检查电源");
  await page.click("#kb-save");
  await page.locator('#kb-form[data-editing="false"]').waitFor();
  await page.locator('[data-testid=kb-row][data-title="壁挂炉点火失败"]').waitFor();
  const entries = (await h.api("GET", "/api/v1/knowledge?q=点火针", leader)).body.items;
  assert.equal(entries.length, 1, JSON.stringify(entries));
  assert.equal(entries[0].title, "壁挂炉点火失败");

  const agent = await h.openConsole(t, "dispatcher");
  await agent.locator("#kb-search").pressSequentially("点火针", { delay: 40 });
  const hit = agent.locator("[data-testid=kb-hit]", { hasText: "壁挂炉点火失败" });
  await hit.waitFor();
  assert.match(await hit.innerText(), /电源/);
  await screenshot(agent, "intake-knowledge");

  const edited = page.locator('[data-testid=kb-row][data-title="壁挂炉点火失败"]');
  await edited.locator("[data-action=delete-entry]").click();
  await edited.locator("[data-action=confirm]").click();
  await edited.waitFor({ state: "detached" });
  assert.equal((await h.api("GET", `/api/v1/knowledge/${entries[0].id}`, leader)).status, 404);
});

test("an outage notice for a street warns the agent taking a call from that street", async (t) => {
  const dispatcher = (await h.login("dispatcher")).token;
  const found = await h.api("GET", `/api/v1/customers?q=${encodeURIComponent("苏州市姑苏区")}&limit=50`, dispatcher);
  const customer = found.body.items.find((c) => /区(.+?[路街巷])/.test(c.address));
  assert.ok(customer, "a 姑苏区 customer on a named road");
  const road = customer.address.match(/区(.+?[路街巷])/)[1];
  const page = await h.openConsole(t, "leader");
  await openAdmin(page, "outages");
  await page.fill("#outage-reason", `${road}中压管道碰口施工`);
  await page.fill("#outage-streets", road);
  await page.click("#outage-add");
  await refusal(page.locator("#new-outage")).waitFor();
  const now = Date.now();
  await page.fill("#outage-from", chinaInput(now - 3600_000));
  await page.fill("#outage-to", chinaInput(now + 6 * 3600_000));
  await page.click("#outage-add");
  await page.locator("[data-testid=outage-row]", { hasText: `${road}中压管道碰口施工` }).waitFor();
  assert.equal(await page.inputValue("#outage-reason"), "");

  const agent = await h.openConsole(t, "dispatcher");
  await agent.fill("#intake-search", customer.card_no);
  await agent.locator("[data-testid=customer-hit]", { hasText: customer.card_no }).first().waitFor();
  await agent.locator("#intake-search").press("Enter");
  const warning = agent.locator("[data-testid=outage-notice]", { hasText: `${road}中压管道碰口施工` });
  await warning.waitFor({ state: "visible" });
  await screenshot(agent, "intake-outage");
});

test("a completion refused by the server (the job was reassigned) waits in the conflicts workbench until resolved", async (t) => {
  const dispatcher = (await h.login("dispatcher")).token;
  const teams = (await h.api("GET", "/api/v1/teams", dispatcher)).body;
  const team = (name) => teams.find((x) => x.name === name).id;
  const created = await h.api("POST", "/api/v1/tickets", dispatcher, {
    reporter: "冲突客户",
    phone: "13900004444",
    address: "苏州市姑苏区冲突测试路1号",
    category: "stove",
    content: "灶具漏气",
    team_id: team("姑苏区维修班"),
    reason: "测试：指定姑苏区维修班",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const ticketId = created.body.id;
  const phone = await FieldPhone.register(h, "repairer");
  assert.equal((await phone.push({ type: "ticket_step", ticket_id: ticketId, action: "accept" })).status, "applied");
  const moved = await h.api("POST", `/api/v1/tickets/${ticketId}/transitions`, dispatcher, {
    action: "reassign",
    team_id: team("吴中区维修班"),
    reason: "辖区调整",
  });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  const code = (await h.api("GET", "/api/v1/catalog/repair-items", dispatcher)).body.find((i) => i.active).code;
  const outcome = await phone.push({
    type: "complete",
    ticket_id: ticketId,
    record: { items: [{ code, quantity: 1 }], remarks: "离线完工，已更换胶管" },
    attachments: [],
  });
  assert.equal(outcome.status, "flagged", JSON.stringify(outcome));

  const page = await h.openConsole(t, "dispatcher");
  await page.click("#nav-work");
  await page.click("#bench-conflicts");
  const row = page.locator("[data-testid=conflict-item]", { hasText: "reassigned" });
  await row.waitFor();
  await screenshot(page, "work-conflicts");
  await row.locator("input").fill("已电话核实：吴中区班组重新上门，原记录作废");
  await row.locator("button").click();
  await row.waitFor({ state: "detached" });
  const open = (await h.api("GET", "/api/v1/sync/flagged", dispatcher)).body;
  assert.ok(!open.some((f) => f.mutation?.change?.ticket_id === ticketId), JSON.stringify(open));
});

test("after a GeoJSON import the admin screen previews what the map now holds", async (t) => {
  const leader = (await h.login("leader")).token;
  // The areas as exported (RFC 7946 rings, importable as they are), one exterior ring turned
  // clockwise as some GIS tools write it: imported with repair, which re-orients it.
  const areas = (await h.api("GET", "/api/v1/areas", leader)).body;
  const file = structuredClone(areas);
  const first = file.features[0].geometry;
  (first.type === "Polygon" ? first.coordinates : first.coordinates[0])[0].reverse();
  const page = await h.openConsole(t, "leader");
  await openAdmin(page, "geo");
  await page.setInputFiles("#geojson-file", {
    name: "areas.geojson",
    mimeType: "application/geo+json",
    buffer: Buffer.from(JSON.stringify(file)),
  });
  await page.check("#geo-repair");
  await page.locator("#geo-import:not([disabled])").click();
  await page.locator("[data-testid=import-done]").waitFor();
  const repairs = page.locator("[data-testid=import-repair]");
  assert.equal(await repairs.count(), 1, "the one repair is listed");
  assert.match(await repairs.innerText(), /re-oriented/);
  const preview = page.locator("[data-testid=import-preview]");
  await preview.waitFor({ state: "visible" });
  assert.equal(Number(await preview.getAttribute("data-areas")), areas.features.length);
  assert.equal(await preview.locator(".areas path").count(), areas.features.length);
  assert.ok((await preview.locator(".pipes path").count()) > 0, "pipelines drawn too");
  await preview.scrollIntoViewIfNeeded();
  await screenshot(page, "admin-geojson-preview");
});

test("the console switches to English and back, labels and all", async (t) => {
  const page = await h.openConsole(t, "leader");
  await page.locator("#nav-admin", { hasText: "管理" }).waitFor();
  await page.click("#lang-toggle");
  await page.locator("#nav-admin", { hasText: "Administration" }).waitFor();
  assert.equal((await page.locator("#nav-board").innerText()).trim(), "Live board");
  await openAdmin(page, "users");
  assert.equal((await page.locator("#admin-users").innerText()).trim(), "Users and roles");
  assert.equal((await page.locator("#admin-rules").innerText()).trim(), "Score rules");
  await page.locator("[data-testid=admin-users] th", { hasText: "Username" }).waitFor();
  assert.equal(await page.locator("text=用户与角色").count(), 0, "no Chinese tab label left");
  await screenshot(page, "admin-english");
  await page.click("#lang-toggle");
  await page.locator("#nav-admin", { hasText: "管理" }).waitFor();
  assert.equal((await page.locator("#admin-users").innerText()).trim(), "用户与角色");
});
