// End-to-end: the real server (GASDESK_BIN) with its demo data, the real app in headless
// Chromium at a phone's size. Run: GASDESK_BIN=target/debug/gasdesk node --test (in tests/e2e).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import path from "node:path";
import zlib from "node:zlib";
import { ARTIFACTS, PASSWORD, PHONE, eventually, launchBrowser, signIn, startServer } from "./harness.mjs";

/** Demo logins and the Chinese label the home page must show for each. */
const DEMO_USERS = [
  ["admin", "系统管理员"],
  ["leader", "班长"],
  ["dispatcher", "话务员"],
  ["repairer", "维修工"],
  ["patroller", "巡线工"],
  ["manager", "经理"],
];

let server;
let baseUrl;
let browser;

before(async () => {
  server = await startServer();
  baseUrl = server.baseUrl;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A fresh phone-sized browser profile; page errors (a wasm panic, say) fail the test. */
async function openApp(t) {
  const context = await browser.newContext(PHONE);
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  t.after(async () => {
    await context.close();
    assert.deepEqual(errors, [], "the page threw");
  });
  await page.goto(`${baseUrl}/`);
  return page;
}

test("a wrong password shows the error banner and stays on sign-in", async (t) => {
  const page = await openApp(t);
  await signIn(page, "dispatcher", "not-the-password");
  const banner = page.locator("[data-testid=error-banner]");
  await banner.waitFor({ state: "visible" });
  const text = await banner.innerText();
  assert.ok(text.includes("用户名或密码错误"), `banner says: ${text}`);
  assert.equal(await page.locator("[data-testid=user-name]").count(), 0);
  assert.equal(await page.locator("button#sign-in").isEnabled(), true);
  await page.screenshot({ path: path.join(ARTIFACTS, "sign-in-error.png"), fullPage: true });
});

test("each demo role signs in, sees its name and role, and signs out", { timeout: 180_000 }, async (t) => {
  const page = await openApp(t);
  for (const [username, roleLabel] of DEMO_USERS) {
    await t.test(username, async () => {
      await signIn(page, username, PASSWORD);
      const name = page.locator("[data-testid=user-name]");
      await name.waitFor({ state: "visible" });
      assert.ok((await name.innerText()).trim().length > 0, "display name is empty");
      assert.equal((await page.locator("[data-testid=user-role]").innerText()).trim(), roleLabel);
      const stored = await page.evaluate(() => localStorage.getItem("gasdesk.session"));
      assert.ok(stored && JSON.parse(stored).token, "session not kept in localStorage");
      await page.screenshot({ path: path.join(ARTIFACTS, `home-${username}.png`), fullPage: true });

      await page.click("button#sign-out");
      await page.locator("input#username").waitFor({ state: "visible" });
      assert.equal(await page.evaluate(() => localStorage.getItem("gasdesk.session")), null);
      // The server forgot the token too. The app leaves the session at once and tells the
      // server in the background (so signing out works offline): allow that request to land.
      await eventually("the server forgot the token", async () => {
        const me = await page.request.get(`${baseUrl}/api/v1/auth/me`, {
          headers: { Authorization: `Bearer ${JSON.parse(stored).token}` },
        });
        return me.status() === 401;
      });
    });
  }
});

test("a stored session survives a reload, and a revoked one goes back to sign-in", async (t) => {
  const page = await openApp(t);
  await signIn(page, "repairer", PASSWORD);
  await page.locator("[data-testid=user-name]").waitFor({ state: "visible" });
  await page.reload();
  await page.locator("[data-testid=user-role]").waitFor({ state: "visible" });
  assert.equal((await page.locator("[data-testid=user-role]").innerText()).trim(), "维修工");

  // Revoke the token while the app is closed (a running app's sync loop could notice first
  // and end the session before the next start); on the next start /auth/me refuses it.
  const { token } = JSON.parse(await page.evaluate(() => localStorage.getItem("gasdesk.session")));
  const context = page.context();
  await page.close();
  const out = await context.request.post(`${baseUrl}/api/v1/auth/logout`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(out.status(), 204);
  const again = await context.newPage();
  const errors = [];
  again.on("pageerror", (err) => errors.push(String(err)));
  await again.goto(`${baseUrl}/`);
  await again.locator("input#username").waitFor({ state: "visible" });
  await again.locator("[data-testid=error-banner]").waitFor({ state: "visible" });
  assert.deepEqual(errors, [], "the page threw");
});

test("the language toggle switches to English and back", async (t) => {
  const page = await openApp(t);
  const button = page.locator("button#sign-in");
  await button.waitFor({ state: "visible" });
  assert.equal((await button.innerText()).trim(), "登录");
  await page.click("button#lang-toggle");
  assert.equal((await button.innerText()).trim(), "Sign in");
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
  await page.click("button#lang-toggle");
  assert.equal((await button.innerText()).trim(), "登录");
});

test("the app is installable: manifest served, service worker active", async (t) => {
  const page = await openApp(t);
  const manifest = await page.request.get(`${baseUrl}/manifest.webmanifest`);
  assert.equal(manifest.status(), 200);
  const body = JSON.parse(await manifest.text());
  assert.equal(body.name, "燃气报修");
  assert.equal(body.start_url, "/");
  assert.equal(body.display, "standalone");
  for (const size of ["192x192", "512x512"]) {
    const icon = body.icons.find((i) => i.sizes === size);
    assert.ok(icon, `no ${size} icon`);
    const res = await page.request.get(new URL(icon.src, baseUrl).href);
    assert.equal(res.status(), 200, `${icon.src}`);
  }

  // The page links the manifest once the app runs (not before: see boot.js), and Chromium
  // reads it as the page's app manifest without errors.
  const cdp = await page.context().newCDPSession(page);
  const linked = await eventually("the manifest is linked", async () => {
    const found = await cdp.send("Page.getAppManifest");
    return found.url ? found : null;
  });
  assert.equal(linked.url, `${baseUrl}/manifest.webmanifest`);
  assert.deepEqual(linked.errors, []);
  await cdp.detach();

  const sw = await page.request.get(`${baseUrl}/sw.js`);
  assert.equal(sw.status(), 200);
  assert.match(sw.headers()["cache-control"] ?? "", /no-cache/);
  assert.doesNotMatch(await sw.text(), /__GASDESK_/, "sw.js placeholders were not filled");

  const scriptURL = await page.evaluate(() =>
    Promise.race([
      navigator.serviceWorker.ready.then((reg) => reg.active?.scriptURL),
      new Promise((_, reject) => setTimeout(() => reject(new Error("no active worker")), 15_000)),
    ]),
  );
  assert.equal(scriptURL, `${baseUrl}/sw.js`);
  const cached = await page.evaluate(async () => {
    const keys = await caches.keys();
    const shell = keys.find((k) => k.startsWith("gasdesk-shell-"));
    return shell ? (await (await caches.open(shell)).keys()).map((r) => new URL(r.url).pathname) : [];
  });
  for (const file of ["/", "/index.html", "/app.js", "/app_bg.wasm", "/app.css", "/manifest.webmanifest"]) {
    assert.ok(cached.includes(file), `${file} not precached: ${cached.join(" ")}`);
  }
  // Phones do not download the office console's build.
  for (const file of ["/console.js", "/console_bg.wasm", "/console.css"]) {
    assert.ok(!cached.includes(file), `${file} precached: ${cached.join(" ")}`);
  }
});

/** GET without any decoding: status, headers and the bytes as sent. */
function rawGet(url, headers) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

test("the app is sent precompressed: brotli, else gzip, the same bytes either way", async () => {
  const sha = (bytes) => crypto.createHash("sha256").update(bytes).digest("hex");
  for (const file of ["/app_bg.wasm", "/console_bg.wasm", "/app.js", "/app.css"]) {
    const plain = await rawGet(baseUrl + file, { "Accept-Encoding": "identity" });
    assert.equal(plain.status, 200, file);
    assert.equal(plain.headers["content-encoding"], undefined, file);
    const br = await rawGet(baseUrl + file, { "Accept-Encoding": "gzip, deflate, br" });
    assert.equal(br.headers["content-encoding"], "br", file);
    assert.equal(br.headers["content-type"], plain.headers["content-type"], file);
    assert.match(br.headers.vary ?? "", /accept-encoding/i, file);
    assert.equal(sha(zlib.brotliDecompressSync(br.body)), sha(plain.body), `${file}: brotli copy differs`);
    assert.ok(br.body.length < plain.body.length * 0.6, `${file}: ${br.body.length} of ${plain.body.length} bytes`);
    const gz = await rawGet(baseUrl + file, { "Accept-Encoding": "gzip" });
    assert.equal(gz.headers["content-encoding"], "gzip", file);
    assert.equal(sha(zlib.gunzipSync(gz.body)), sha(plain.body), `${file}: gzip copy differs`);
    // Each encoding has its own tag, and revalidation answers 304 for it.
    assert.notEqual(br.headers.etag, plain.headers.etag, file);
    const again = await rawGet(baseUrl + file, { "Accept-Encoding": "br", "If-None-Match": br.headers.etag });
    assert.equal(again.status, 304, file);
  }
  assert.equal((await rawGet(baseUrl + "/app_bg.wasm", {})).headers["content-type"], "application/wasm");
});

test("office staff move to the console build, field workers to the phones' build", async (t) => {
  const page = await openApp(t);
  const loaded = () =>
    page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
  await signIn(page, "dispatcher", PASSWORD);
  await page.waitForURL(`${baseUrl}/console`);
  await page.locator(".console [data-testid=user-name]").waitFor({ state: "visible" });
  assert.ok((await loaded()).includes("/console_bg.wasm"), "the console build was loaded");
  // A reload (or a bookmark) of /console starts there at once.
  await page.reload();
  await page.locator(".console [data-testid=user-name]").waitFor({ state: "visible" });
  assert.equal(new URL(page.url()).pathname, "/console");
  // The page's Link header preloaded the console build, not the phones' one.
  const consoleFiles = await loaded();
  assert.ok(
    consoleFiles.includes("/console_bg.wasm") && !consoleFiles.includes("/app_bg.wasm"),
    consoleFiles.join(" "),
  );

  await page.click("button#sign-out");
  await signIn(page, "repairer", PASSWORD);
  await page.waitForURL(`${baseUrl}/`);
  await page.locator("[data-testid=sync-bar]").waitFor({ state: "visible" });
  const files = await loaded();
  assert.ok(files.includes("/app_bg.wasm") && !files.includes("/console_bg.wasm"), files.join(" "));
});
