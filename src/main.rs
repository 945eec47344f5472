//! The web entry point: trunk builds this binary to wasm and it mounts the page.

#[cfg(target_arch = "wasm32")]
fn main() {
    queue_playground::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: `bash scripts/serve.sh`. On the command line: `cargo run --bin qp -- --help`.");
}
