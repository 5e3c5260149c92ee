//! The main window's life cycle: show and focus it on request, hide it (never destroy it) on close.
//!
//! Closing the window only hides it, so the app keeps running in the tray and reopening is instant.
//! Quitting is the tray menu's job. This module must never decide what the window shows.

use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};

use crate::tray;
use crate::wake::Wake;

/// Tells the followers whether the window is shown (hidden, they sleep).
fn shown<R: Runtime>(app: &AppHandle<R>, shown: bool) {
    if let Some(wake) = app.try_state::<Wake>() {
        wake.set_shown(shown);
    }
}

/// Label of the main window in `tauri.conf.json`.
pub(crate) const MAIN: &str = "main";

/// Brings the main window to the front: unminimised, shown and focused.
pub(crate) fn show_main<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN) else {
        eprintln!("mcp-tray-app: the main window is gone; cannot show it");
        return;
    };
    for (what, result) in [
        ("unminimize", window.unminimize()),
        ("show", window.show()),
        ("focus", window.set_focus()),
    ] {
        if let Err(err) = result {
            eprintln!("mcp-tray-app: could not {what} the main window: {err}");
        }
    }
    shown(app, true);
}

/// Window events the shell reacts to: close hides the main window; a theme change re-tints the tray.
pub(crate) fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    match event {
        WindowEvent::CloseRequested { api, .. } if window.label() == MAIN => {
            api.prevent_close();
            if let Err(err) = window.hide() {
                eprintln!("mcp-tray-app: could not hide the main window: {err}");
            } else {
                shown(window.app_handle(), false);
            }
        }
        WindowEvent::ThemeChanged(theme) => tray::on_theme_changed(window.app_handle(), *theme),
        _ => {}
    }
}
