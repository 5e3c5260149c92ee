//! The tray icon: its menu, and the status it shows (ok, degraded, failing) tinted for the panel.
//!
//! The icons are PNGs from `icons/tray/`, embedded at build time, one per status and panel colour
//! (`<status>-<panel>.png`, drawn for a light or a dark panel). The panel colour follows the OS
//! theme as the main window sees it. This module must never work out a status itself: whoever
//! diagnoses the servers tells it with [`set_status`].

use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime, Theme};

use crate::window;

const TRAY_ID: &str = "mcp-tray";
const MENU_OPEN: &str = "open";
const MENU_QUIT: &str = "quit";

/// What the tray icon tells at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "Degraded and Failing are set by the diagnosis engine once it lands"
)]
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

/// Creates the tray icon and its menu ("Open MCP Tray", "Quit").
pub(crate) fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let panel = app
        .get_webview_window(window::MAIN)
        .and_then(|w| w.theme().ok())
        .map_or(Panel::Light, Panel::from_theme);
    let status = TrayStatus::Ok;
    app.manage(TrayState(Mutex::new((status, panel))));

    let open = MenuItem::with_id(app, MENU_OPEN, "Open MCP Tray", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, MENU_QUIT, "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &separator, &quit])?;

    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(icon_png(status, panel))?)
        .tooltip(status.tooltip())
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            MENU_OPEN => window::show_main(app),
            MENU_QUIT => app.exit(0),
            _ => {}
        })
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

/// Shows `status` in the tray.
#[allow(dead_code, reason = "called by the diagnosis engine once it lands")]
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
