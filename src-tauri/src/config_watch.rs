//! Keeps the window live: watches the Claude config file in use and tells the UI when it changed
//! (the [`ConfigChanged`] event), so the Servers view re-reads it whatever program edited it.
//!
//! The watching itself (debounce, content hashing, editors' rename dance) is
//! `mcp_tray_core::config::watch`; this module only starts it and forwards its news as an event.
//! It never interprets the file (the tray re-reads it for its menu); it hashes the content the
//! watch read, to tell whether MCP Tray's last change is still what it holds, and keeps the last
//! content seen, so that a file another program deletes, or leaves without any server, goes into
//! MCP Tray's history and can be put back
//! ([`ConfigFile::record_deleted_outside`](mcp_tray_core::config::ConfigFile::record_deleted_outside),
//! [`ConfigFile::record_emptied_outside`](mcp_tray_core::config::ConfigFile::record_emptied_outside)).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use mcp_tray_core::clients;
use mcp_tray_core::config::watch::{ConfigWatch, watch_config};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

/// The Claude config file changed on disk (written, replaced or deleted), and whether it still
/// holds what MCP Tray's last change wrote: the Servers view offers Undo only for the change it
/// made when that change is still what Undo would undo, and nothing changed the file since.
///
/// Changes made with the CLI go to the same history, but count as another program's: they are
/// newer than the change the view's bar names, so that bar's Undo no longer applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct ConfigChanged {
    /// The newest entry of MCP Tray's history when the file was read: a change with a higher id
    /// was made after this news, which says nothing about it.
    pub newest: Option<u32>,
    /// The change Undo would undo now (the newest one not undone, made in the window, the tray or
    /// the CLI), when the file still holds what it wrote; `None` when another program changed the
    /// file after it, or nothing is left to undo.
    pub undoable: Option<u32>,
}

impl ConfigChanged {
    /// The news about the file in use, whose content is now `bytes` (`None`: no file).
    fn now(bytes: Option<&[u8]>) -> Self {
        let id = |id: Option<u64>| id.and_then(|id| u32::try_from(id).ok());
        match crate::in_use::config_file().undo_state(bytes) {
            Ok(state) => ConfigChanged {
                newest: id(state.newest),
                undoable: id(state.undoable),
            },
            // An unreadable history offers no Undo.
            Err(_) => ConfigChanged::default(),
        }
    }
}

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
    // Another file: no change made to the former one can be undone from here.
    if let Err(err) = ConfigChanged::default().emit(app) {
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
    // The content as last seen: what a deletion would lose.
    let mut last_seen = std::fs::read(&path).ok();
    let watched = watch_config(&path, DEBOUNCE, move |bytes| {
        if let (Some(last), None) = (&last_seen, &bytes)
            && let Err(err) = crate::in_use::config_file().record_deleted_outside(last)
        {
            eprintln!("mcp-tray-app: could not keep the deleted config file in the history: {err}");
        }
        // Every server gone at once by another program's hand (`{}` written over the file):
        // kept like a deletion, for the view's Put it back.
        if let (Some(last), Some(now)) = (&last_seen, &bytes)
            && let Err(err) = crate::in_use::config_file().record_emptied_outside(last, now)
        {
            eprintln!("mcp-tray-app: could not keep the emptied config file in the history: {err}");
        }
        if let Some(watch) = handle.try_state::<crate::server_status::ServerWatch>() {
            crate::server_status::note_servers_left(&watch, last_seen.as_deref(), bytes.as_deref());
        }
        last_seen.clone_from(&bytes);
        changed(&handle);
        crate::tray::refresh_servers(&handle);
        if let Err(err) = ConfigChanged::now(bytes.as_deref()).emit(&handle) {
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
