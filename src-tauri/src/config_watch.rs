//! Keeps the window live: watches the Claude config file in use and tells the UI when it changed
//! (the [`ConfigChanged`] event), so the Servers view re-reads it whatever program edited it.
//!
//! The watching itself (debounce, content hashing, editors' rename dance) is
//! `mcp_tray_core::config::watch`; this module only starts it and forwards its news as an event.
//! It must never read or interpret the file (the tray re-reads it for its menu).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use mcp_tray_core::clients;
use mcp_tray_core::config::watch::{ConfigWatch, watch_config};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

/// The Claude config file changed on disk (written, replaced or deleted).
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct ConfigChanged;

/// Quiet time that ends a burst of file events: editors save in several steps.
const DEBOUNCE: Duration = Duration::from_millis(250);

/// Holds the watch for the app's lifetime; dropping it stops watching.
struct ConfigWatchGuard(Mutex<Option<ConfigWatch>>);

/// Starts watching the config file in use. Failing to watch is not fatal: the window then shows
/// the file as it was when opened, and says nothing more.
pub(crate) fn start<R: Runtime>(app: &AppHandle<R>) {
    app.manage(ConfigWatchGuard(Mutex::new(None)));
    let handle = app.clone();
    app.manage(ConfigSwitch(Box::new(move || switched(&handle))));
    watch_current(app);
}

/// What a command calls after the app switched to another config file (managed state, so the
/// command needs no runtime type): the watch, the tray menu and the window follow the new file.
pub(crate) struct ConfigSwitch(Box<dyn Fn() + Send + Sync>);

impl ConfigSwitch {
    pub(crate) fn switched(&self) {
        (self.0)();
    }
}

/// Watches the config file in use now, in place of the one watched so far, and tells the tray and
/// the window it may have changed.
fn switched<R: Runtime>(app: &AppHandle<R>) {
    watch_current(app);
    changed(app);
    crate::tray::refresh_servers(app);
    if let Err(err) = ConfigChanged.emit(app) {
        eprintln!("mcp-tray-app: could not tell the window the config changed: {err}");
    }
}

/// The set of servers may differ: the status watcher re-weighs the tray's colour.
fn changed<R: Runtime>(app: &AppHandle<R>) {
    if let Some(wake) = app.try_state::<crate::wake::Wake>() {
        wake.poke();
    }
}

fn watch_current<R: Runtime>(app: &AppHandle<R>) {
    let path = clients::claude_config(None).path;
    let handle = app.clone();
    let watched = watch_config(&path, DEBOUNCE, move |_bytes| {
        changed(&handle);
        crate::tray::refresh_servers(&handle);
        if let Err(err) = ConfigChanged.emit(&handle) {
            eprintln!("mcp-tray-app: could not tell the window the config changed: {err}");
        }
    });
    let Some(guard) = app.try_state::<ConfigWatchGuard>() else {
        return;
    };
    let mut slot = guard.0.lock().unwrap_or_else(PoisonError::into_inner);
    match watched {
        Ok(watch) => *slot = Some(watch),
        Err(err) => {
            *slot = None;
            eprintln!("mcp-tray-app: not watching {}: {err}", path.display());
        }
    }
}
