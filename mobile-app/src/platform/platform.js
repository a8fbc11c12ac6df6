// Browser facilities the wasm app calls through `platform/web.rs`: IndexedDB (the replica and
// the photos and signatures waiting for upload), photo compression, the signature pad, GPS,
// wake-ups for the sync loop, history and Web Push. Plain JS: these are thin wrappers over
// browser APIs that are awkward and large to reach through web-sys.

const DB_NAME = "gasdesk";
const DB_VERSION = 1;
let dbPromise;

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        // kv: the replica, the reference data and small settings, as JSON text.
        if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
        // blobs: photos and signatures by SHA-256, with their bytes, until the server has them.
        if (!db.objectStoreNames.contains("blobs")) db.createObjectStore("blobs", { keyPath: "sha256" });
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the schema: let it, this tab reloads on its next start.
        db.onversionchange = () => db.close();
        resolve(db);
      };
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error("IndexedDB is blocked by another tab"));
    });
    dbPromise.catch(() => {
      dbPromise = undefined;
    });
  }
  return dbPromise;
}

// Start-up's reads, begun when this module loads, which is while the wasm is still
// downloading: the kv store is read whole once (a few entries: the session, each worker's
// replica and reference data, drafts), so the app's first reads do not wait for the
// database. Until this page or another tab of the app writes, that copy is what the store
// holds; the first write ends it (reads go to the database from then on), as does a failure
// or half a minute.
const writes = "BroadcastChannel" in self ? new BroadcastChannel("gasdesk-kv-writes") : null;
if (writes) {
  writes.onmessage = () => {
    startup = null;
  };
}
let startup = openDb()
  .then((db) => {
    const store = db.transaction("kv").objectStore("kv");
    return Promise.all([request(store.getAllKeys()), request(store.getAll())]);
  })
  .then(([keys, values]) => new Map(keys.map((key, i) => [key, values[i]])))
  .catch(() => null);
setTimeout(() => {
  startup = null;
}, 30_000);

function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function kvGet(key) {
  if (startup) {
    const early = await startup;
    if (startup && early) {
      const value = early.get(key);
      return typeof value === "string" ? value : undefined;
    }
  }
  const db = await openDb();
  const value = await request(db.transaction("kv").objectStore("kv").get(key));
  return typeof value === "string" ? value : undefined;
}

/// Writes all `entries` ([key, text], text null deletes) and marks the blobs `readyShas` as
/// belonging to a queued change, in ONE transaction: either all of it is on disk or none.
/// Transactions start in call order, so the last call's state is the one that stays.
export async function kvSave(entries, readyShas) {
  startup = null;
  if (writes) writes.postMessage(null);
  const db = await openDb();
  const tx = db.transaction(["kv", "blobs"], "readwrite");
  const kv = tx.objectStore("kv");
  for (const [key, value] of entries) {
    if (value === null || value === undefined) kv.delete(key);
    else kv.put(value, key);
  }
  const blobs = tx.objectStore("blobs");
  for (const sha of readyShas) {
    const req = blobs.get(sha);
    req.onsuccess = () => {
      if (req.result && !req.result.ready) {
        req.result.ready = true;
        blobs.put(req.result);
      }
    };
  }
  await finished(tx);
}

function meta(record) {
  const { bytes, ...rest } = record;
  return rest;
}

export async function blobList() {
  const db = await openDb();
  const all = await request(db.transaction("blobs").objectStore("blobs").getAll());
  return JSON.stringify(all.map(meta));
}

export async function blobBytes(sha) {
  const db = await openDb();
  const record = await request(db.transaction("blobs").objectStore("blobs").get(sha));
  return record ? record.bytes : undefined;
}

export async function blobDelete(sha) {
  const db = await openDb();
  const tx = db.transaction("blobs", "readwrite");
  tx.objectStore("blobs").delete(sha);
  await finished(tx);
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function storeBlob(bytes, mime, kind, ticketId, checkId) {
  const sha256 = await sha256Hex(bytes);
  const record = {
    sha256,
    mime,
    kind,
    size: bytes.byteLength,
    ready: false,
    ticket_id: ticketId || null,
    check_id: checkId || null,
    bytes,
  };
  const db = await openDb();
  const tx = db.transaction("blobs", "readwrite");
  const store = tx.objectStore("blobs");
  // The same picture taken twice is one attachment; keep it ready if it already was.
  const existing = await request(store.get(sha256));
  if (existing) record.ready = existing.ready;
  store.put(record);
  await finished(tx);
  const preview = URL.createObjectURL(new Blob([bytes], { type: mime }));
  return JSON.stringify({ ...meta(record), preview });
}

function canvasBlob(canvas, mime, quality) {
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("canvas export failed"))), mime, quality),
  );
}

/// Compresses the photo chosen in the file input `inputId` (camera or gallery) to a JPEG of at
/// most `maxSide` pixels and stores it. Resolves to its metadata as JSON, or null if none.
export async function capturePhoto(inputId, maxSide, ticketId, checkId) {
  const input = document.getElementById(inputId);
  const file = input && input.files && input.files[0];
  if (!file) return null;
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  if (bitmap.close) bitmap.close();
  const blob = await canvasBlob(canvas, "image/jpeg", 0.72);
  input.value = "";
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return storeBlob(bytes, "image/jpeg", "photo", ticketId, checkId);
}

// --- signature pad: any <canvas class="signature-pad">, by event delegation so re-renders
// --- of the page never lose the handlers.
const drawing = new WeakMap();

function padPoint(canvas, event) {
  const rect = canvas.getBoundingClientRect();
  return {
    x: ((event.clientX - rect.left) * canvas.width) / rect.width,
    y: ((event.clientY - rect.top) * canvas.height) / rect.height,
  };
}

function isPad(target) {
  return target instanceof HTMLCanvasElement && target.classList.contains("signature-pad");
}

if (typeof document !== "undefined") {
  document.addEventListener("pointerdown", (event) => {
    const canvas = event.target;
    if (!isPad(canvas)) return;
    event.preventDefault();
    canvas.setPointerCapture?.(event.pointerId);
    const ctx = canvas.getContext("2d");
    if (canvas.dataset.signed !== "1") {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      canvas.dataset.signed = "1";
    }
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    const p = padPoint(canvas, event);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
    drawing.set(canvas, true);
  });
  document.addEventListener("pointermove", (event) => {
    const canvas = event.target;
    if (!isPad(canvas) || !drawing.get(canvas)) return;
    const ctx = canvas.getContext("2d");
    const p = padPoint(canvas, event);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
  });
  const stop = (event) => {
    if (isPad(event.target)) drawing.set(event.target, false);
  };
  document.addEventListener("pointerup", stop);
  document.addEventListener("pointercancel", stop);
}

export function clearSignature(canvasId) {
  const canvas = document.getElementById(canvasId);
  if (!canvas) return;
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  delete canvas.dataset.signed;
}

/// Stores what was drawn on the pad as a PNG; null when nothing was drawn.
export async function saveSignature(canvasId, ticketId, checkId) {
  const canvas = document.getElementById(canvasId);
  if (!canvas || canvas.dataset.signed !== "1") return null;
  const blob = await canvasBlob(canvas, "image/png");
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return storeBlob(bytes, "image/png", "signature", ticketId, checkId);
}

// --- GPS ---
export function currentPosition(timeoutMs) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve([p.coords.longitude, p.coords.latitude]),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30000 },
    );
  });
}

let track = [];
let trackWatch = null;
let lastKept = null;
// A phone reports its position about once a second while it moves: keep a point when the
// patroller has moved TRACK_MIN_METRES since the last kept one, or every TRACK_MAX_GAP_MS
// while they stand still, so a day's track stays a few thousand points.
const TRACK_MIN_METRES = 15;
const TRACK_MAX_GAP_MS = 60_000;
const TRACK_MAX_BUFFER = 20_000;

function metresBetween(a, b) {
  const rad = Math.PI / 180;
  const x = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad);
  const y = (b[1] - a[1]) * rad;
  return Math.hypot(x, y) * 6371000;
}

/// Starts collecting the phone's positions (while a patrol log is open).
export function startTrack() {
  if (trackWatch !== null || !navigator.geolocation) return;
  trackWatch = navigator.geolocation.watchPosition(
    (p) => {
      const point = [p.coords.longitude, p.coords.latitude, p.timestamp];
      const keep =
        lastKept === null ||
        point[2] - lastKept[2] >= TRACK_MAX_GAP_MS ||
        metresBetween(lastKept, point) >= TRACK_MIN_METRES;
      if (!keep || track.length >= TRACK_MAX_BUFFER) return;
      track.push(point);
      lastKept = point;
    },
    () => {},
    { enableHighAccuracy: true, maximumAge: 10000 },
  );
}
export function stopTrack() {
  if (trackWatch !== null) navigator.geolocation.clearWatch(trackWatch);
  trackWatch = null;
  lastKept = null;
}
/// The positions collected since the last call, as JSON [[lon, lat, unix ms], ...].
export function takeTrack() {
  const points = track;
  track = [];
  return JSON.stringify(points);
}

// --- wake-ups for the sync loop ---
let waiting = [];
function wakeAll(reason) {
  const resolvers = waiting;
  waiting = [];
  for (const resolve of resolvers) resolve(reason);
}
if (typeof window !== "undefined") {
  window.addEventListener("online", () => wakeAll("online"));
  window.addEventListener("offline", () => wakeAll("offline"));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") wakeAll("visible");
  });
  if (navigator.serviceWorker) {
    // The service worker asks for a sync when a push arrives or a notification is tapped.
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "gasdesk-sync") wakeAll("push");
    });
  }
}

/// Resolves after `ms`, or earlier with why (online, offline, visible, push, kick).
export function waitForWake(ms) {
  return new Promise((resolve) => {
    const wake = (reason) => {
      clearTimeout(timer);
      resolve(reason);
    };
    const timer = setTimeout(() => {
      waiting = waiting.filter((w) => w !== wake);
      resolve("timer");
    }, ms);
    waiting.push(wake);
  });
}

export function kick() {
  wakeAll("kick");
}

export function isOnline() {
  return navigator.onLine;
}

export function isVisible() {
  return document.visibilityState !== "hidden";
}

export function localOffsetMinutes() {
  return -new Date().getTimezoneOffset();
}

// --- history: the app's screens have paths, so a notification can open a job ---
export function currentPath() {
  return location.pathname;
}
export function pushPath(path) {
  if (location.pathname !== path) history.pushState(null, "", path);
}
/** Loads another page of the app in place of this one (the other build: see boot.js). */
export function openPage(path) {
  location.replace(path);
}
export function onPopState(callback) {
  window.addEventListener("popstate", () => callback(location.pathname));
}

// --- Web Push ---
function base64UrlBytes(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function withTimeout(promise, ms, what) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)),
  ]);
}

/// Subscribes this browser with the server's VAPID key; the subscription's JSON, or null when
/// the browser cannot receive push at all.
export async function subscribePush(vapidKey) {
  if (!("serviceWorker" in navigator) || typeof PushManager === "undefined") return null;
  const reg = await withTimeout(navigator.serviceWorker.ready, 15000, "service worker");
  const existing = await reg.pushManager.getSubscription();
  const sub =
    existing ||
    (await withTimeout(
      reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlBytes(vapidKey) }),
      30000,
      "push subscription",
    ));
  return JSON.stringify(sub.toJSON ? sub.toJSON() : sub);
}
