//! The tray icon: its menu, and the status it shows (ok, degraded, failing) tinted for the panel.
//!
//! The icons are PNGs from `icons/tray/`, embedded at build time, one per status and panel colour
//! (`<status>-<panel>.png`, drawn for a light or a dark panel). The panel colour follows the OS
//! theme as the main window sees it. This module must never work out a status itself: whoever
//! diagnoses the servers tells it with [`set_status`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use mcp_tray_core::config::ConfigFile;
use mcp_tray_core::{claude_restart, clients, paths};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime, Theme};

use crate::server_status::ServerHealth;
use crate::window;

const TRAY_ID: &str = "mcp-tray";
const MENU_OPEN: &str = "open";
const MENU_QUIT: &str = "quit";
const MENU_ADD: &str = "add";
const MENU_RESTART: &str = "restart";
/// Per-server items are `<action>:<server name>`.
const ACTION_TRAFFIC: &str = "traffic";
const ACTION_LOGS: &str = "logs";
const ACTION_TOGGLE: &str = "toggle";
/// Restarts a server the app keeps running.
const ACTION_RESTART_SERVER: &str = "restart-server";
/// "Sign in to NAME" lines are `signin:<server url>`.
const ACTION_SIGN_IN: &str = "signin";

/// The tray asks the window to show a view (and, for a server's items, that server).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct TrayNavigate {
    /// `servers`, `traffic` or `logs`; `add` opens Servers with the Add field focused.
    pub view: String,
    pub server: Option<String>,
}

/// What the tray icon tells at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrayStatus {
    /// Every server answers.
    Ok,
    /// Some server has a warning (slow, replaceable bridge, …).
    Degraded,
    /// Some server fails to start or to answer.
    Failing,
}

impl TrayStatus {
    fn tooltip(self) -> &'static str {
        match self {
            TrayStatus::Ok => "MCP Tray: all servers OK",
            TrayStatus::Degraded => "MCP Tray: a server needs attention",
            TrayStatus::Failing => "MCP Tray: a server is failing",
        }
    }
}

/// The colour of the panel the icon sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Panel {
    Light,
    Dark,
}

impl Panel {
    fn from_theme(theme: Theme) -> Self {
        match theme {
            Theme::Dark => Panel::Dark,
            _ => Panel::Light,
        }
    }
}

/// The PNG bytes for a status on a panel.
fn icon_png(status: TrayStatus, panel: Panel) -> &'static [u8] {
    macro_rules! tray_icon {
        ($name:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/icons/tray/", $name))
        };
    }
    match (status, panel) {
        (TrayStatus::Ok, Panel::Light) => tray_icon!("ok-light.png"),
        (TrayStatus::Ok, Panel::Dark) => tray_icon!("ok-dark.png"),
        (TrayStatus::Degraded, Panel::Light) => tray_icon!("degraded-light.png"),
        (TrayStatus::Degraded, Panel::Dark) => tray_icon!("degraded-dark.png"),
        (TrayStatus::Failing, Panel::Light) => tray_icon!("failing-light.png"),
        (TrayStatus::Failing, Panel::Dark) => tray_icon!("failing-dark.png"),
    }
}

/// What the tray shows now; managed app state.
struct TrayState(Mutex<(TrayStatus, Panel)>);

/// Each server's status as the menu marks it (from [`crate::server_status`]); a server with none
/// (never started) is shown by its name alone.
#[derive(Default)]
struct ServerMarks(Mutex<BTreeMap<String, ServerHealth>>);

/// Creates the tray icon and its menu (`build_menu`): a line per server, then Add remote
/// server…, Open MCP Tray, Restart Claude Desktop and Quit.
pub(crate) fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let panel = app
        .get_webview_window(window::MAIN)
        .and_then(|w| w.theme().ok())
        .map_or(Panel::Light, Panel::from_theme);
    let status = TrayStatus::Ok;
    app.manage(TrayState(Mutex::new((status, panel))));
    app.manage(ServerMarks::default());

    let menu = build_menu(app, &config_servers())?;

    let mut builder = TrayIconBuilder::with_id(TRAY_ID);
    // Linux writes the icon to a file for the panel: in the private runtime dir when there is one,
    // else in our own data dir, never in the shared /tmp where another user could plant it.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        builder = builder.temp_dir_path(mcp_tray_core::paths::data_dir().join("tray-icon"));
    }
    builder
        .icon(Image::from_bytes(icon_png(status, panel))?)
        .tooltip(status.tooltip())
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window::show_main(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}

/// The servers of the config in use with whether each is enabled; empty when it cannot be read.
fn config_servers() -> Vec<(String, bool)> {
    let file = ConfigFile::new(&clients::claude_config(None).path, paths::data_dir());
    let mut servers: Vec<(String, bool)> = file
        .read()
        .map(|doc| doc.servers.iter().map(|s| (s.name.clone(), true)).collect())
        .unwrap_or_default();
    servers.extend(
        file.disabled()
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.name, false)),
    );
    servers
}

/// The menu: one submenu per server, then the app's own items. On Linux the menu is the only way
/// in, so everything the window offers first is reachable from here.
fn build_menu<R: Runtime>(
    app: &AppHandle<R>,
    servers: &[(String, bool)],
) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    let marks = app
        .try_state::<ServerMarks>()
        .map(|m| m.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
        .unwrap_or_default();
    let kept = crate::kept_servers::kept_names(app);
    let sign_ins = crate::sign_in::pending();
    for request in &sign_ins {
        menu.append(&MenuItem::with_id(
            app,
            format!("{ACTION_SIGN_IN}:{}", request.server_url),
            format!("Sign in to {}", request.name),
            true,
            None::<&str>,
        )?)?;
    }
    if !sign_ins.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    for (name, enabled) in servers {
        let label = match (enabled, marks.get(name)) {
            (false, _) => format!("{name} (disabled)"),
            (true, None) => name.clone(),
            (true, Some(status)) => format!("{name} — {}", mark(*status)),
        };
        let traffic = MenuItem::with_id(
            app,
            format!("{ACTION_TRAFFIC}:{name}"),
            "Open traffic",
            true,
            None::<&str>,
        )?;
        let logs = MenuItem::with_id(
            app,
            format!("{ACTION_LOGS}:{name}"),
            "Open logs",
            true,
            None::<&str>,
        )?;
        let toggle = MenuItem::with_id(
            app,
            format!("{ACTION_TOGGLE}:{name}"),
            if *enabled { "Disable" } else { "Enable" },
            true,
            None::<&str>,
        )?;
        let submenu = Submenu::with_items(app, label, true, &[&traffic, &logs, &toggle])?;
        // Only a server the app runs itself can be restarted from here.
        if kept.contains(name) {
            submenu.append(&MenuItem::with_id(
                app,
                format!("{ACTION_RESTART_SERVER}:{name}"),
                "Restart",
                true,
                None::<&str>,
            )?)?;
        }
        menu.append(&submenu)?;
    }
    if !servers.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    let restart_label = if claude_restart::restart_supported() {
        "Restart Claude Desktop"
    } else {
        "Restart Claude Desktop (no Claude Desktop for this OS)"
    };
    menu.append(&MenuItem::with_id(
        app,
        MENU_ADD,
        "Add remote server…",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        MENU_OPEN,
        "Open MCP Tray",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        MENU_RESTART,
        restart_label,
        claude_restart::restart_supported(),
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        MENU_QUIT,
        "Quit",
        true,
        None::<&str>,
    )?)?;
    Ok(menu)
}

/// The words after a server's name in the menu (menus have no colours).
fn mark(status: ServerHealth) -> &'static str {
    match status {
        ServerHealth::Stopped => "stopped",
        ServerHealth::Connected => "connected",
        ServerHealth::Degraded => "needs attention",
        ServerHealth::Failing => "failing",
    }
}

/// Takes each server's status; rebuilds the menu when one changed.
pub(crate) fn set_server_marks<R: Runtime>(
    app: &AppHandle<R>,
    statuses: BTreeMap<String, ServerHealth>,
) {
    let Some(marks) = app.try_state::<ServerMarks>() else {
        return;
    };
    {
        let mut shown = marks.0.lock().unwrap_or_else(|p| p.into_inner());
        if *shown == statuses {
            return;
        }
        *shown = statuses;
    }
    refresh_servers(app);
}

/// Rebuilds the server lines of the menu (the config file or the kept servers changed).
pub(crate) fn refresh_servers<R: Runtime>(app: &AppHandle<R>) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    if let Err(err) = build_menu(app, &config_servers()).and_then(|menu| tray.set_menu(Some(menu)))
    {
        eprintln!("mcp-tray-app: could not update the tray menu: {err}");
    }
}

fn navigate<R: Runtime>(app: &AppHandle<R>, view: &str, server: Option<&str>) {
    window::show_main(app);
    let event = TrayNavigate {
        view: view.to_owned(),
        server: server.map(str::to_owned),
    };
    if let Err(err) = tauri_specta::Event::emit(&event, app) {
        eprintln!("mcp-tray-app: could not tell the window to open {view}: {err}");
    }
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        MENU_OPEN => window::show_main(app),
        MENU_QUIT => app.exit(0),
        MENU_ADD => navigate(app, "add", None),
        MENU_RESTART => {
            std::thread::spawn(|| {
                if let Err(err) = claude_restart::restart_claude() {
                    eprintln!("mcp-tray-app: {err}");
                }
            });
        }
        other => {
            let Some((action, name)) = other.split_once(':') else {
                return;
            };
            match action {
                ACTION_TRAFFIC => navigate(app, "traffic", Some(name)),
                ACTION_LOGS => navigate(app, "logs", Some(name)),
                ACTION_SIGN_IN => crate::sign_in::start_from_tray(app, name),
                ACTION_RESTART_SERVER => crate::kept_servers::restart_from_tray(app, name),
                ACTION_TOGGLE => {
                    let file =
                        ConfigFile::new(&clients::claude_config(None).path, paths::data_dir());
                    let enabled = file.read().is_ok_and(|doc| doc.server(name).is_some());
                    let done = if enabled {
                        file.disable(name)
                    } else {
                        file.enable(name)
                    };
                    // The config watch refreshes the window and this menu.
                    if let Err(err) = done {
                        eprintln!("mcp-tray-app: {err}");
                    }
                }
                _ => {}
            }
        }
    }
}

impl From<crate::traffic::Health> for TrayStatus {
    fn from(health: crate::traffic::Health) -> Self {
        match health {
            // Nothing wrong: a stopped server leaves the tray as calm as a connected one.
            crate::traffic::Health::Stopped | crate::traffic::Health::Ok => TrayStatus::Ok,
            crate::traffic::Health::Degraded => TrayStatus::Degraded,
            crate::traffic::Health::Failing => TrayStatus::Failing,
        }
    }
}

/// Shows `status` in the tray.
pub(crate) fn set_status<R: Runtime>(app: &AppHandle<R>, status: TrayStatus) {
    update(app, |state| state.0 = status);
}

/// Re-tints the icon when the OS switches between light and dark.
pub(crate) fn on_theme_changed<R: Runtime>(app: &AppHandle<R>, theme: Theme) {
    update(app, |state| state.1 = Panel::from_theme(theme));
}

fn update<R: Runtime>(app: &AppHandle<R>, change: impl FnOnce(&mut (TrayStatus, Panel))) {
    let Some(state) = app.try_state::<TrayState>() else {
        return;
    };
    let (status, panel) = {
        let mut guard = state
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        change(&mut guard);
        *guard
    };
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let result = Image::from_bytes(icon_png(status, panel))
        .and_then(|icon| tray.set_icon(Some(icon)))
        .and_then(|()| tray.set_tooltip(Some(status.tooltip())));
    if let Err(err) = result {
        eprintln!("mcp-tray-app: could not update the tray icon: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_decodable_square_icon_for_both_panels() {
        for status in [TrayStatus::Ok, TrayStatus::Degraded, TrayStatus::Failing] {
            for panel in [Panel::Light, Panel::Dark] {
                let image = Image::from_bytes(icon_png(status, panel))
                    .unwrap_or_else(|err| panic!("{status:?}/{panel:?}: {err}"));
                assert_eq!(image.width(), image.height(), "{status:?}/{panel:?}");
                assert!(image.width() >= 32, "{status:?}/{panel:?} too small");
            }
        }
    }

    #[test]
    fn light_and_dark_icons_differ_so_the_glyph_stays_visible() {
        for status in [TrayStatus::Ok, TrayStatus::Degraded, TrayStatus::Failing] {
            assert_ne!(
                icon_png(status, Panel::Light),
                icon_png(status, Panel::Dark)
            );
        }
    }
}
