//! The CLI is the shim Claude Desktop starts for every server: it must link no GUI library, so it
//! starts in milliseconds and runs where no display exists.

#[cfg(target_os = "linux")]
#[test]
fn cli_links_no_gui_library() {
    let out = std::process::Command::new("ldd")
        .arg(env!("CARGO_BIN_EXE_mcp-tray"))
        .output()
        .expect("ldd runs");
    let libs = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "ldd failed: {libs}");
    for gui in [
        "gtk",
        "gdk",
        "webkit",
        "glib",
        "gobject",
        "cairo",
        "pango",
        "X11",
        "wayland",
        "appindicator",
    ] {
        assert!(
            !libs.to_lowercase().contains(&gui.to_lowercase()),
            "mcp-tray links {gui}:\n{libs}"
        );
    }
    assert!(
        libs.contains("libc.so"),
        "ldd printed the libraries: {libs}"
    );
}
