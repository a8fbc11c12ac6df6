// Starts the wasm app and registers the service worker. A separate file rather than an inline
// script, so the page works under a Content-Security-Policy without 'unsafe-inline'.
import init from "/app.js";

init({ module_or_path: "/app_bg.wasm" }).catch((err) => {
  console.error("gasdesk: the app failed to start", err);
  const boot = document.querySelector(".boot p");
  if (boot) boot.textContent = "应用加载失败，请刷新重试。The app failed to load; reload to retry.";
});

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err) => {
    // The app still works online without it; offline start needs it.
    console.warn("gasdesk: service worker registration failed", err);
  });
}
