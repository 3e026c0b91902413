//! The example web app. A real one would use wasm-bindgen; this one stays dependency-free so the
//! example builds offline, and exports a plain function the page can call.

/// The greeting shown on the page.
#[no_mangle]
pub extern "C" fn greeting_len() -> usize {
    greeting().len()
}

/// The greeting text.
pub fn greeting() -> &'static str {
    "hello from the example web app"
}
