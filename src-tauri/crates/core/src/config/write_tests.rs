//! Whole edits on files as users write them: one-line files, `mcpServers` MCP Tray did not create,
//! a file deleted before an undo, entries with wrongly typed fields, names Claude would mix up.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;

struct Scratch {
    _dir: tempfile::TempDir,
    path: PathBuf,
    file: ConfigFile,
}

/// A config holding `text` (no file for `None`) and its own data dir.
fn scratch(text: Option<&str>) -> Scratch {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claude_desktop_config.json");
    if let Some(text) = text {
        fs::write(&path, text).unwrap();
    }
    let file = ConfigFile::new(&path, dir.path().join("home"));
    Scratch {
        _dir: dir,
        path,
        file,
    }
}

fn text(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

fn add(name: &str) -> Edit {
    Edit::Add {
        name: name.into(),
        entry: json!({"command": "echo", "args": ["hi"]}),
    }
}

fn remove(name: &str) -> Edit {
    Edit::Remove { name: name.into() }
}

#[test]
fn an_entry_added_to_a_one_line_file_stays_on_its_line_and_remove_gives_back_the_file() {
    // (the file, the file after `add new`)
    let cases = [
        (
            r#"{"mcpServers":{"a":{"command":"x"}}}"#,
            r#"{"mcpServers":{"a":{"command":"x"},"new":{"command":"echo","args":["hi"]}}}"#,
        ),
        (
            "{\"mcpServers\":{\"a\":{\"command\":\"x\"}}}\n",
            "{\"mcpServers\":{\"a\":{\"command\":\"x\"},\"new\":{\"command\":\"echo\",\"args\":[\"hi\"]}}}\n",
        ),
        (
            r#"{ "mcpServers": { "a": { "command": "x" } } }"#,
            r#"{ "mcpServers": { "a": { "command": "x" }, "new": { "command": "echo", "args": ["hi"] } } }"#,
        ),
        (
            r#"{"mcpServers": {"a": {"command": "x"}, "b": {"command": "y"}}}"#,
            r#"{"mcpServers": {"a": {"command": "x"}, "b": {"command": "y"}, "new": {"command": "echo", "args": ["hi"]}}}"#,
        ),
        // No `mcpServers` yet: it is created on the same line, and goes again with the entry.
        (
            r#"{"globalShortcut":""}"#,
            r#"{"globalShortcut":"","mcpServers":{"new":{"command":"echo","args":["hi"]}}}"#,
        ),
        (
            r#"{"mcpServers":{}}"#,
            r#"{"mcpServers":{"new":{"command":"echo","args":["hi"]}}}"#,
        ),
        (
            r#"{"mcpServers": {}, "globalShortcut": ""}"#,
            r#"{"mcpServers": {"new": {"command": "echo", "args": ["hi"]}}, "globalShortcut": ""}"#,
        ),
        // Only `mcpServers` is on one line.
        (
            "{\n  \"mcpServers\": {\"a\": {\"command\": \"x\"}}\n}\n",
            "{\n  \"mcpServers\": {\"a\": {\"command\": \"x\"}, \"new\": {\"command\": \"echo\", \"args\": [\"hi\"]}}\n}\n",
        ),
    ];
    for (before, added) in cases {
        let s = scratch(Some(before));
        s.file.apply(&add("new")).unwrap();
        assert_eq!(text(&s.path), added, "add to {before}");
        s.file.apply(&remove("new")).unwrap();
        assert_eq!(text(&s.path), before, "add then remove");
    }
}

#[test]
fn add_then_remove_gives_back_files_indented_with_tabs_or_four_spaces() {
    for before in [
        "{\n\t\"mcpServers\": {\n\t\t\"a\": {\n\t\t\t\"command\": \"x\"\n\t\t}\n\t}\n}\n",
        "{\n    \"mcpServers\": {\n        \"a\": {\n            \"command\": \"x\",\n            \"args\": [\"1\"]\n        }\n    }\n}",
        "{\n    \"globalShortcut\": \"\"\n}\n",
    ] {
        let s = scratch(Some(before));
        s.file.apply(&add("new")).unwrap();
        let added = text(&s.path);
        let indent = if before.contains('\t') { "\t" } else { "    " };
        assert!(
            added.contains(&format!("\n{indent}{indent}\"new\": {{\n")),
            "{added}"
        );
        s.file.apply(&remove("new")).unwrap();
        assert_eq!(text(&s.path), before);
    }
}

#[test]
fn disable_enable_tap_and_untap_keep_a_one_line_file_on_one_line() {
    for before in [
        r#"{"mcpServers":{"a":{"command":"x"},"b":{"command":"y","args":["1"]},"c":{"command":"z"}}}"#,
        r#"{ "mcpServers": { "a": { "command": "x" }, "b": { "command": "y" }, "c": { "command": "z" } } }"#,
        r#"{"mcpServers":{"a":{"command":"x"}}}"#,
    ] {
        let s = scratch(Some(before));
        for name in ["a", "b", "c"] {
            if s.file.read().unwrap().server(name).is_none() {
                continue;
            }
            s.file.disable(name).unwrap();
            assert!(!text(&s.path).contains('\n'), "{}", text(&s.path));
            s.file.enable(name).unwrap();
            assert_eq!(text(&s.path), before, "disable then enable {name}");
            s.file.tap(name, Path::new("/opt/mcp-tray")).unwrap();
            assert!(!text(&s.path).contains('\n'), "{}", text(&s.path));
            s.file.untap(name).unwrap();
            assert_eq!(text(&s.path), before, "tap then untap {name}");
            s.file
                .apply(&Edit::Rename {
                    from: name.into(),
                    to: "renamed".into(),
                })
                .unwrap();
            s.file
                .apply(&Edit::Rename {
                    from: "renamed".into(),
                    to: name.into(),
                })
                .unwrap();
            assert_eq!(text(&s.path), before, "rename and back {name}");
        }
    }
}

#[test]
fn mcp_servers_written_by_the_user_after_mcp_tray_created_one_is_never_deleted() {
    let s = scratch(None);
    s.file.apply(&add("a")).unwrap();
    // The user replaces the file MCP Tray created with one of their own.
    let theirs = "{\"mcpServers\": {\"mine\": {\"command\": \"m\"}}, \"other\": 1}\n";
    fs::write(&s.path, theirs).unwrap();
    s.file.disable("mine").unwrap();
    assert_eq!(text(&s.path), "{\"mcpServers\": {}, \"other\": 1}\n");
    s.file.enable("mine").unwrap();
    assert_eq!(text(&s.path), theirs);
    s.file.apply(&remove("mine")).unwrap();
    assert_eq!(text(&s.path), "{\"mcpServers\": {}, \"other\": 1}\n");
}

#[test]
fn an_empty_mcp_servers_the_user_wrote_stays_when_its_last_entry_goes() {
    for before in [
        "{\"mcpServers\": {}}\n",
        "{\n  \"mcpServers\": {}\n}\n",
        "{\n  \"mcpServers\": {\n    \"u\": {\"command\": \"u\"}\n  }\n}\n",
    ] {
        let s = scratch(Some(before));
        s.file.apply(&add("a")).unwrap();
        let added = text(&s.path);
        for name in ["u", "a"] {
            if s.file.read().unwrap().server(name).is_some() {
                s.file.disable(name).unwrap();
            }
        }
        let all_disabled = text(&s.path);
        assert!(
            ConfigDocument::parse(&s.path, all_disabled.as_bytes(), false)
                .unwrap()
                .has_servers_object,
            "{before} => {all_disabled}"
        );
        s.file.enable("a").unwrap();
        if before.contains("\"u\"") {
            s.file.enable("u").unwrap();
        }
        assert_eq!(text(&s.path), added, "{before}");
    }
}

#[test]
fn the_mcp_servers_mcp_tray_created_goes_with_its_last_entry_and_comes_back_with_it() {
    for before in [None, Some("{}"), Some("{\n  \"globalShortcut\": \"\"\n}\n")] {
        let s = scratch(before);
        s.file.apply(&add("a")).unwrap();
        let added = text(&s.path);
        s.file.disable("a").unwrap();
        s.file.enable("a").unwrap();
        assert_eq!(text(&s.path), added, "{before:?}");
        s.file.apply(&remove("a")).unwrap();
        if let Some(before) = before {
            assert_eq!(text(&s.path), before);
        }
    }
}

#[test]
fn undo_after_the_file_was_deleted_says_so_and_force_writes_back_the_file_before_the_edit() {
    let before = "{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}\n";
    let s = scratch(Some(before));
    s.file.disable("a").unwrap();
    fs::remove_file(&s.path).unwrap();
    let err = s.file.undo(false, None).unwrap_err();
    assert!(matches!(err, ConfigError::ChangedSince(_)), "{err}");
    let said = err.to_string();
    assert!(
        said.contains("deleted or moved away") && said.contains("--force"),
        "{said}"
    );
    assert!(!s.path.exists(), "nothing was written");
    assert_eq!(s.file.disabled().unwrap().len(), 1, "a stays disabled");
    let (entry, _) = s.file.undo(true, None).unwrap();
    assert_eq!(entry.op, "disable a");
    assert_eq!(text(&s.path), before);
    assert!(
        s.file.disabled().unwrap().is_empty(),
        "a is back in the file"
    );
    // The undo is itself undone like any other edit: the file goes again.
    let newest = &s.file.history().unwrap()[0];
    assert!(!newest.existed && newest.op == "undo disable a");
}

#[test]
fn undo_of_the_edit_that_created_a_file_deleted_since_needs_no_force() {
    let s = scratch(None);
    s.file.apply(&add("a")).unwrap();
    fs::remove_file(&s.path).unwrap();
    let (entry, _) = s.file.undo(false, None).unwrap();
    assert_eq!(entry.op, "add a");
    assert!(!s.path.exists());
    assert!(s.file.history().unwrap().iter().any(|h| h.undone));
    // A disabled entry the undone edit had put back in the file returns to the store.
    let s = scratch(Some("{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}"));
    s.file.disable("a").unwrap();
    fs::remove_file(&s.path).unwrap();
    s.file.enable("a").unwrap();
    fs::remove_file(&s.path).unwrap();
    let (entry, _) = s.file.undo(false, None).unwrap();
    assert_eq!(entry.op, "enable a");
    assert_eq!(s.file.disabled().unwrap().len(), 1, "a is kept again");
    assert!(!s.path.exists());
}

#[test]
fn edits_of_other_servers_leave_wrongly_typed_entries_byte_for_byte() {
    let bad = [
        ("s", r#"{"command": "x", "args": "a b"}"#),
        ("n", r#"{"command": "x", "args": [1, true]}"#),
        ("e", r#"{"command": "x", "env": ["A=1"]}"#),
        ("v", r#"{"command": "x", "env": {"A": 1}}"#),
        ("c", r#"{"command": 5}"#),
    ];
    let mut before = String::from("{\n  \"mcpServers\": {\n    \"ok\": {\"command\": \"y\"}");
    for (name, raw) in bad {
        before.push_str(&format!(",\n    \"{name}\": {raw}"));
    }
    before.push_str("\n  }\n}\n");
    let s = scratch(Some(&before));
    let kept = |s: &Scratch| {
        let doc = s.file.read().unwrap();
        for (name, raw) in bad {
            let entry = doc.server(name).unwrap_or_else(|| panic!("{name} lost"));
            assert_eq!(entry.raw, raw, "{name}");
            assert_eq!(entry.kind.label(), "invalid", "{name}");
        }
    };
    s.file.apply(&add("new")).unwrap();
    kept(&s);
    s.file.tap("ok", Path::new("/opt/mcp-tray")).unwrap();
    kept(&s);
    s.file.untap("ok").unwrap();
    s.file.disable("ok").unwrap();
    kept(&s);
    s.file.enable("ok").unwrap();
    s.file
        .apply(&Edit::Rename {
            from: "ok".into(),
            to: "fine".into(),
        })
        .unwrap();
    kept(&s);
    s.file.apply(&remove("new")).unwrap();
    s.file
        .apply(&Edit::Rename {
            from: "fine".into(),
            to: "ok".into(),
        })
        .unwrap();
    assert_eq!(text(&s.path), before);
    // They are disabled and enabled as they are, and never tapped (the tap would lose them).
    for (name, _) in bad {
        s.file.disable(name).unwrap();
        s.file.enable(name).unwrap();
        assert!(s.file.tap(name, Path::new("/opt/mcp-tray")).is_err());
    }
    assert_eq!(text(&s.path), before);
}

#[test]
fn names_with_control_characters_are_refused() {
    let before = "{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}\n";
    let s = scratch(Some(before));
    for bad in [
        "a\nb",
        "a\u{0}",
        "tab\there",
        "\u{1b}[31mred",
        "del\u{7f}",
        "c1\u{85}",
    ] {
        let err = s.file.apply(&add(bad)).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid(_)), "{bad:?}: {err}");
        assert!(err.to_string().contains("control character"), "{err}");
        let err = s
            .file
            .apply(&Edit::Rename {
                from: "a".into(),
                to: bad.into(),
            })
            .unwrap_err();
        assert!(err.to_string().contains("control character"), "{err}");
    }
    assert_eq!(text(&s.path), before);
}

#[test]
fn a_name_that_looks_the_same_as_another_servers_is_refused() {
    // "café" with é as one letter, and with e and a combining accent: the same on screen, and
    // one log file on macOS.
    let before = "{\"mcpServers\": {\"caf\u{e9}\": {\"command\": \"x\"}}}\n";
    let s = scratch(Some(before));
    let err = s.file.apply(&add("cafe\u{301}")).unwrap_err().to_string();
    assert!(
        err.contains("only in how an accented letter is encoded (they look the same)")
            && err.contains("one file on macOS."),
        "{err}"
    );
    let err = s.file.apply(&add("CAFE\u{301}")).unwrap_err().to_string();
    assert!(
        err.contains("only in case and in how an accented letter is encoded"),
        "{err}"
    );
    assert_eq!(text(&s.path), before);
}

#[test]
fn a_name_that_differs_only_in_case_from_another_server_is_refused() {
    let before =
        "{\"mcpServers\": {\"files\": {\"command\": \"x\"}, \"git\": {\"command\": \"g\"}}}\n";
    let s = scratch(Some(before));
    for edit in [
        add("Files"),
        add("FILES"),
        Edit::Rename {
            from: "git".into(),
            to: "Files".into(),
        },
    ] {
        let err = s.file.apply(&edit).unwrap_err().to_string();
        assert!(
            err.contains("\"files\"") && err.contains("only in case"),
            "{edit:?}: {err}"
        );
    }
    assert_eq!(text(&s.path), before);
    // A disabled server's name is taken in any case too.
    s.file.disable("files").unwrap();
    let err = s.file.apply(&add("Files")).unwrap_err().to_string();
    assert!(err.contains("\"files\""), "{err}");
    s.file.enable("files").unwrap();
    // A server renamed to its own name in another case is the same server.
    s.file
        .apply(&Edit::Rename {
            from: "files".into(),
            to: "Files".into(),
        })
        .unwrap();
    assert!(s.file.read().unwrap().server("Files").is_some());
    // A file that holds both already is the user's: its other edits go on.
    let both =
        "{\"mcpServers\": {\"files\": {\"command\": \"x\"}, \"Files\": {\"command\": \"y\"}}}";
    let s = scratch(Some(both));
    s.file.apply(&add("new")).unwrap();
    s.file.disable("Files").unwrap();
    s.file.enable("Files").unwrap();
    s.file.apply(&remove("new")).unwrap();
    assert_eq!(text(&s.path), both);
}

#[test]
fn undo_behind_a_damaged_record_says_the_record_is_damaged_not_that_the_file_changed() {
    let before = "{\"mcpServers\": {}}\n";
    let s = scratch(Some(before));
    s.file.apply(&add("a")).unwrap();
    let after_a = text(&s.path);
    s.file.apply(&add("b")).unwrap();
    let after_b = text(&s.path);
    let newest = s.file.history().unwrap()[0].clone();
    assert_eq!(newest.op, "add b");
    let meta = newest
        .file
        .with_file_name(format!("{:06}.meta.json", newest.id));
    fs::write(&meta, "garbage{").unwrap();

    let err = s.file.undo(false, None).unwrap_err();
    let said = err.to_string();
    assert!(
        said.contains(&format!("(history ID {}) is damaged", newest.id))
            && !said.contains("the file changed after"),
        "{said}"
    );
    assert!(said.contains(&newest.file.display().to_string()), "{said}");
    assert_eq!(text(&s.path), after_b, "nothing was written");
    // Not with --force either: what it would undo is not the last edit.
    assert!(s.file.undo(true, None).is_err());
    assert_eq!(text(&s.path), after_b);
    assert_ne!(after_a, after_b);
}

#[test]
fn a_file_filled_from_empty_ends_with_a_newline_as_a_created_one_does() {
    let created = scratch(None);
    created.file.apply(&add("new")).unwrap();
    let expected = text(&created.path);
    assert!(expected.ends_with("}\n"), "{expected:?}");
    for empty in ["", "\n", " \r\n\t"] {
        let s = scratch(Some(empty));
        s.file.apply(&add("new")).unwrap();
        assert_eq!(text(&s.path), expected, "{empty:?}");
        // Several edits at once too.
        let s = scratch(Some(empty));
        s.file
            .apply_all("add two", &[add("new"), add("other")])
            .unwrap();
        assert!(text(&s.path).ends_with("}\n"), "{empty:?}");
    }
    // A file that holds something keeps its own ending.
    let s = scratch(Some("{}"));
    s.file.apply(&add("new")).unwrap();
    assert!(text(&s.path).ends_with('}'), "{}", text(&s.path));
}

#[test]
fn a_file_deleted_by_another_program_is_put_back_by_undo_byte_for_byte() {
    let original =
        "{\r\n  \"mcpServers\": {\"a\": {\"command\": \"x\"}},\r\n  \"theme\": \"dark\"\r\n}";
    let s = scratch(Some(original));
    s.file.apply(&add("b")).unwrap();
    let seen = fs::read(&s.path).unwrap();
    // Nothing to record while the file is there.
    assert_eq!(s.file.record_deleted_outside(&seen).unwrap(), None);
    assert!(s.file.deleted_outside().unwrap().is_none());

    fs::remove_file(&s.path).unwrap();
    let id = s
        .file
        .record_deleted_outside(&seen)
        .unwrap()
        .expect("recorded");
    // Said once, however many watchers saw it go.
    assert_eq!(s.file.record_deleted_outside(&seen).unwrap(), None);
    let deleted = s.file.deleted_outside().unwrap().expect("offered");
    assert_eq!(deleted.id, id);
    assert_eq!(deleted.op, DELETED_OUTSIDE);
    assert_eq!(s.file.history().unwrap().len(), 2);

    let (undone, _) = s.file.undo(false, Some(id)).unwrap();
    assert_eq!(undone.op, DELETED_OUTSIDE);
    assert_eq!(fs::read(&s.path).unwrap(), seen);
    assert!(s.file.deleted_outside().unwrap().is_none());
    // The edit before it is the next undo, as if nothing had happened in between.
    s.file.undo(false, None).unwrap();
    assert_eq!(text(&s.path), original);
}

#[test]
fn a_file_another_program_emptied_of_servers_is_put_back_by_undo_and_mcp_trays_own_is_not() {
    let original =
        "{\n  \"mcpServers\": {\"a\": {\"command\": \"x\"}, \"b\": {\"command\": \"y\"}}\n}";
    let s = scratch(Some(original));
    let seen = fs::read(&s.path).unwrap();
    // Another program writes `{}` over it.
    fs::write(&s.path, "{}").unwrap();
    assert_eq!(
        s.file.record_emptied_outside(b"{}", b"{}").unwrap(),
        None,
        "nothing held a server before"
    );
    let id = s
        .file
        .record_emptied_outside(&seen, b"{}")
        .unwrap()
        .expect("recorded");
    // Said once, however many watchers saw it.
    assert_eq!(s.file.record_emptied_outside(&seen, b"{}").unwrap(), None);
    let emptied = s.file.emptied_outside().unwrap().expect("offered");
    assert_eq!((emptied.id, emptied.op.as_str()), (id, EMPTIED_OUTSIDE));
    let (undone, _) = s.file.undo(false, Some(id)).unwrap();
    assert_eq!(undone.op, EMPTIED_OUTSIDE);
    assert_eq!(text(&s.path), original, "put back byte for byte");
    assert!(s.file.emptied_outside().unwrap().is_none());

    // Changed again since: no longer offered (undo would refuse it anyway).
    fs::write(&s.path, "{\"mcpServers\": {}}").unwrap();
    let id = s
        .file
        .record_emptied_outside(original.as_bytes(), b"{\"mcpServers\": {}}")
        .unwrap()
        .expect("recorded");
    fs::write(&s.path, "{\"mcpServers\": {}, \"theme\": 1}").unwrap();
    assert!(s.file.emptied_outside().unwrap().is_none());
    assert!(s.file.undo(false, Some(id)).is_err());

    // The last servers removed through MCP Tray: its own change, with its own undo.
    let s = scratch(Some("{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}"));
    let seen = fs::read(&s.path).unwrap();
    s.file.apply(&remove("a")).unwrap();
    let now = fs::read(&s.path).unwrap();
    assert_eq!(s.file.record_emptied_outside(&seen, &now).unwrap(), None);
    assert!(s.file.emptied_outside().unwrap().is_none());
}

#[test]
fn a_file_mcp_tray_removed_itself_or_written_again_is_not_a_deletion_to_put_back() {
    // Undo of the edit that made the file removes it: MCP Tray's own doing.
    let s = scratch(None);
    s.file.apply(&add("a")).unwrap();
    let seen = fs::read(&s.path).unwrap();
    s.file.undo(false, None).unwrap();
    assert!(!s.path.exists());
    assert_eq!(s.file.record_deleted_outside(&seen).unwrap(), None);
    assert!(s.file.deleted_outside().unwrap().is_none());

    // Recorded, then another program writes the file again: nothing to put back.
    let s = scratch(Some(r#"{"mcpServers": {}}"#));
    fs::remove_file(&s.path).unwrap();
    s.file
        .record_deleted_outside(br#"{"mcpServers": {}}"#)
        .unwrap()
        .expect("recorded");
    fs::write(&s.path, "{}").unwrap();
    assert!(s.file.deleted_outside().unwrap().is_none());
    // And undo refuses to throw the new file away.
    assert!(s.file.undo(false, None).is_err());
    assert_eq!(text(&s.path), "{}");
}

#[test]
fn a_file_made_again_outside_and_deleted_again_is_put_back_as_it_was_last() {
    let first = r#"{"mcpServers": {"old": {"command": "x"}}}"#;
    let newer = r#"{"mcpServers": {"newer": {"command": "y"}}}"#;
    let s = scratch(Some(first));
    fs::remove_file(&s.path).unwrap();
    s.file
        .record_deleted_outside(first.as_bytes())
        .unwrap()
        .expect("recorded");
    fs::write(&s.path, newer).unwrap();
    fs::remove_file(&s.path).unwrap();
    let id = s
        .file
        .record_deleted_outside(newer.as_bytes())
        .unwrap()
        .expect("the second deletion is recorded too");
    assert_eq!(s.file.deleted_outside().unwrap().map(|h| h.id), Some(id));
    s.file.undo(false, Some(id)).unwrap();
    assert_eq!(text(&s.path), newer);
}

#[test]
fn the_byte_order_mark_is_removed_alone_and_undo_puts_it_back() {
    let plain = "{\r\n  \"mcpServers\": {\"a\": {\"command\": \"x\"}}\r\n}\r\n";
    let with_mark = format!("\u{feff}{plain}");
    let s = scratch(Some(&with_mark));
    assert!(matches!(
        s.file.read(),
        Err(ConfigError::ByteOrderMark { .. })
    ));
    let out = s.file.remove_bom().unwrap();
    assert_eq!(out.description, REMOVE_BOM);
    assert_eq!(text(&s.path), plain);
    assert_eq!(s.file.read().unwrap().servers.len(), 1);
    // Nothing left to remove: refused, nothing written.
    assert!(s.file.remove_bom().is_err());
    assert_eq!(s.file.history().unwrap().len(), 1);
    s.file.undo(false, None).unwrap();
    assert_eq!(text(&s.path), with_mark);

    // A file that is not JSON after its mark is left as it is.
    let s = scratch(Some("\u{feff}{\"mcpServers\": "));
    assert!(matches!(
        s.file.remove_bom(),
        Err(ConfigError::Parse { .. })
    ));
    assert_eq!(text(&s.path), "\u{feff}{\"mcpServers\": ");
}

#[test]
fn a_utf16_file_is_said_so_converted_to_utf8_as_it_reads_and_undo_puts_it_back() {
    // As Windows PowerShell 5's `echo '…' > claude_desktop_config.json` writes it.
    let plain = "{\r\n  \"mcpServers\": {\"café\": {\"command\": \"x\"}}\r\n}\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(plain.encode_utf16().flat_map(u16::to_le_bytes));
    let s = scratch(None);
    fs::write(&s.path, &utf16).unwrap();
    let err = s.file.read().expect_err("UTF-16");
    assert!(matches!(err, ConfigError::Utf16 { .. }), "{err}");
    assert!(err.to_string().contains("UTF-16"), "{err}");
    // An edit is refused, and writes nothing.
    assert!(s.file.apply(&add("b")).is_err());
    assert_eq!(fs::read(&s.path).unwrap(), utf16);

    let out = s.file.convert_to_utf8().unwrap();
    assert_eq!(out.description, TO_UTF8);
    assert_eq!(text(&s.path), plain);
    assert_eq!(s.file.read().unwrap().servers[0].name, "café");
    // Nothing left to convert: refused, nothing written.
    let again = s.file.convert_to_utf8().expect_err("UTF-8 now");
    assert!(
        again.to_string().contains("is not saved as UTF-16"),
        "{again}"
    );
    assert_eq!(s.file.history().unwrap().len(), 1);
    s.file.undo(false, None).unwrap();
    assert_eq!(fs::read(&s.path).unwrap(), utf16);

    // UTF-16 that would not be JSON once converted is left as it is, with where it breaks.
    let s = scratch(None);
    let broken: Vec<u8> = "{\"mcpServers\": {,}}"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    fs::write(&s.path, &broken).unwrap();
    let refused = s.file.convert_to_utf8().expect_err("not JSON");
    assert!(refused.to_string().contains("line 1, column"), "{refused}");
    assert_eq!(fs::read(&s.path).unwrap(), broken);
}

#[test]
fn single_backslashes_of_windows_paths_are_written_twice_in_one_write_that_undo_takes_back() {
    // As typed by hand on Windows: `\P` is no escape JSON knows.
    let typed = "{\r\n\t\"mcpServers\": {\"node\": {\"command\": \"C:\\Program Files\\nodejs\\node.exe\", \"args\": [\"a\\nb\"]}}\r\n}";
    let mended = "{\r\n\t\"mcpServers\": {\"node\": {\"command\": \"C:\\\\Program Files\\\\nodejs\\\\node.exe\", \"args\": [\"a\\nb\"]}}\r\n}";
    let s = scratch(Some(typed));
    let err = s.file.read().expect_err("not JSON");
    assert!(
        matches!(
            err,
            ConfigError::Parse {
                invalid_escape: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(s.file.fails_at_a_backslash() && s.file.can_double_backslashes());
    // An edit is refused, and writes nothing.
    assert!(s.file.apply(&add("b")).is_err());
    assert_eq!(text(&s.path), typed);

    let out = s.file.double_backslashes().unwrap();
    assert_eq!(out.description, DOUBLE_BACKSLASHES);
    assert_eq!(text(&s.path), mended);
    assert_eq!(
        s.file.read().unwrap().servers[0].command.as_deref(),
        Some("C:\\Program Files\\nodejs\\node.exe")
    );
    assert!(!s.file.fails_at_a_backslash() && !s.file.can_double_backslashes());
    // Nothing left to double: refused, nothing written.
    let again = s.file.double_backslashes().expect_err("JSON now");
    assert!(
        again.to_string().contains("reads as JSON already"),
        "{again}"
    );
    assert_eq!(s.file.history().unwrap().len(), 1);
    s.file.undo(false, None).unwrap();
    assert_eq!(text(&s.path), typed);

    // A file that would still not be JSON is left as it is, with where it breaks.
    let broken = "{\"mcpServers\": {\"a\": {\"command\": \"C:\\x\",}}}";
    let s = scratch(Some(broken));
    // Not said to fail at a backslash (nothing offers the repair), and refused when asked.
    assert!(!s.file.fails_at_a_backslash() && !s.file.can_double_backslashes());
    let err = s.file.read().expect_err("not JSON");
    assert!(
        matches!(
            err,
            ConfigError::Parse {
                invalid_escape: false,
                ..
            }
        ) && !err.to_string().contains("doctor --fix"),
        "{err}"
    );
    let refused = s.file.double_backslashes().expect_err("not JSON");
    assert!(refused.to_string().contains("line 1, column"), "{refused}");
    assert_eq!(text(&s.path), broken);
    assert!(s.file.history().unwrap().is_empty());
}

#[test]
fn a_file_broken_by_hand_after_an_edit_is_undone_with_force_and_kept_in_the_history() {
    let original = r#"{"mcpServers": {"a": {"command": "x"}}}"#;
    let s = scratch(Some(original));
    s.file.apply(&add("b")).unwrap();
    let broken = r#"{"mcpServers": {"a": {"command": "x",, }}"#;
    fs::write(&s.path, broken).unwrap();
    // Said as a change made after the edit, not as a JSON error the user cannot get past.
    let refused = s.file.undo(false, None).expect_err("changed since");
    assert!(matches!(refused, ConfigError::ChangedSince(_)), "{refused}");
    assert_eq!(text(&s.path), broken);
    let (undone, _) = s.file.undo(true, None).unwrap();
    assert_eq!(undone.op, "add b");
    assert_eq!(text(&s.path), original);
    // The broken file is the backup of the undo: nothing of the user's is lost.
    let newest = &s.file.history().unwrap()[0];
    assert!(newest.op.starts_with("undo "), "{}", newest.op);
    assert_eq!(text(&newest.file), broken);
}

#[test]
fn a_disabled_server_is_listed_where_enabling_it_puts_it_back() {
    let s = scratch(Some(
        r#"{"mcpServers": {"a": {"command": "x"}, "b": {"command": "x"}, "c": {"command": "x"}, "d": {"command": "x"}}}"#,
    ));
    let listed = |file: &ConfigFile| -> Vec<String> {
        let names = file
            .read()
            .unwrap()
            .servers
            .iter()
            .map(|e| e.name.clone())
            .collect();
        super::super::store::in_place(names, &file.disabled().unwrap(), |d| {
            format!("{} (disabled)", d.name)
        })
    };
    s.file.disable("b").unwrap();
    s.file.disable("d").unwrap();
    assert_eq!(listed(&s.file), ["a", "b (disabled)", "c", "d (disabled)"]);
    s.file.disable("a").unwrap();
    assert_eq!(
        listed(&s.file),
        ["a (disabled)", "b (disabled)", "c", "d (disabled)"]
    );
    // Enabled in another order, each comes back where the list showed it.
    s.file.enable("d").unwrap();
    assert_eq!(listed(&s.file), ["a (disabled)", "b (disabled)", "c", "d"]);
    s.file.enable("b").unwrap();
    assert_eq!(listed(&s.file), ["a (disabled)", "b", "c", "d"]);
    s.file.enable("a").unwrap();
    assert_eq!(listed(&s.file), ["a", "b", "c", "d"]);
    // A file edited meanwhile: the place is where enable would put it (past the end: the end).
    s.file.disable("d").unwrap();
    s.file.apply(&remove("c")).unwrap();
    assert_eq!(listed(&s.file), ["a", "b", "d (disabled)"]);
    s.file.enable("d").unwrap();
    assert_eq!(listed(&s.file), ["a", "b", "d"]);
}

/// Makes `dir` immutable (`chattr +i`: no file may be created in it, not even by root) for the
/// guard's life; `None` where that cannot be done (another file system, no chattr).
#[cfg(target_os = "linux")]
struct Immutable(PathBuf);

#[cfg(target_os = "linux")]
impl Immutable {
    fn set(dir: &Path) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(dir.to_path_buf()))
    }
}

#[cfg(target_os = "linux")]
impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_folder_that_may_not_be_written_in_is_named_not_the_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("Claude");
    fs::create_dir(&dir).unwrap();
    let path = dir.join("claude_desktop_config.json");
    fs::write(&path, r#"{"mcpServers": {"a": {"command": "x"}}}"#).unwrap();
    let file = ConfigFile::new(&path, tmp.path().join("home"));
    let before = text(&path);
    let Some(_guard) = Immutable::set(&dir) else {
        eprintln!("skipped: chattr +i is not available here");
        return;
    };
    let err = file
        .apply(&add("b"))
        .expect_err("a folder nothing may be written in");
    let said = err.to_string();
    assert!(
        said.contains(&format!(
            "the folder {} may not be written in",
            dir.display()
        )),
        "{said}"
    );
    assert!(
        !said.contains(".mcp-tray-") && !said.contains("os error"),
        "{said}"
    );
    drop(_guard);
    assert_eq!(text(&path), before);
    // Nothing of the failed edit is left in the history: undo has nothing of it to take back.
    assert!(file.history().unwrap().iter().all(|h| h.op != "add b"));
}

#[test]
fn an_edit_waits_for_a_file_another_program_has_just_emptied_to_save_it() {
    // Claude Desktop and many editors save by emptying the file, then writing it: an edit in
    // between must not take the empty file for "no servers".
    let full = "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"},\n    \"b\": {\"command\": \"y\"}\n  }\n}\n";
    let s = scratch(Some(full));
    let mut saving = fs::File::create(&s.path).unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        use std::io::Write as _;
        saving.write_all(full.as_bytes()).unwrap();
    });
    s.file.apply(&add("new")).unwrap();
    writer.join().unwrap();
    let doc = s.file.read().unwrap();
    let names: Vec<&str> = doc.servers.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "new"], "{}", text(&s.path));
    // An empty file that stays empty is still filled, as before.
    let s = scratch(Some(""));
    s.file.apply(&add("new")).unwrap();
    assert!(s.file.read().unwrap().server("new").is_some());
}

#[cfg(unix)]
#[test]
fn an_edit_keeps_the_files_owner() {
    use std::os::unix::fs::MetadataExt;
    let s = scratch(Some("{\"mcpServers\": {}}\n"));
    // A new file is its maker's: root's when the test runs as root.
    if fs::metadata(&s.path).unwrap().uid() != 0 {
        eprintln!("skipped: only root can give a file to another user");
        return;
    }
    std::os::unix::fs::chown(&s.path, Some(65534), Some(65534)).unwrap();
    s.file.apply(&add("new")).unwrap();
    let meta = fs::metadata(&s.path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert!(s.file.read().unwrap().server("new").is_some());
}

/// A store that cannot be saved (a full disk) stops a disable or a tap before the file is
/// written: the entry stays in the file. (It used to leave the file first, then be lost with the
/// store's failed save, but for the history backup.)
#[test]
fn a_store_that_cannot_be_saved_stops_a_disable_or_a_tap_with_the_entry_still_in_the_file() {
    let before =
        "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\",   \"args\": [\"1\"]}\n  }\n}\n";
    let s = scratch(Some(before));
    super::store::FAIL_SAVES.set(true);
    let disabled = s.file.disable("a");
    let tapped = s.file.tap("a", Path::new("/opt/mcp-tray"));
    super::store::FAIL_SAVES.set(false);
    let err = disabled.expect_err("the store could not be saved");
    assert!(err.to_string().contains("no space left"), "{err}");
    assert!(tapped.is_err(), "the tap too");
    assert_eq!(text(&s.path), before, "the entry is still in the file");
    assert!(s.file.disabled().unwrap().is_empty());
    // Nothing was written, so there is nothing to undo.
    assert!(s.file.history().unwrap().is_empty());
    // Once the store can be saved, the same edits go through and come back byte for byte.
    s.file.disable("a").unwrap();
    s.file.enable("a").unwrap();
    assert_eq!(text(&s.path), before);
}

/// The Edit form renames a tapped server with its other changes, as one write (`apply_all`): the
/// kept original follows the new name, so that untap gives back its exact text, and no copy stays
/// under the old name.
#[test]
fn a_tapped_server_renamed_among_other_edits_is_untapped_to_its_exact_text() {
    let before =
        "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\",   \"args\": [\"1\"]}\n  }\n}\n";
    let s = scratch(Some(before));
    s.file.tap("a", Path::new("/opt/mcp-tray")).unwrap();
    s.file
        .apply_all(
            "edit a",
            &[
                Edit::Rename {
                    from: "a".into(),
                    to: "b".into(),
                },
                Edit::Rename {
                    from: "b".into(),
                    to: "c".into(),
                },
            ],
        )
        .unwrap();
    s.file.untap("c").unwrap();
    assert_eq!(text(&s.path), before.replace("\"a\"", "\"c\""));
    let state = super::store::load(&s.file.store_path()).unwrap();
    assert!(state.tapped.is_empty(), "{:?}", state.tapped);
}

/// An edit made of a server's entry (a form's whole-entry update) is made of the entry as the
/// file holds it at the write: a field another program changed meanwhile, which the edit does
/// not touch, is kept (it was written back as it was read).
#[test]
fn an_entry_edit_keeps_a_field_another_program_changed_meanwhile() {
    use crate::config::EntryChange;
    use crate::config::change::edits_for;
    let before = "{\"mcpServers\": {\"a\": {\"command\": \"x\", \"env\": {\"LEVEL\": \"1\"}}}}\n";
    let s = scratch(Some(before));
    let calls = std::cell::Cell::new(0);
    let change = EntryChange {
        command: Some("y".into()),
        ..EntryChange::default()
    };
    s.file
        .edit_entry("edit a", "a", |entry| {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                // Claude Desktop (or an editor) saves the file between our read and our write.
                fs::write(
                    &s.path,
                    "{\"mcpServers\": {\"a\": {\"command\": \"x\", \"env\": {\"LEVEL\": \"2\"}}}}\n",
                )
                .unwrap();
            }
            edits_for(entry, &change)
        })
        .unwrap();
    assert_eq!(calls.get(), 2, "made again of the new entry");
    let doc = s.file.read().unwrap();
    let a = doc.server("a").unwrap();
    assert_eq!(a.command.as_deref(), Some("y"));
    assert_eq!(a.value["env"]["LEVEL"], "2", "{}", a.raw);
    // The caller's own refusal comes back as it is, and nothing is written.
    let refused: Result<_, ConfigError> = s.file.edit_entry("edit a", "a", |_| {
        Err(ConfigError::Invalid("the form says no".into()))
    });
    assert_eq!(refused.unwrap_err().to_string(), "the form says no");
    assert!(
        s.file
            .edit_entry("edit b", "b", |_| Ok::<_, ConfigError>(vec![]))
            .is_err()
    );
}

/// Two undos at once (a window and the CLI) both pick the newest edit before either takes the
/// lock: the second finds it undone, says so and writes nothing, rather than writing the same
/// bytes again as a second undo of one edit.
#[test]
fn an_undo_that_picked_an_edit_undone_meanwhile_writes_nothing() {
    let s = scratch(Some("{\"mcpServers\": {}}\n"));
    s.file.apply(&add("a")).unwrap();
    s.file.apply(&add("b")).unwrap();
    let other = ConfigFile::new(&s.path, s._dir.path().join("home"));
    BEFORE_UNDO_WRITES.set(Some(Box::new(move || {
        let (undone, _) = other.undo(false, None).expect("the other undo");
        assert_eq!(undone.op, "add b");
    })));
    let err = s.file.undo(false, None).unwrap_err();
    assert!(matches!(err, ConfigError::ChangedSince(_)), "{err}");
    assert!(err.to_string().contains("undone meanwhile"), "{err}");
    let undos: Vec<String> = s
        .file
        .history()
        .unwrap()
        .into_iter()
        .filter(|h| h.op.starts_with(UNDO_PREFIX))
        .map(|h| h.op)
        .collect();
    assert_eq!(undos, ["undo add b"], "one undo of the edit");
    let doc = ConfigDocument::parse(&s.path, text(&s.path).as_bytes(), true).unwrap();
    assert_eq!(doc.servers.len(), 1, "a is still in the file");
}
