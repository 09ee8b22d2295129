//! Entry point of the light-client Web Worker (see `taoscope_web::light::worker`). Trunk builds
//! it next to the app with a loader shim; natively it is an empty program so workspace builds
//! and lints stay target-independent.

fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        console_error_panic_hook::set_once();
        taoscope_web::light::worker::start();
    }
}
