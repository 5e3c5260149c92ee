//! The Tauri shell of MCP Tray: tray, window, commands. Thin adapters over `mcp-tray-core`.

pub fn run() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("error while running MCP Tray");
}
