//! Build script of the app: generates the Tauri context (config, embedded UI, icons, capabilities).
//!
//! The context is generated here rather than by `generate_context!` so that cargo's
//! `rerun-if-changed` covers `ui/dist`: a rebuilt UI is picked up by the next `cargo build`.
//! When `ui/dist` does not exist yet (a fresh clone, before `make ui`), a one-page placeholder is
//! written there so that `cargo build`/`clippy` of the workspace never fail for want of a UI build.
//! It must never touch any file outside `ui/dist`.

use std::path::Path;

const PLACEHOLDER: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>MCP Tray</title></head>\n<body><p>The UI has not been built. Run <code>make ui</code> (or <code>npm --prefix ui run build</code>) and rebuild the app.</p></body></html>\n";

fn main() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ui")
        .join("dist");
    if !dist.join("index.html").exists()
        && let Err(err) = std::fs::create_dir_all(&dist)
            .and_then(|()| std::fs::write(dist.join("index.html"), PLACEHOLDER))
    {
        println!(
            "cargo::warning=could not write a placeholder UI into {}: {err}",
            dist.display()
        );
    }
    let attributes = tauri_build::Attributes::new().codegen(tauri_build::CodegenContext::new());
    if let Err(err) = tauri_build::try_build(attributes) {
        // Cargo shows a build script's stderr; a panic here would only add a backtrace.
        eprintln!("tauri-build failed: {err:#}");
        std::process::exit(1);
    }
}
