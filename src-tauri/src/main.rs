// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

mod painting;

fn main() -> ExitCode {
    painting::choose_for_this_machine();
    match mcp_tray_app::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("MCP Tray could not start: {err}");
            ExitCode::FAILURE
        }
    }
}
