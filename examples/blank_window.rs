//! A blank Tauri window: the baseline the app's idle cost is measured against (`make bench-app-idle`).
//!
//! Same tauri crate, features and webview as the app, the same window size, an empty HTML page,
//! and nothing else: no tray, no plugins, no commands. It owns no behaviour of MCP Tray and must
//! never grow any; anything added here makes the comparison flatter than the truth.

fn main() -> std::process::ExitCode {
    let context = tauri::generate_context!("examples/blank_window/tauri.conf.json");
    match tauri::Builder::default().run(context) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("blank window: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
