//! The Tauri shell of MCP Tray: wires the tray, the main window and the typed commands together.
//!
//! This file only assembles the app; each responsibility lives in its own module:
//! [`add_server`] (paste, probe, write, restart Claude), [`commands`] (thin adapters over `mcp-tray-core`, failing with [`error`]'s one error type),
//! [`config_watch`] (tells the window when the config file changed), [`settings`] (start at login), [`sign_in`] ("Sign in to NAME": sign-ins bridges hand to the app), [`server_actions`] (enable, disable, remove, undo), [`logs`] (Claude's logs and our journals' events, batched to the Logs view), [`ipc`] (the typed command list and the
//! TypeScript bindings generated from it), [`traffic`] (journal tailer streaming batches to the Traffic view), [`tray`] (tray icon, menu, status icon) and [`window`]
//! (showing, focusing and hiding the main window). No behaviour that is not GUI belongs in this
//! crate: it goes into `mcp-tray-core`, where the CLI can use it too.

use tauri::Manager;

mod add_server;
mod commands;
mod config_watch;
mod error;
mod ipc;
mod logs;
mod server_actions;
mod settings;
mod sign_in;
mod traffic;
mod tray;
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
        .manage(logs::LogStreams::default())
        .invoke_handler(ipc.invoke_handler())
        .setup(move |app| {
            ipc.mount_events(app);
            tray::install(app.handle())?;
            let handle = app.handle().clone();
            app.manage(traffic::TrafficStreams::new(move |health| {
                tray::set_status(&handle, health.into());
            }));
            config_watch::start(app.handle());
            sign_in::start(app.handle());
            Ok(())
        })
        .on_window_event(window::on_window_event)
        .build(tauri::tauri_build_context!())?;
    app.run(|_app, _event| {});
    Ok(())
}
