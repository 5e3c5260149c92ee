//! Golden tests on realistic config files: Windows paths and CRLF, tabs, unicode server names,
//! `preferences` blocks, an empty `{}`, a missing file. Each edit's output is compared with a
//! checked-in golden file (`UPDATE_GOLDEN=1` rewrites them; review the diff), and every edit is
//! undone by its inverse byte for byte.

use std::path::{Path, PathBuf};

use mcp_tray_core::config::{ConfigFile, Edit, EntryKind};
use serde_json::json;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/fixtures/config")
}

/// Compares `actual` with the golden file `name`, or writes it under `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &[u8]) {
    let path = fixtures().join("golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        expected == actual,
        "{name} differs from its golden file\n--- expected\n{}\n--- actual\n{}",
        String::from_utf8_lossy(&expected),
        String::from_utf8_lossy(actual)
    );
}

struct Scratch {
    _dir: tempfile::TempDir,
    path: PathBuf,
    file: ConfigFile,
}

fn scratch(fixture: Option<&str>) -> Scratch {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Claude").join("claude_desktop_config.json");
    if let Some(name) = fixture {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::copy(fixtures().join(name), &path).unwrap();
    }
    let file = ConfigFile::new(&path, dir.path().join("mcp-tray-home"));
    Scratch {
        _dir: dir,
        path,
        file,
    }
}

fn new_server() -> serde_json::Value {
    json!({"command": "uvx", "args": ["mcp-server-fetch"], "env": {"LOG_LEVEL": "info"}})
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

const FIXTURES: [&str; 5] = [
    "windows-crlf.json",
    "tabs.json",
    "unicode-no-final-newline.json",
    "preferences.json",
    "empty.json",
];

#[test]
fn add_matches_golden_and_remove_restores_every_fixture() {
    for fixture in FIXTURES {
        let s = scratch(Some(fixture));
        let original = read(&s.path);
        s.file
            .apply(&Edit::Add {
                name: "fetch".into(),
                entry: new_server(),
            })
            .unwrap();
        golden(&format!("{fixture}.add"), &read(&s.path));
        s.file
            .apply(&Edit::Remove {
                name: "fetch".into(),
            })
            .unwrap();
        assert_eq!(read(&s.path), original, "{fixture}: add then remove");
    }
}

#[test]
fn disable_enable_and_rename_round_trip_every_fixture() {
    for fixture in FIXTURES {
        let s = scratch(Some(fixture));
        let original = read(&s.path);
        let doc = s.file.read().unwrap();
        let Some(first) = doc.servers.first().map(|e| e.name.clone()) else {
            continue;
        };
        s.file.disable(&first).unwrap();
        golden(&format!("{fixture}.disable"), &read(&s.path));
        s.file.enable(&first).unwrap();
        assert_eq!(read(&s.path), original, "{fixture}: disable then enable");
        s.file
            .apply(&Edit::Rename {
                from: first.clone(),
                to: "renamed".into(),
            })
            .unwrap();
        golden(&format!("{fixture}.rename"), &read(&s.path));
        s.file
            .apply(&Edit::Rename {
                from: "renamed".into(),
                to: first.clone(),
            })
            .unwrap();
        assert_eq!(read(&s.path), original, "{fixture}: rename back");
    }
}

#[test]
fn renaming_a_shim_entry_renames_the_name_it_journals_under() {
    let s = scratch(None);
    std::fs::create_dir_all(s.path.parent().unwrap()).unwrap();
    let original = concat!(
        "{\n  \"mcpServers\": {\n",
        "    \"docs\": {\"command\": \"/opt/mcp-tray/mcp-tray\", \"args\": [\"bridge\", \"https://example.com/mcp\", \"--name\", \"docs\"]},\n",
        "    \"git\": {\"command\": \"/opt/mcp-tray/mcp-tray\", \"args\": [\"wrap\", \"--name\", \"git\", \"--\", \"tool\", \"--name\", \"git\"]},\n",
        "    \"other\": {\"command\": \"tool\", \"args\": [\"bridge\", \"--name\", \"other\"]}\n",
        "  }\n}\n"
    );
    std::fs::write(&s.path, original).unwrap();
    let rename = |from: &str, to: &str| {
        s.file
            .apply(&Edit::Rename {
                from: from.into(),
                to: to.into(),
            })
            .unwrap();
    };
    rename("docs", "handbook");
    rename("git", "repo");
    rename("other", "else");
    let text = String::from_utf8(read(&s.path)).unwrap();
    // The bridge's and the tap's own --name follow the entry's name…
    assert!(
        text.contains(r#""handbook": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://example.com/mcp", "--name", "handbook"]}"#),
        "{text}"
    );
    // …but not the server's own arguments after `--`, nor another program's `--name`.
    assert!(
        text.contains(r#""repo": {"command": "/opt/mcp-tray/mcp-tray", "args": ["wrap", "--name", "repo", "--", "tool", "--name", "git"]}"#),
        "{text}"
    );
    assert!(
        text.contains(r#""else": {"command": "tool", "args": ["bridge", "--name", "other"]}"#),
        "{text}"
    );
    rename("handbook", "docs");
    rename("repo", "git");
    rename("else", "other");
    assert_eq!(read(&s.path), original.as_bytes(), "rename back");
}

#[test]
fn tap_then_untap_restores_every_local_entry_byte_for_byte() {
    let exe = Path::new("/opt/mcp-tray/mcp-tray");
    for fixture in FIXTURES {
        let s = scratch(Some(fixture));
        let original = read(&s.path);
        let doc = s.file.read().unwrap();
        for (i, server) in doc.servers.iter().enumerate() {
            s.file.tap(&server.name, exe).unwrap();
            let tapped = s.file.read().unwrap();
            let entry = tapped.server(&server.name).unwrap();
            assert_eq!(
                entry.kind,
                EntryKind::Tapped {
                    command: server.command.clone().unwrap(),
                    args: server.args.clone()
                },
                "{fixture}: {}",
                server.name
            );
            assert_eq!(entry.env, server.env, "the env stays with the entry");
            if i == 0 {
                golden(&format!("{fixture}.tap"), &read(&s.path));
            }
            s.file.untap(&server.name).unwrap();
            assert_eq!(
                read(&s.path),
                original,
                "{fixture}: tap then untap {}",
                server.name
            );
        }
    }
}

#[test]
fn untap_without_a_kept_original_rebuilds_the_plain_entry() {
    let s = scratch(Some("empty.json"));
    s.file
        .apply(&Edit::Add {
            name: "git".into(),
            entry: json!({"command": "/opt/mcp-tray/mcp-tray", "args": ["wrap", "--name", "git", "--", "uvx", "mcp-server-git"], "env": {"A": "1"}}),
        })
        .unwrap();
    s.file.untap("git").unwrap();
    let doc = s.file.read().unwrap();
    let git = doc.server("git").unwrap();
    assert_eq!(git.kind, EntryKind::Local);
    assert_eq!(git.command.as_deref(), Some("uvx"));
    assert_eq!(git.args, ["mcp-server-git"]);
    assert_eq!(git.env["A"], "1");
}

#[test]
fn untap_never_brings_back_the_env_of_an_earlier_server_of_the_name() {
    let s = scratch(Some("empty.json"));
    let exe = Path::new("/opt/mcp-tray/mcp-tray");
    s.file
        .apply(&Edit::Add {
            name: "fs".into(),
            entry: json!({"command": "npx", "args": ["-y", "srv"], "env": {"TOKEN": "old"}}),
        })
        .unwrap();
    s.file.tap("fs", exe).unwrap();
    s.file.apply(&Edit::Remove { name: "fs".into() }).unwrap();
    // Added again, captured from the start, with a new token.
    s.file
        .apply(&Edit::Add {
            name: "fs".into(),
            entry: json!({"command": "/opt/mcp-tray/mcp-tray", "args": ["wrap", "--name", "fs", "--", "npx", "-y", "srv"], "env": {"TOKEN": "new"}}),
        })
        .unwrap();
    s.file.untap("fs").unwrap();
    let doc = s.file.read().unwrap();
    let fs = doc.server("fs").unwrap();
    assert_eq!(fs.command.as_deref(), Some("npx"));
    assert_eq!(
        fs.env["TOKEN"],
        "new",
        "{}",
        String::from_utf8_lossy(&read(&s.path))
    );
}

#[test]
fn only_local_entries_can_be_tapped() {
    let s = scratch(Some("empty.json"));
    s.file
        .apply(&Edit::Add {
            name: "remote".into(),
            entry: json!({"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://x.dev/mcp", "--name", "remote"]}),
        })
        .unwrap();
    let before = read(&s.path);
    let err = s
        .file
        .tap("remote", Path::new("/opt/mcp-tray/mcp-tray"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("only local servers"), "{err}");
    assert_eq!(read(&s.path), before);

    // Tapping twice says so, and leaves the tapped entry as it is.
    s.file
        .apply(&Edit::Add {
            name: "local".into(),
            entry: json!({"command": "npx", "args": ["-y", "some-server"]}),
        })
        .unwrap();
    s.file
        .tap("local", Path::new("/opt/mcp-tray/mcp-tray"))
        .unwrap();
    let tapped = read(&s.path);
    let err = s
        .file
        .tap("local", Path::new("/opt/mcp-tray/mcp-tray"))
        .unwrap_err()
        .to_string();
    assert_eq!(err, "\"local\" is already tapped");
    assert_eq!(read(&s.path), tapped);
}

#[test]
fn crlf_file_stays_crlf_after_add() {
    let s = scratch(Some("windows-crlf.json"));
    s.file
        .apply(&Edit::Add {
            name: "fetch".into(),
            entry: new_server(),
        })
        .unwrap();
    let text = String::from_utf8(read(&s.path)).unwrap();
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "a bare LF crept in"
    );
}

#[test]
fn missing_file_and_folders_are_created_on_first_add_and_undo_removes_it() {
    let s = scratch(None);
    assert!(!s.path.exists());
    let doc = s.file.read().unwrap();
    assert!(!doc.exists && doc.servers.is_empty());
    s.file
        .apply(&Edit::Add {
            name: "fetch".into(),
            entry: new_server(),
        })
        .unwrap();
    golden("missing.add", &read(&s.path));
    let (entry, _) = s.file.undo(false, None).unwrap();
    assert_eq!(entry.op, "add fetch");
    assert!(
        !s.path.exists(),
        "undo of the file's creation removes it again"
    );
}

#[test]
fn undo_restores_each_step_and_refuses_to_clobber_external_changes() {
    let s = scratch(Some("preferences.json"));
    let original = read(&s.path);
    s.file
        .apply(&Edit::Add {
            name: "a".into(),
            entry: new_server(),
        })
        .unwrap();
    let after_a = read(&s.path);
    s.file.disable("github").unwrap();
    s.file.undo(false, None).unwrap();
    assert_eq!(read(&s.path), after_a);
    assert!(
        s.file.disabled().unwrap().is_empty(),
        "undoing a disable empties the store again"
    );
    s.file.undo(false, None).unwrap();
    assert_eq!(read(&s.path), original);

    s.file
        .apply(&Edit::Add {
            name: "b".into(),
            entry: new_server(),
        })
        .unwrap();
    // Someone edits the file by hand afterwards.
    let edited = String::from_utf8(read(&s.path))
        .unwrap()
        .replace("\"chat\"", "\"projects\"");
    std::fs::write(&s.path, &edited).unwrap();
    let err = s.file.undo(false, None).unwrap_err().to_string();
    assert!(err.contains("changed after"), "{err}");
    assert!(matches!(
        s.file.undo(false, None),
        Err(mcp_tray_core::config::ConfigError::ChangedSince(_))
    ));
    assert_eq!(std::fs::read_to_string(&s.path).unwrap(), edited);
    // --force still keeps the hand edit in the history.
    s.file.undo(true, None).unwrap();
    let newest = &s.file.history().unwrap()[0];
    assert!(newest.op.starts_with("undo "));
    assert_eq!(std::fs::read_to_string(&newest.file).unwrap(), edited);
}

#[test]
fn undo_of_a_named_edit_refuses_when_another_edit_came_after_it() {
    let s = scratch(Some("preferences.json"));
    let add = s
        .file
        .apply(&Edit::Add {
            name: "a".into(),
            entry: new_server(),
        })
        .unwrap();
    let named = add.history_id.expect("a history entry");
    // Another window, the tray or the CLI changes something meanwhile.
    s.file.disable("github").unwrap();
    let after_disable = read(&s.path);
    let err = s.file.undo(false, Some(named)).unwrap_err();
    assert!(
        matches!(err, mcp_tray_core::config::ConfigError::ChangedSince(_)),
        "{err}"
    );
    assert!(err.to_string().contains("disable github"), "{err}");
    assert_eq!(read(&s.path), after_disable, "nothing was undone");
    assert_eq!(s.file.disabled().unwrap().len(), 1, "github stays disabled");
    // The newest edit, named, is undone.
    let newest = s.file.history().unwrap()[0].id;
    let (entry, _) = s.file.undo(false, Some(newest)).unwrap();
    assert_eq!(entry.op, "disable github");
}

#[test]
fn history_keeps_the_last_fifty() {
    let s = scratch(Some("empty.json"));
    for i in 0..55 {
        s.file
            .apply(&Edit::Add {
                name: format!("s{i}"),
                entry: new_server(),
            })
            .unwrap();
    }
    let history = s.file.history().unwrap();
    assert_eq!(history.len(), 50);
    assert_eq!(history[0].op, "add s54");
    assert_eq!(history[49].op, "add s5");
}

#[test]
fn undoing_edits_in_a_row_reaches_every_edit_kept() {
    let s = scratch(Some("empty.json"));
    for i in 0..55 {
        s.file
            .apply(&Edit::Add {
                name: format!("s{i}"),
                entry: new_server(),
            })
            .unwrap();
    }
    // Each undo is a backup too: it must not push out the older edits still to undo.
    for i in (5..55).rev() {
        let (undone, _) = s
            .file
            .undo(false, None)
            .unwrap_or_else(|e| panic!("undo of add s{i}: {e}"));
        assert_eq!(undone.op, format!("add s{i}"));
    }
    let left = s.file.read().unwrap();
    let names: Vec<&str> = left.servers.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["s0", "s1", "s2", "s3", "s4"]);
    // The oldest edits were never kept: nothing more to undo, as `history` shows.
    assert!(s.file.undo(false, None).is_err());
    // The next edit prunes the history back to the last fifty.
    s.file
        .apply(&Edit::Add {
            name: "again".into(),
            entry: new_server(),
        })
        .unwrap();
    assert_eq!(s.file.history().unwrap().len(), 50);
}

#[test]
fn a_file_that_does_not_parse_is_never_written() {
    let s = scratch(None);
    std::fs::create_dir_all(s.path.parent().unwrap()).unwrap();
    let broken = b"{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"},\n  }\n}\n";
    std::fs::write(&s.path, broken).unwrap();
    let err = s
        .file
        .apply(&Edit::Add {
            name: "b".into(),
            entry: new_server(),
        })
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(":3:") && err.contains("trailing comma"),
        "{err}"
    );
    assert_eq!(read(&s.path), broken);
    assert!(s.file.history().unwrap().is_empty());
}

#[test]
fn byte_order_mark_is_kept_when_the_user_goes_on() {
    let s = scratch(None);
    std::fs::create_dir_all(s.path.parent().unwrap()).unwrap();
    std::fs::write(&s.path, "\u{feff}{\"mcpServers\": {}}").unwrap();
    assert!(s.file.read().is_err());
    let file = s.file.clone().allow_bom(true);
    file.apply(&Edit::Add {
        name: "a".into(),
        entry: new_server(),
    })
    .unwrap();
    assert!(read(&s.path).starts_with("\u{feff}".as_bytes()));
}

#[cfg(unix)]
#[test]
fn symlinked_config_is_written_through_to_its_target_with_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let s = scratch(Some("tabs.json"));
    let dir = s.path.parent().unwrap().parent().unwrap();
    let dotfiles = dir.join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let target = dotfiles.join("claude.json");
    std::fs::rename(&s.path, &target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("../dotfiles/claude.json", &s.path).unwrap();
    s.file
        .apply(&Edit::Add {
            name: "fetch".into(),
            entry: new_server(),
        })
        .unwrap();
    assert!(
        std::fs::symlink_metadata(&s.path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let doc = mcp_tray_core::config::ConfigDocument::parse(&target, &read(&target), false).unwrap();
    assert!(doc.server("fetch").is_some());
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_name_a_disabled_server_holds_is_refused_to_add_rename_and_import() {
    let s = scratch(Some("preferences.json"));
    s.file
        .apply(&Edit::Add {
            name: "other".into(),
            entry: new_server(),
        })
        .unwrap();
    let enabled = read(&s.path);
    s.file.disable("github").unwrap();
    let kept = s.file.disabled().unwrap();
    let before = read(&s.path);
    let add = Edit::Add {
        name: "github".into(),
        entry: new_server(),
    };
    let rename = Edit::Rename {
        from: "other".into(),
        to: "github".into(),
    };
    for err in [
        s.file.apply(&add).unwrap_err(),
        s.file.apply(&rename).unwrap_err(),
        s.file
            .apply_all("import", std::slice::from_ref(&add))
            .unwrap_err(),
    ] {
        assert!(
            err.to_string()
                .contains("a disabled server is named \"github\""),
            "{err}"
        );
    }
    assert_eq!(read(&s.path), before, "nothing was written");
    assert_eq!(
        s.file.disabled().unwrap()[0].raw,
        kept[0].raw,
        "the disabled entry is kept as it was"
    );
    // Enabling it is the way back in, and gives the file back as it was.
    s.file.enable("github").unwrap();
    assert_eq!(read(&s.path), enabled);
}

#[test]
fn a_renamed_tapped_server_untaps_to_its_own_text_and_leaves_no_copy_behind() {
    let s = scratch(None);
    std::fs::create_dir_all(s.path.parent().unwrap()).unwrap();
    let original = concat!(
        "{\n  \"mcpServers\": {\n",
        "    \"fs\": {\n      \"command\": \"npx\",\n      \"args\": [\"-y\", \"@modelcontextprotocol/server-filesystem\", \"/home/me\"],\n",
        "      \"env\": { \"API_TOKEN\": \"secret-xyz\" }\n    }\n",
        "  }\n}\n"
    );
    std::fs::write(&s.path, original).unwrap();
    let exe = Path::new("/opt/mcp-tray/mcp-tray");
    let rename = |from: &str, to: &str| {
        s.file
            .apply(&Edit::Rename {
                from: from.into(),
                to: to.into(),
            })
            .unwrap();
    };
    s.file.tap("fs", exe).unwrap();
    rename("fs", "files");
    s.file.untap("files").unwrap();
    assert_eq!(
        String::from_utf8(read(&s.path)).unwrap(),
        original.replace("\"fs\"", "\"files\""),
        "the entry's own text comes back under its new name"
    );
    // The kept original went with the untap: no copy of it (and its env) is left in the store.
    let data = s._dir.path().join("mcp-tray-home").join("configs");
    for state in walk(&data).filter(|p| p.ends_with("state.json")) {
        let text = std::fs::read_to_string(&state).unwrap();
        assert!(!text.contains("secret-xyz"), "{}: {text}", state.display());
    }
    // Undo walks back through the rename: untapping under the old name still gives the original.
    s.file.undo(false, None).unwrap(); // the untap
    s.file.undo(false, None).unwrap(); // the rename
    s.file.untap("fs").unwrap();
    assert_eq!(read(&s.path), original.as_bytes());
}

/// Every file under `dir`.
fn walk(dir: &Path) -> impl Iterator<Item = PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.into_iter()
}

#[test]
fn a_write_protected_file_is_left_as_it_is() {
    let s = scratch(Some("preferences.json"));
    let before = read(&s.path);
    let set_readonly = |on: bool| {
        let mut perms = std::fs::metadata(&s.path).unwrap().permissions();
        perms.set_readonly(on);
        std::fs::set_permissions(&s.path, perms).unwrap();
    };
    set_readonly(true);
    let add = Edit::Add {
        name: "a".into(),
        entry: new_server(),
    };
    let err = s.file.apply(&add).unwrap_err();
    assert!(err.is_file_problem(), "{err}");
    assert!(err.to_string().contains("read-only"), "{err}");
    assert!(s.file.disable("github").is_err());
    assert_eq!(read(&s.path), before, "nothing was written");
    assert!(std::fs::metadata(&s.path).unwrap().permissions().readonly());
    set_readonly(false);
    s.file.apply(&add).unwrap();
}

#[cfg(unix)]
#[test]
fn a_file_created_through_a_symlinked_folder_can_be_undone() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::create_dir_all(&real).unwrap();
    std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
    let path = dir.path().join("link").join("claude_desktop_config.json");
    let file = ConfigFile::new(&path, dir.path().join("mcp-tray-home"));
    file.apply(&Edit::Add {
        name: "a".into(),
        entry: new_server(),
    })
    .unwrap();
    assert!(real.join("claude_desktop_config.json").exists());
    assert_eq!(
        file.history().unwrap().len(),
        1,
        "the first write's backup is found"
    );
    file.undo(false, None).unwrap();
    assert!(
        !real.join("claude_desktop_config.json").exists(),
        "undoing the write that created the file removes it again"
    );
}

/// Claude Desktop reads the last of two `"mcpServers"` keys (JSON.parse). No edit may land in the
/// one it ignores: every edit is refused, naming the lines, and nothing is written.
#[test]
fn every_edit_of_a_file_with_two_mcp_servers_keys_is_refused_and_writes_nothing() {
    let s = scratch(None);
    std::fs::create_dir_all(s.path.parent().unwrap()).unwrap();
    let text = "{\n  \"mcpServers\": {\"x\": {\"command\": \"one\"}},\n  \"mcpServers\": {\"y\": {\"command\": \"two\"}}\n}\n";
    std::fs::write(&s.path, text).unwrap();
    let attempts = [
        s.file.apply(&Edit::Add {
            name: "new".into(),
            entry: new_server(),
        }),
        s.file.apply(&Edit::Remove { name: "y".into() }),
        s.file.apply(&Edit::Update {
            name: "y".into(),
            entry: new_server(),
        }),
        s.file.disable("y"),
        s.file.tap("y", Path::new("/opt/mcp-tray/mcp-tray")),
    ];
    for attempt in attempts {
        let err = attempt.unwrap_err();
        assert!(err.is_file_problem(), "{err}");
        let err = err.to_string();
        for said in [
            "\"mcpServers\" is written twice (lines 2 and 3)",
            "reads only the last one (line 3)",
            "on line 2 (x)",
            "Nothing was written",
            "mcp-tray doctor --fix",
        ] {
            assert!(err.contains(said), "{said:?} not in {err}");
        }
    }
    assert_eq!(read(&s.path), text.as_bytes());
    assert!(s.file.history().unwrap().is_empty());
}

#[test]
fn merging_two_mcp_servers_keys_moves_every_entry_into_the_last_one_and_undo_restores_the_file() {
    let s = scratch(None);
    std::fs::create_dir_all(s.path.parent().unwrap()).unwrap();
    let text = "{\n  \"mcpServers\": {\n    \"x\": {\"command\": \"one\"},\n    \"y\": {\"command\": \"old\"}\n  },\n  \"globalShortcut\": \"\",\n  \"mcpServers\": {\n    \"y\": {\"command\": \"two\"}\n  }\n}\n";
    std::fs::write(&s.path, text).unwrap();
    s.file.apply(&Edit::MergeServers).unwrap();
    // x is no longer ignored; y stays written twice, Claude's copy last, so it still runs "two".
    assert_eq!(
        String::from_utf8(read(&s.path)).unwrap(),
        "{\n  \"globalShortcut\": \"\",\n  \"mcpServers\": {\n    \"x\": {\"command\": \"one\"},\n    \"y\": {\"command\": \"old\"},\n    \"y\": {\"command\": \"two\"}\n  }\n}\n"
    );
    let doc = s.file.read().unwrap();
    let seen: Vec<_> = doc
        .servers
        .iter()
        .map(|e| (e.name.as_str(), e.command.as_deref().unwrap()))
        .collect();
    assert_eq!(seen, [("x", "one"), ("y", "two")]);
    assert!(doc.duplicate_servers_key().is_none());
    // Now the file takes edits again (of the names written once).
    s.file
        .apply(&Edit::Add {
            name: "new".into(),
            entry: new_server(),
        })
        .unwrap();
    assert!(s.file.read().unwrap().server("new").is_some());
    s.file.undo(false, None).unwrap();
    s.file.undo(false, None).unwrap();
    assert_eq!(read(&s.path), text.as_bytes());
    // Nothing to merge in a file with one "mcpServers".
    let one = scratch(Some("preferences.json"));
    let before = read(&one.path);
    assert!(one.file.apply(&Edit::MergeServers).is_err());
    assert_eq!(read(&one.path), before);
}

/// An earlier "mcpServers" that is not an object is the user's text (a note, a list): the merge
/// refuses to delete it, writes nothing, and says which copy and what to do; every other edit says
/// the same way out. Once the user has deleted it, the merge goes through.
#[test]
fn a_merge_never_deletes_an_earlier_mcp_servers_that_is_not_an_object() {
    let s = scratch(None);
    std::fs::create_dir_all(s.path.parent().unwrap()).unwrap();
    for (earlier, what) in [
        ("\"see notes.txt for the tokens\"", "a string"),
        ("[\"fetch\", \"github\"]", "an array"),
        ("null", "null"),
    ] {
        let text = format!(
            "{{\n  \"mcpServers\": {{\"x\": {{\"command\": \"sh\"}}}},\n  \"mcpServers\": {earlier},\n  \"mcpServers\": {{}}\n}}\n"
        );
        std::fs::write(&s.path, &text).unwrap();
        let err = s.file.apply(&Edit::MergeServers).unwrap_err().to_string();
        for said in [
            "Nothing was written",
            &format!("the one on line 3 ({what}) holds no server"),
            "delete it",
        ] {
            assert!(err.contains(said), "{said:?} not in {err}");
        }
        assert_eq!(
            read(&s.path),
            text.as_bytes(),
            "{what}: the file is untouched"
        );
        let add = s
            .file
            .apply(&Edit::Add {
                name: "new".into(),
                entry: new_server(),
            })
            .unwrap_err()
            .to_string();
        assert!(
            add.contains(&format!("line 3 ({what}) holds no server")),
            "{add}"
        );
        assert_eq!(read(&s.path), text.as_bytes());
    }
    // The user deleted it: the merge goes through, and keeps x.
    let text = "{\n  \"mcpServers\": {\"x\": {\"command\": \"sh\"}},\n  \"mcpServers\": {}\n}\n";
    std::fs::write(&s.path, text).unwrap();
    s.file.apply(&Edit::MergeServers).unwrap();
    let doc = s.file.read().unwrap();
    assert_eq!(doc.servers.len(), 1);
    assert!(doc.duplicates.is_empty());
}

/// A server name written twice: Claude runs the last entry. Edits of that name are refused (they
/// would change or remove one copy and leave Claude running the other); other names edit as usual.
#[test]
fn a_server_name_written_twice_refuses_edits_of_that_name_and_only_that_name() {
    let s = scratch(None);
    std::fs::create_dir_all(s.path.parent().unwrap()).unwrap();
    let text = "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"first\"},\n    \"b\": {\"command\": \"sh\"},\n    \"a\": {\"command\": \"second\"}\n  }\n}\n";
    std::fs::write(&s.path, text).unwrap();
    let refused = [
        s.file.apply(&Edit::Remove { name: "a".into() }),
        s.file.apply(&Edit::Update {
            name: "a".into(),
            entry: new_server(),
        }),
        s.file.apply(&Edit::Rename {
            from: "a".into(),
            to: "c".into(),
        }),
        s.file.apply(&Edit::Rename {
            from: "b".into(),
            to: "a".into(),
        }),
        s.file.disable("a"),
        s.file.tap("a", Path::new("/opt/mcp-tray/mcp-tray")),
    ];
    for attempt in refused {
        let err = attempt.unwrap_err().to_string();
        for said in [
            "the server \"a\" is written twice in \"mcpServers\" (lines 3 and 5)",
            "uses only the last one (line 5)",
            "ignores the one on line 3",
            "Nothing was written",
        ] {
            assert!(err.contains(said), "{said:?} not in {err}");
        }
    }
    assert_eq!(read(&s.path), text.as_bytes());
    assert!(s.file.history().unwrap().is_empty());
    // Another name is edited with both copies of "a" kept byte for byte.
    s.file.apply(&Edit::Remove { name: "b".into() }).unwrap();
    assert_eq!(
        String::from_utf8(read(&s.path)).unwrap(),
        "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"first\"},\n    \"a\": {\"command\": \"second\"}\n  }\n}\n"
    );
    s.file
        .apply(&Edit::Add {
            name: "c".into(),
            entry: new_server(),
        })
        .unwrap();
    let doc = s.file.read().unwrap();
    assert_eq!(doc.server("a").unwrap().command.as_deref(), Some("second"));
    assert!(doc.server("c").is_some());
    s.file.undo(false, None).unwrap();
    s.file.undo(false, None).unwrap();
    assert_eq!(read(&s.path), text.as_bytes());
    // A server after the two copies is disabled and enabled back where it stood.
    let after = "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"first\"},\n    \"a\": {\"command\": \"second\"},\n    \"b\": {\"command\": \"sh\"}\n  }\n}\n";
    std::fs::write(&s.path, after).unwrap();
    s.file.disable("b").unwrap();
    s.file.enable("b").unwrap();
    assert_eq!(String::from_utf8(read(&s.path)).unwrap(), after);
}

#[test]
fn removing_an_entry_set_apart_by_blank_lines_leaves_one_gap_not_two() {
    let text = "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"},\n\n    \"b\": {\"command\": \"y\"},\n\n    \"c\": {\"command\": \"z\"}\n  }\n}\n";
    let cases = [
        // The first entry goes with the blank line after it.
        (
            "a",
            "{\n  \"mcpServers\": {\n    \"b\": {\"command\": \"y\"},\n\n    \"c\": {\"command\": \"z\"}\n  }\n}\n",
        ),
        // One of the middle: the gap before it stays, the one after goes.
        (
            "b",
            "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"},\n\n    \"c\": {\"command\": \"z\"}\n  }\n}\n",
        ),
        // The last: no blank line is left before the closing brace.
        (
            "c",
            "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"},\n\n    \"b\": {\"command\": \"y\"}\n  }\n}\n",
        ),
    ];
    for (name, expected) in cases {
        let s = scratch(None);
        std::fs::create_dir_all(s.path.parent().unwrap()).unwrap();
        std::fs::write(&s.path, text).unwrap();
        s.file
            .apply(&Edit::Remove {
                name: name.to_owned(),
            })
            .unwrap();
        assert_eq!(
            String::from_utf8(read(&s.path)).unwrap(),
            expected,
            "remove {name}"
        );
        // Disabled and enabled again, it comes back with its blank lines.
        std::fs::write(&s.path, text).unwrap();
        s.file.disable(name).unwrap();
        assert_eq!(
            String::from_utf8(read(&s.path)).unwrap(),
            expected,
            "disable {name}"
        );
        s.file.enable(name).unwrap();
        assert_eq!(
            String::from_utf8(read(&s.path)).unwrap(),
            text,
            "enable {name}"
        );
    }
}
