// Starts the wasm app and registers the service worker. A separate file rather than an inline
// script, so the page works under a Content-Security-Policy without 'unsafe-inline'.
//
// Two builds of the app: phones load the field app (app.js, the smaller download on a slow
// network); office desktops load the console build (console.js: the console and the field
// app), served under /console. The app itself moves a session to the build made for its role.
const CONSOLE = location.pathname === "/console" || location.pathname.startsWith("/console/");
const BUILD = CONSOLE ? "console" : "app";
if (CONSOLE) {
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = "/console.css";
  document.head.append(style);
}

import(`/${BUILD}.js`)
  .then((glue) => glue.default({ module_or_path: `/${BUILD}_bg.wasm` }))
  .catch((err) => {
    console.error("gasdesk: the app failed to start", err);
    const boot = document.querySelector(".boot p");
    if (boot) boot.textContent = "应用加载失败，请刷新重试。The app failed to load; reload to retry.";
  })
  // Only once the app runs: installing the worker downloads the whole shell again for its
  // cache, and the browser fetches the manifest and its icons as soon as they are linked;
  // on a first visit over a slow network both would compete with the app's own download.
  // (A failed start does this too, so a fixed version can still arrive.)
  .finally(() => {
    linkManifest();
    registerWorker();
  });

/** The web manifest (installing to the home screen) and the page's icon. */
function linkManifest() {
  const manifest = document.createElement("link");
  manifest.rel = "manifest";
  manifest.href = "/manifest.webmanifest";
  const icon = document.createElement("link");
  icon.rel = "icon";
  icon.type = "image/png";
  icon.sizes = "192x192";
  icon.href = "/icons/icon-192.png";
  document.head.append(manifest, icon);
}

/** A new version is installed and waiting: offer to switch (data on the phone is kept). */
function offerUpdate(worker) {
  if (document.querySelector(".update-banner")) return;
  const banner = document.createElement("div");
  banner.className = "update-banner";
  banner.setAttribute("role", "status");
  const text = document.createElement("span");
  text.textContent = "新版本已就绪 · A new version is ready";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "更新 Update";
  button.addEventListener("click", () => worker.postMessage({ type: "gasdesk-skip-waiting" }));
  banner.append(text, button);
  document.body.append(banner);
}

const hadController = "serviceWorker" in navigator && Boolean(navigator.serviceWorker.controller);

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then((reg) => {
      if (reg.waiting && hadController) offerUpdate(reg.waiting);
      reg.addEventListener("updatefound", () => {
        const worker = reg.installing;
        if (!worker) return;
        worker.addEventListener("statechange", () => {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
        });
      });
    })
    .catch((err) => {
      // The app still works online without it; offline start needs it.
      console.warn("gasdesk: service worker registration failed", err);
    });
}

if ("serviceWorker" in navigator) {
  // The new worker took over (the worker asked for it): reload into the new version.
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (hadController) location.reload();
  });
}
