// Shared by the console's end-to-end tests: the real server (GASDESK_BIN) with its demo city,
// headless Chromium at a desktop size, sign-in, and direct API calls for what other people
// (a repairer's phone, a second agent) do meanwhile. Copied in part from signin.test.mjs.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "../..");
export const ARTIFACTS = path.join(HERE, "artifacts");
const CHROMIUM = process.env.GASDESK_CHROMIUM || "/usr/bin/chromium";
const STARTUP_TIMEOUT_MS = Number(process.env.GASDESK_STARTUP_MS ?? 60_000);
export const PASSWORD = "gasdesk2026";
export const DESKTOP = { width: 1440, height: 900 };

/** One server and one browser for a test file. */
export class Harness {
  server = null;
  serverLog = "";
  baseUrl = "";
  browser = null;
  tmpDir = "";
  /** Extra `gasdesk serve` arguments (e.g. `--demo-customers`). */
  serveArgs = [];

  async start() {
    const bin = process.env.GASDESK_BIN;
    assert.ok(bin, "set GASDESK_BIN to the gasdesk server binary (e.g. target/debug/gasdesk)");
    await mkdir(ARTIFACTS, { recursive: true });
    this.tmpDir = await mkdtemp(path.join(os.tmpdir(), "gasdesk-console-e2e-"));
    this.baseUrl = await this.#startServer(path.resolve(bin));
    const shell = await fetch(`${this.baseUrl}/`);
    const html = await shell.text();
    assert.ok(
      shell.ok && html.includes('id="main"') && (await fetch(`${this.baseUrl}/console.js`)).ok,
      `GET / gave ${shell.status}, not the app shell with the console build; run scripts/build-app. Body: ${html.slice(0, 200)}`,
    );
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    process.on("exit", () => {
      if (this.server && this.server.exitCode === null && this.server.signalCode === null) {
        this.server.kill("SIGKILL");
      }
    });
  }

  async stop() {
    await this.browser?.close();
    const server = this.server;
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.tmpDir) await rm(this.tmpDir, { recursive: true, force: true });
  }

  #startServer(bin) {
    const db = `sqlite://${this.tmpDir}/e2e.db?mode=rwc`;
    this.server = spawn(bin, ["serve", "--demo", ...this.serveArgs, "--addr", "127.0.0.1:0", "--database-url", db], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk) => {
      this.serverLog = (this.serverLog + chunk).slice(-20_000);
    };
    this.server.stderr.on("data", keep);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server printed no address within ${STARTUP_TIMEOUT_MS} ms:\n${this.serverLog}`)),
        STARTUP_TIMEOUT_MS,
      );
      createInterface({ input: this.server.stdout }).on("line", (line) => {
        keep(line + "\n");
        const m = /^gasdesk listening on (http:\/\/\S+)$/.exec(line.trim());
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      this.server.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      this.server.on("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before listening:\n${this.serverLog}`));
      });
    });
  }

  /** A fresh desktop browser profile, signed in as `username`, on the console. */
  async openConsole(t, username) {
    const context = await this.browser.newContext({ viewport: DESKTOP, locale: "zh-CN" });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    t.after(async () => {
      await context.close();
      assert.deepEqual(errors, [], "the page threw");
    });
    await page.goto(`${this.baseUrl}/`);
    await page.fill("input#username", username);
    await page.fill("input#password", PASSWORD);
    await page.click("button#sign-in");
    await page.locator(".console-bar").waitFor({ state: "visible" });
    return page;
  }

  /** A JSON API call; returns `{status, body}`. */
  async api(method, apiPath, token, body) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${this.baseUrl}${apiPath}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  }

  async login(username) {
    const res = await this.api("POST", "/api/v1/auth/login", null, { username, password: PASSWORD });
    assert.equal(res.status, 200, `login ${username}: ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}.png`) });
}

/** A `datetime-local` value in China time (how the console's forms read it) for `ms`. */
export function chinaInput(ms) {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 16);
}

/** Opens one tab of the administration screen. */
export async function openAdmin(page, tab) {
  await page.click("#nav-admin");
  await page.click(`#admin-${tab}`);
}

/** A field worker's phone speaking the sync protocol, as the field app does. */
export class FieldPhone {
  constructor(h, token, deviceId) {
    this.h = h;
    this.token = token;
    this.deviceId = deviceId;
    this.seq = 0;
  }

  static async register(h, username) {
    const { token } = await h.login(username);
    const deviceId = randomUUID();
    const device = await h.api("POST", "/api/v1/sync/devices", token, {
      device_id: deviceId,
      name: `${username} 手机`,
      platform: "Android",
    });
    assert.equal(device.status, 200, JSON.stringify(device.body));
    return new FieldPhone(h, token, deviceId);
  }

  /** Pushes one change; returns the server's outcome for it. */
  async push(change) {
    this.seq += 1;
    const res = await this.h.api("POST", "/api/v1/sync/push", this.token, {
      device_id: this.deviceId,
      mutations: [
        { id: randomUUID(), device_id: this.deviceId, seq: this.seq, device_at: new Date().toISOString(), change },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results[0].outcome;
  }
}
