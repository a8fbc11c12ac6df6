// Shared by the end-to-end tests: the real server (GASDESK_BIN) with its demo data, headless
// Chromium at a phone's size, the API as a dispatcher uses it, and screenshots.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "../..");
export const ARTIFACTS = path.join(HERE, "artifacts");
export const CHROMIUM = process.env.GASDESK_CHROMIUM || "/usr/bin/chromium";
export const PASSWORD = "gasdesk2026";
const STARTUP_TIMEOUT_MS = 60_000;

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A phone: 390×844 (a mid-size Android/iPhone), touch, Chinese. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  locale: "zh-CN",
};

/**
 * The demo server on a free port with a fresh SQLite database; `stop()` ends it. `env` adds
 * settings (`GASDESK_*` variables) for this server.
 */
export async function startServer({ env = {} } = {}) {
  const bin = process.env.GASDESK_BIN;
  assert.ok(bin, "set GASDESK_BIN to the gasdesk server binary (e.g. target/debug/gasdesk)");
  await mkdir(ARTIFACTS, { recursive: true });
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), "gasdesk-e2e-"));
  const db = `sqlite://${tmpDir}/e2e.db?mode=rwc`;
  const child = spawn(path.resolve(bin), ["serve", "--demo", "--addr", "127.0.0.1:0", "--database-url", db], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let log = "";
  // Keep draining both pipes for the whole run: a full pipe would block the server.
  const keep = (chunk) => {
    log = (log + chunk).slice(-20_000);
  };
  child.stderr.on("data", keep);
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  // Last resort if the runner dies before the test's `after` runs.
  process.on("exit", killOnExit);
  const baseUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server printed no address within ${STARTUP_TIMEOUT_MS} ms:\n${log}`)),
      STARTUP_TIMEOUT_MS,
    );
    createInterface({ input: child.stdout }).on("line", (line) => {
      keep(line + "\n");
      const m = /^gasdesk listening on (http:\/\/\S+)$/.exec(line.trim());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${log}`));
    });
  });
  // Fail at once, and clearly, when the server has no app to serve.
  const shell = await fetch(`${baseUrl}/`);
  const html = await shell.text();
  assert.ok(
    shell.ok && html.includes('id="main"'),
    `GET / gave ${shell.status}, not the app shell; run scripts/build-app (and rebuild a release server). Body: ${html.slice(0, 200)}`,
  );
  return {
    baseUrl,
    tmpDir,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.off("exit", killOnExit);
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A phone-sized browser with a profile on disk (`dir`), so IndexedDB, localStorage and the
 * service worker survive the browser being killed and started again.
 */
export async function launchPhone(dir, options = {}) {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    ...PHONE,
    ...options,
  });
  context.setDefaultTimeout(20_000);
  return context;
}

/**
 * Kills the browser of a persistent profile at once (SIGKILL, no clean shutdown), found by its
 * exact profile folder: the main browser process is the one without `--type=`.
 */
export async function killBrowser(context, dir) {
  const pids = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline;
    try {
      cmdline = (await readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0");
    } catch {
      continue;
    }
    if (cmdline.includes(`--user-data-dir=${dir}`) && !cmdline.some((a) => a.startsWith("--type="))) {
      pids.push(Number(entry));
    }
  }
  assert.equal(pids.length, 1, `expected one browser process for ${dir}, found ${pids}`);
  process.kill(pids[0], "SIGKILL");
  await context.close().catch(() => undefined);
}

/** Page errors (a wasm panic, say) are collected; the test asserts there were none. */
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  return errors;
}

/** No push service is reachable here: the browser's subscribe() is replaced by a fake one. */
export const STUB_PUSH = () => {
  if (typeof PushManager === "undefined") return;
  PushManager.prototype.getSubscription = async function () {
    return null;
  };
  PushManager.prototype.subscribe = async function () {
    window.__gasdeskPushSubscribed = (window.__gasdeskPushSubscribed || 0) + 1;
    return {
      endpoint: "https://push.invalid/e2e-" + Math.random().toString(36).slice(2),
      expirationTime: null,
      toJSON() {
        return {
          endpoint: this.endpoint,
          expirationTime: null,
          keys: {
            p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
            auth: "tBHItJI5svbpez7KI4CCXg",
          },
        };
      },
    };
  };
};

export async function signIn(page, username, password = PASSWORD) {
  await page.fill("input#username", username);
  await page.fill("input#password", password);
  await page.click("button#sign-in");
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** The API as a dispatcher (or anyone) uses it from outside the browser. */
export class Api {
  constructor(baseUrl, token = null) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  static async login(baseUrl, username, password = PASSWORD) {
    const api = new Api(baseUrl);
    const body = await api.call("POST", "/api/v1/auth/login", { username, password });
    api.token = body.token;
    api.user = body.user;
    return api;
  }

  async raw(method, route, body) {
    const headers = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(this.baseUrl + route, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async call(method, route, body, expect = [200, 201]) {
    const res = await this.raw(method, route, body);
    const text = await res.text();
    assert.ok(
      (Array.isArray(expect) ? expect : [expect]).includes(res.status),
      `${method} ${route} gave ${res.status}: ${text}`,
    );
    return text ? JSON.parse(text) : null;
  }

  get(route) {
    return this.call("GET", route);
  }

  post(route, body) {
    return this.call("POST", route, body);
  }
}

/** Polls `check` (an async function returning a truthy value when done) every 200 ms. */
export async function eventually(what, check, timeoutMs = 30_000) {
  const started = Date.now();
  let last;
  while (Date.now() - started < timeoutMs) {
    last = await check();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}
