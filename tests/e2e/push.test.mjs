// End-to-end: Web Push on a repairer's phone. No real push service is reachable here, so the
// browser's PushManager.subscribe() is replaced by one that returns a subscription whose
// endpoint is a push service in this test, with keys only the test holds. The server's push
// really goes there (VAPID-signed, aes128gcm-encrypted), is checked and decrypted, and is then
// handed to the app's service worker through DevTools (ServiceWorker.deliverPushMessage), as the
// browser's push service would. The worker shows the notification, reports the receipt, asks
// the app to sync, and a tap opens the job.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Api, eventually, launchPhone, screenshot, signIn, startServer, watchErrors } from "./harness.mjs";

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

/** A push service on a local port: it keeps every request and answers 201 Created. */
async function startPushService() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(201, { Location: `/messages/${received.length}` });
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    received,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The browser's side of RFC 8291: decrypts an aes128gcm body with the subscription's keys. */
function decrypt(body, ecdh, authSecret) {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20];
  const senderKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  assert.equal(idLength, 65, "the key id is the server's ephemeral public key");
  assert.ok(ciphertext.length <= recordSize, "one record");
  const shared = ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), ecdh.getPublicKey(), senderKey]);
  const ikm = Buffer.from(crypto.hkdfSync("sha256", shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(crypto.hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(crypto.hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = crypto.createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then any padding zeros.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  assert.equal(padded[end], 2, "last-record delimiter");
  return padded.subarray(0, end).toString("utf8");
}

/** Replaces subscribe() with one that returns this test's subscription, noting the key asked for. */
const FAKE_SUBSCRIPTION = ({ endpoint, p256dh, auth }) => {
  if (typeof PushManager === "undefined") return;
  let current = null;
  PushManager.prototype.getSubscription = async function () {
    return current;
  };
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.__gasdeskPushKey = btoa(String.fromCharCode(...key)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    current = {
      endpoint,
      expirationTime: null,
      toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    };
    return current;
  };
};

let server;
let pushService;
let dispatcher;
let dir;

before(async () => {
  pushService = await startPushService();
  // The local push service speaks plain http: allowed here only.
  server = await startServer({ env: { GASDESK_PUSH_ALLOW_HTTP: "true" } });
  dispatcher = await Api.login(server.baseUrl, "dispatcher");
  dir = await mkdtemp(path.join(os.tmpdir(), "gasdesk-push-"));
});

after(async () => {
  await server?.stop();
  await pushService?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("a job pushed to the repairer's phone is shown, acknowledged and opened with a tap", async () => {
  const ecdh = crypto.createECDH("prime256v1");
  ecdh.generateKeys();
  const authSecret = crypto.randomBytes(16);
  const endpoint = `${pushService.origin}/push/${crypto.randomUUID()}`;

  const context = await launchPhone(dir, { permissions: ["notifications"] });
  await context.addInitScript(FAKE_SUBSCRIPTION, {
    endpoint,
    p256dh: b64url(ecdh.getPublicKey()),
    auth: b64url(authSecret),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = watchErrors(page);
  await page.goto(server.baseUrl + "/");
  await signIn(page, "repairer");
  await page.locator("[data-testid=sync-bar]").waitFor();

  // The phone subscribed with the server's key, and the server keeps the subscription.
  const repairer = await Api.login(server.baseUrl, "repairer");
  const { public_key: vapidKey } = await dispatcher.get("/api/v1/push/vapid-public-key");
  await eventually("the subscription reaches the server", async () => {
    const subs = await repairer.get("/api/v1/push/subscriptions");
    return subs.some((s) => s.endpoint === endpoint);
  });
  assert.equal(await page.evaluate(() => window.__gasdeskPushKey), vapidKey);

  // A new job for the repairer's team is pushed to the phone's push service.
  const teams = await dispatcher.get("/api/v1/teams");
  const team = teams.find((t) => t.name === "姑苏区维修班").id;
  const { items } = await dispatcher.get("/api/v1/customers?q=" + encodeURIComponent("姑苏区") + "&limit=1");
  const ticket = await dispatcher.post("/api/v1/tickets", {
    customer_id: items[0].id,
    reporter: items[0].name,
    phone: items[0].phones[0],
    category: "stove",
    content: "推送测试：灶具打不着火",
    team_id: team,
    reason: "推送测试",
  });
  const request = await eventually("the push request arrives", async () =>
    pushService.received.find((r) => r.url === new URL(endpoint).pathname),
  );
  assert.equal(request.method, "POST");
  assert.equal(request.headers["content-encoding"], "aes128gcm");
  assert.ok(Number(request.headers.ttl) > 0, `TTL ${request.headers.ttl}`);
  assert.match(request.headers.authorization, /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
  assert.equal(/k=([\w-]+)/.exec(request.headers.authorization)[1], vapidKey);
  const plaintext = decrypt(request.body, ecdh, authSecret);
  const payload = JSON.parse(plaintext);
  assert.equal(payload.ticket_id, ticket.id);
  assert.equal(payload.url, `/jobs/${ticket.id}`);
  assert.ok(payload.title && payload.receipt && payload.message_id, plaintext);

  const delivery = async () => {
    const list = await dispatcher.get(`/api/v1/tickets/${ticket.id}/deliveries`);
    return list.find((d) => d.message_id === payload.message_id);
  };
  // The service's answer is recorded by the server's sender task after the request arrived.
  await eventually("recorded as sent", async () => (await delivery())?.state === "sent");

  // The browser's push service hands it to the service worker.
  const cdp = await context.newCDPSession(page);
  const registrations = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", (e) => registrations.push(...e.registrations));
  await cdp.send("ServiceWorker.enable");
  const registration = await eventually("the service worker registration", async () =>
    registrations.find((r) => r.scopeURL === `${server.baseUrl}/` && !r.isDeleted),
  );
  await cdp.send("ServiceWorker.deliverPushMessage", {
    origin: server.baseUrl,
    registrationId: registration.registrationId,
    data: plaintext,
  });

  // It reported the receipt (no session: the code in the message authorises it) ...
  const received = await eventually("the receipt reaches the server", async () => {
    const d = await delivery();
    return d.state === "received" && d;
  });
  assert.ok(received.received_at);
  // ... showed the notification ...
  const worker = context.serviceWorkers().find((w) => w.url().startsWith(server.baseUrl));
  assert.ok(worker, "the app's service worker runs");
  const shown = await eventually("the notification is shown", () =>
    worker.evaluate(async () =>
      (await self.registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, url: n.data.url })),
    ).then((list) => list.length > 0 && list),
  );
  assert.deepEqual(shown, [{ title: payload.title, body: payload.body, url: payload.url }]);
  // ... and the app synced: the new job is in the list.
  await page.locator(`[data-testid=job][data-ticket="${ticket.id}"]`).waitFor();
  await screenshot(page, "push-job-arrived");

  // A tap opens the job in the app's window.
  await worker.evaluate((url) => openFromNotification(url), payload.url);
  await page.waitForURL(`${server.baseUrl}/jobs/${ticket.id}`);
  await page.locator("[data-testid=job-detail]").waitFor();
  await page.click("button[data-action=accept]");
  await page.locator("[data-testid=job-detail][data-status=accepted]").waitFor();
  await screenshot(page, "push-job-opened");
  const accepted = await eventually("the acceptance reaches the delivery record", async () => {
    const d = await delivery();
    return d.state === "accepted" && d;
  });
  assert.ok(accepted.accepted_at);
  assert.deepEqual(errors, []);
  await context.close();
});
