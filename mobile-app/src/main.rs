//! Entry point of the browser build: mounts the app into `#main` of `index.html`.
//! Natively there is nothing to run; the crate builds on the host only for its tests.

fn main() {
    #[cfg(all(target_arch = "wasm32", feature = "web"))]
    dioxus::launch(gasdesk_app::App);
}
