//! The Tauri shell of MCP Tray: wires the tray, the main window and the typed commands together.
//!
//! This file only assembles the app; each responsibility lives in its own module:
//! [`add_server`] (paste, probe, write, restart Claude), [`commands`] (thin adapters over `mcp-tray-core`, failing with [`error`]'s one error type),
//! [`config_watch`] (tells the window when the config file changed), [`settings`] (start at login), [`sign_in`] ("Sign in to NAME": sign-ins bridges hand to the app), [`server_actions`] (enable, disable, remove, undo), [`server_edit`] (edit a server, add a local one after testing it), [`server_findings`] (each entry's config mistakes, and their one-click Fix), [`server_status`] (each server's status from journals, Claude's logs and probes, and its CPU/memory), [`kept_servers`] (local servers the app keeps running itself, and their Restart), [`logs`] (Claude's logs and our journals' events, batched to the Logs view), [`ipc`] (the typed command list and the
//! TypeScript bindings generated from it), [`traffic`] (journal tailer streaming batches to the Traffic view), [`tray`] (tray icon, menu, status icon), [`wake`] (when followers read files again: after a change, the views' only while the window shows) and [`window`]
//! (showing, focusing and hiding the main window). No behaviour that is not GUI belongs in this
//! crate: it goes into `mcp-tray-core`, where the CLI can use it too.

use tauri::Manager;

mod add_server;
#[cfg(test)]
mod command_tests;
mod commands;
mod config_watch;
mod error;
mod in_use;
mod ipc;
mod kept_servers;
mod last_tests;
mod logs;
mod server_actions;
mod server_edit;
mod server_findings;
mod server_status;
mod settings;
mod sign_in;
mod test_runs;
mod traffic;
mod tray;
mod wake;
mod window;

/// Builds and runs the app until the user quits from the tray.
pub fn run() -> tauri::Result<()> {
    let ipc = ipc::builder();
    let app = tauri::Builder::default()
        // First, so that a second launch hands over to the running app before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            window::show_main(app);
        }))
        .plugin(tauri_plugin_autostart::Builder::new().build())
        // The system's file dialog, to choose a CA certificate file (the window may only open it).
        .plugin(tauri_plugin_dialog::init())
        .manage(logs::LogStreams::default())
        .invoke_handler(ipc.invoke_handler())
        .setup(move |app| {
            ipc.mount_events(app);
            tray::install(app.handle())?;
            // The tray's colour follows server_status, which weighs the journals, Claude's logs
            // and probes; the traffic tailer only feeds the Traffic view.
            app.manage(traffic::TrafficStreams::default());
            // Followers sleep until a file changes, and the views' only while the window shows.
            let wake = wake::Wake::start();
            app.manage(wake.clone());
            server_status::start(app.handle(), &wake);
            kept_servers::start(app.handle());
            config_watch::start(app.handle());
            sign_in::start(app.handle());
            // Debug builds only: the e2e zoom spec opens the window at a page zoom (MCP_TRAY_ZOOM=2).
            #[cfg(debug_assertions)]
            if let (Some(zoom), Some(main)) = (
                std::env::var("MCP_TRAY_ZOOM")
                    .ok()
                    .and_then(|z| z.parse::<f64>().ok()),
                app.get_webview_window(window::MAIN),
            ) {
                main.set_zoom(zoom)?;
            }
            Ok(())
        })
        .on_window_event(window::on_window_event)
        .build(tauri::tauri_build_context!())?;
    app.run(|app, event| {
        // Quit, or the last window gone: the servers the app runs go with it, trees and all.
        if let tauri::RunEvent::Exit = event {
            kept_servers::stop_all(app);
        }
    });
    Ok(())
}
