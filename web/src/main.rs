//! Browser entry point: installs the panic hook and mounts the app. Everything else is in the
//! library (`lib.rs`) so tests can import the components.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(taoscope_web::App);
}
