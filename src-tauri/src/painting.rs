//! How the window's web content is painted, chosen once at start-up, before WebKit starts.
//!
//! WebKitGTK paints tiles with Skia on the GPU by default. On a machine with no GPU device (no
//! `/dev/dri/renderD*`: a VM, a remote or virtual display) that "GPU" is Mesa's software
//! rasterizer, so the painting runs on the CPU anyway, and its textures, atlases and the shader
//! compiler's memory sit in the web process: about 45 MiB more at idle than Skia's own CPU
//! painting, for a Traffic list that is no smoother (docs/bench-app-idle.md). There, and only there, this
//! module asks WebKit for CPU painting (`WEBKIT_SKIA_ENABLE_CPU_RENDERING=1`, inherited by the web
//! process). It never overrides a value the user set, and never changes anything where a GPU
//! device exists. It owns no other WebKit setting.

use std::ffi::OsString;
use std::path::Path;

/// WebKitGTK's switch to Skia's CPU painting (read by the web process when it starts).
const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Where Linux lists the GPU render nodes.
const RENDER_NODES: &str = "/dev/dri";

/// Asks for CPU painting when this machine has no GPU to paint with.
///
/// Must run first in `main`, while the process has one thread: it sets an environment variable.
pub(crate) fn choose_for_this_machine() {
    if !cfg!(target_os = "linux") {
        return;
    }
    if wants_cpu_painting(Path::new(RENDER_NODES), |name| std::env::var_os(name)) {
        // SAFETY: called at the start of `main`, before Tauri, WebKit or any other thread starts,
        // so nothing reads the environment concurrently.
        unsafe { std::env::set_var(CPU_PAINTING, "1") };
    }
}

/// Whether to ask for CPU painting: the user did not choose, and GL would be software anyway
/// (no render node under `render_nodes`, or Mesa told to render in software).
fn wants_cpu_painting(render_nodes: &Path, env: impl Fn(&str) -> Option<OsString>) -> bool {
    if env(CPU_PAINTING).is_some() {
        return false;
    }
    let software_gl = env("LIBGL_ALWAYS_SOFTWARE")
        .is_some_and(|value| !value.is_empty() && value != "0" && value != "false");
    software_gl || !has_render_node(render_nodes)
}

fn has_render_node(render_nodes: &Path) -> bool {
    std::fs::read_dir(render_nodes).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: Vec<(String, OsString)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn dri(with_render_node: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("card0"), "").expect("card0");
        if with_render_node {
            std::fs::write(dir.path().join("renderD128"), "").expect("renderD128");
        }
        dir
    }

    #[test]
    fn no_render_node_means_cpu_painting() {
        let dri = dri(false);
        assert!(wants_cpu_painting(dri.path(), env_of(&[])));
        assert!(wants_cpu_painting(&dri.path().join("missing"), env_of(&[])));
    }

    #[test]
    fn a_render_node_keeps_webkits_gpu_painting() {
        let dri = dri(true);
        assert!(!wants_cpu_painting(dri.path(), env_of(&[])));
    }

    #[test]
    fn mesa_told_to_render_in_software_means_cpu_painting_even_with_a_gpu() {
        let dri = dri(true);
        assert!(wants_cpu_painting(
            dri.path(),
            env_of(&[("LIBGL_ALWAYS_SOFTWARE", "1")])
        ));
        assert!(!wants_cpu_painting(
            dri.path(),
            env_of(&[("LIBGL_ALWAYS_SOFTWARE", "0")])
        ));
    }

    #[test]
    fn the_users_own_choice_is_never_overridden() {
        let dri = dri(false);
        assert!(!wants_cpu_painting(
            dri.path(),
            env_of(&[(CPU_PAINTING, "0")])
        ));
        assert!(!wants_cpu_painting(
            dri.path(),
            env_of(&[(CPU_PAINTING, "1")])
        ));
    }
}
