//! MCP Tray's own settings (`<data dir>/settings.json`): journal redaction and retention (the
//! shims read it when they start), and the servers the app keeps running itself. The CLI and the
//! app read and write the same file, so they agree.
//!
//! Reading never fails: a missing or broken file gives the defaults (a broken settings file must
//! never stop a shim from forwarding), and values outside their bounds are brought inside them.
//! Writing checks the bounds, keeps keys it does not know, and replaces the file atomically. This
//! module must never hold anything secret: the file is plain text in the data dir.

use std::io::Write;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::journal::JournalConfig;

/// Sizes a journal file may rotate at: 64 KiB to 1 GiB.
pub const FILE_BYTES: RangeInclusive<u64> = 64 * 1024..=1024 * 1024 * 1024;
/// Rotated files a journal may keep besides the live one.
pub const FILES_KEPT: RangeInclusive<u32> = 0..=20;
/// Sizes past which a message is cut in the journal: 1 KiB to 16 MiB.
pub const MESSAGE_BYTES: RangeInclusive<u32> = 1024..=16 * 1024 * 1024;

/// Everything in the settings file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// Mask secret-looking values in the journals (`crate::redact`). On unless turned off.
    pub redact: bool,
    /// How much traffic each server's journal keeps.
    pub journal: Retention,
    /// Servers (config entry names) the app runs itself to watch their health, started again
    /// when it starts. Absent from the file while empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keep_running: Vec<String>,
    /// Keys this version does not know, kept as they were when the file is written.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// How much traffic each server's journal keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Retention {
    /// Size at which a journal file rotates.
    pub file_bytes: u64,
    /// Rotated files kept besides the live one.
    pub files_kept: u32,
    /// Messages longer than this are cut in the journal.
    pub message_bytes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            redact: true,
            journal: Retention::default(),
            keep_running: Vec::new(),
            other: serde_json::Map::new(),
        }
    }
}

impl Default for Retention {
    fn default() -> Self {
        let defaults = JournalConfig::in_dir(PathBuf::new());
        Retention {
            file_bytes: defaults.max_bytes,
            files_kept: u32::try_from(defaults.keep).unwrap_or(u32::MAX),
            message_bytes: u32::try_from(defaults.max_msg_bytes).unwrap_or(u32::MAX),
        }
    }
}

/// A setting that cannot be saved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{what} must be between {} and {} (got {got})", .bounds.0, .bounds.1)]
    OutOfBounds {
        what: &'static str,
        bounds: (String, String),
        got: String,
    },
    /// Said in the message, not chained as a source (a `{:#}` report would say it twice).
    #[error("{}: {error}", .path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// `<data dir>/settings.json`.
pub fn settings_path() -> PathBuf {
    crate::paths::data_dir().join("settings.json")
}

/// The settings in the data dir, or the defaults (see [`load_from`]).
pub fn load() -> Settings {
    load_from(&settings_path())
}

/// The settings in `path`: the defaults when it is missing or is not a settings object, each
/// missing key its default, each number brought within its bounds.
pub fn load_from(path: &Path) -> Settings {
    let mut settings = std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Settings>(&bytes).ok())
        .unwrap_or_default();
    settings.journal = settings.journal.clamped();
    settings
}

/// Writes `settings` to `path` atomically (a reader sees the old file or the new one), after
/// checking every bound.
pub fn save_to(path: &Path, settings: &Settings) -> Result<(), SettingsError> {
    settings.journal.check()?;
    let io = |error| SettingsError::Io {
        path: path.to_path_buf(),
        error,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut text =
        serde_json::to_string_pretty(settings).map_err(|e| io(std::io::Error::other(e)))?;
    text.push('\n');
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(text.as_bytes()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Reads the settings at `path`, changes them with `edit` and saves them, as one step: two changes
/// made at once in this process (a setting from the window, the kept servers' list) each keep the
/// other's. Answers the settings as saved.
pub fn update_at(path: &Path, edit: impl FnOnce(&mut Settings)) -> Result<Settings, SettingsError> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut settings = load_from(path);
    edit(&mut settings);
    save_to(path, &settings)?;
    Ok(settings)
}

impl Settings {
    /// The journal writer's limits for journals in `dir`, with these retention and redaction.
    pub fn journal_config(&self, dir: impl Into<PathBuf>) -> JournalConfig {
        let mut config = JournalConfig::in_dir(dir);
        config.max_bytes = self.journal.file_bytes;
        config.keep = self.journal.files_kept as usize;
        config.max_msg_bytes = self.journal.message_bytes as usize;
        config.redact = self.redact;
        config
    }
}

impl Retention {
    fn clamped(self) -> Retention {
        Retention {
            file_bytes: self
                .file_bytes
                .clamp(*FILE_BYTES.start(), *FILE_BYTES.end()),
            files_kept: self
                .files_kept
                .clamp(*FILES_KEPT.start(), *FILES_KEPT.end()),
            message_bytes: self
                .message_bytes
                .clamp(*MESSAGE_BYTES.start(), *MESSAGE_BYTES.end()),
        }
    }

    /// Every value within its bounds, or which one is not.
    pub fn check(&self) -> Result<(), SettingsError> {
        fn within<T: PartialOrd + ToString>(
            what: &'static str,
            got: T,
            bounds: &RangeInclusive<T>,
            show: fn(&T) -> String,
        ) -> Result<(), SettingsError> {
            if bounds.contains(&got) {
                Ok(())
            } else {
                Err(SettingsError::OutOfBounds {
                    what,
                    bounds: (show(bounds.start()), show(bounds.end())),
                    got: show(&got),
                })
            }
        }
        within("the journal file size", self.file_bytes, &FILE_BYTES, |b| {
            human_bytes(*b)
        })?;
        within(
            "the number of rotated journal files",
            self.files_kept,
            &FILES_KEPT,
            u32::to_string,
        )?;
        within(
            "the journaled message size",
            self.message_bytes,
            &MESSAGE_BYTES,
            |b| human_bytes(u64::from(*b)),
        )
    }
}

/// `65536` → `64 KiB`; a size that is not a whole KiB, MiB or GiB in the largest of them it
/// reaches, to two decimals (`10486` → `10.24 KiB`, as typed in a form's MiB field: 0.01 MiB);
/// under 1 KiB, or when two decimals would round it to a whole one, in bytes.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size {
            if bytes.is_multiple_of(size) {
                return format!("{} {unit}", bytes / size);
            }
            let shown = format!("{:.2}", bytes as f64 / size as f64);
            // 65535 would read "64 KiB", the bound it misses: said in bytes.
            if shown.ends_with(".00") {
                break;
            }
            return format!("{} {unit}", shown.trim_end_matches('0'));
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_made_at_once_from_two_threads_each_keep_the_other_s() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.json");
        std::thread::scope(|s| {
            // One thread adds kept servers, the other turns redaction off and on: each saves.
            s.spawn(|| {
                for i in 0..40 {
                    update_at(&path, |st| st.keep_running.push(format!("s{i}"))).expect("save");
                }
            });
            s.spawn(|| {
                for i in 0..40 {
                    update_at(&path, |st| st.redact = i % 2 == 0).expect("save");
                }
            });
        });
        let saved = load_from(&path);
        assert_eq!(saved.keep_running.len(), 40, "{:?}", saved.keep_running);
        assert!(!saved.redact, "the last change of the other thread is kept");
    }

    #[test]
    fn a_missing_file_gives_the_defaults_with_redaction_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = load_from(&dir.path().join("settings.json"));
        assert_eq!(settings, Settings::default());
        assert!(settings.redact);
        assert_eq!(settings.journal.file_bytes, 8 * 1024 * 1024);
    }

    #[test]
    fn a_broken_file_gives_the_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.json");
        for broken in [
            "{\"redact\": fal",
            "[]",
            "\"x\"",
            "{\"redact\": \"no\"}",
            "\u{0}\u{1}",
        ] {
            std::fs::write(&path, broken).expect("write");
            assert_eq!(load_from(&path), Settings::default(), "{broken:?}");
        }
    }

    #[test]
    fn missing_keys_take_their_defaults_and_numbers_are_brought_within_bounds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.json");
        std::fs::write(
            &path,
            r#"{"redact": false, "journal": {"filesKept": 500, "messageBytes": 3}}"#,
        )
        .expect("write");
        let settings = load_from(&path);
        assert!(!settings.redact);
        assert_eq!(settings.journal.files_kept, 20);
        assert_eq!(settings.journal.message_bytes, 1024);
        assert_eq!(settings.journal.file_bytes, Retention::default().file_bytes);
    }

    #[test]
    fn saving_round_trips_and_keeps_keys_it_does_not_know() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested").join("settings.json");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, r#"{"futureKey": {"a": 1}, "redact": true}"#).expect("write");
        let mut settings = load_from(&path);
        settings.redact = false;
        settings.journal.files_kept = 5;
        save_to(&path, &settings).expect("save");
        let back = load_from(&path);
        assert_eq!(back, settings);
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        assert_eq!(raw["futureKey"]["a"], 1);
    }

    #[test]
    fn the_servers_kept_running_round_trip_and_leave_no_key_when_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.json");
        let mut settings = Settings::default();
        save_to(&path, &settings).expect("save");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains("keepRunning"), "{text}");
        settings.keep_running = vec!["fetch".to_owned(), "notes".to_owned()];
        save_to(&path, &settings).expect("save");
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        assert_eq!(raw["keepRunning"], serde_json::json!(["fetch", "notes"]));
        assert_eq!(load_from(&path).keep_running, ["fetch", "notes"]);
    }

    #[test]
    fn saving_a_value_out_of_bounds_is_refused_and_the_file_is_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.json");
        std::fs::write(&path, "{\"redact\": true}\n").expect("write");
        let mut settings = Settings::default();
        settings.journal.file_bytes = 1000;
        let err = save_to(&path, &settings).expect_err("out of bounds");
        assert_eq!(
            err.to_string(),
            "the journal file size must be between 64 KiB and 1 GiB (got 1000 bytes)"
        );
        // As the window's MiB field gives it (0.01 MiB): in KiB, not in bytes.
        settings.journal.file_bytes = 10_486;
        let err = save_to(&path, &settings).expect_err("out of bounds");
        assert_eq!(
            err.to_string(),
            "the journal file size must be between 64 KiB and 1 GiB (got 10.24 KiB)"
        );
        settings.journal.file_bytes = 3 << 29;
        let err = save_to(&path, &settings).expect_err("out of bounds");
        assert!(err.to_string().ends_with("(got 1.5 GiB)"), "{err}");
        settings.journal.file_bytes = 65_535;
        let err = save_to(&path, &settings).expect_err("out of bounds");
        assert!(err.to_string().ends_with("(got 65535 bytes)"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "{\"redact\": true}\n"
        );
    }

    /// Journals each message with `settings`; answers their `msg` fields as written.
    fn journaled(settings: &Settings, msgs: &[&str]) -> Vec<String> {
        use crate::journal::{Direction, Journal, read_all};
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::open("s", settings.journal_config(dir.path())).expect("open");
        for msg in msgs {
            let env = crate::jsonrpc::inspect(msg.as_bytes()).ok();
            journal.message(
                Direction::ClientToServer,
                msg.as_bytes(),
                env.as_ref(),
                None,
                None,
            );
        }
        journal.close(std::time::Duration::from_secs(5));
        read_all(dir.path(), "s", 1)
            .expect("read")
            .into_iter()
            .map(|e| e.msg.map(|m| m.get().to_owned()).unwrap_or_default())
            .collect()
    }

    #[test]
    fn journals_mask_secrets_unless_redaction_is_turned_off() {
        let mut settings = Settings::default();
        settings.journal.message_bytes = 1024;
        let whole = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"api_key":"sk-live-42"}}}"#;
        // Past the size cap the journal keeps the message's start as a string.
        let cut = whole.replace(
            "\"sk-live-42\"",
            &format!("\"sk-live-42{}\"", "x".repeat(2000)),
        );
        let on = journaled(&settings, &[whole, &cut]);
        assert_eq!(on.len(), 2);
        assert!(on.iter().all(|m| !m.contains("sk-live-42")), "{on:?}");
        assert!(on[0].contains(r#""api_key":"[redacted]""#), "{}", on[0]);
        assert!(on[1].contains(r#"\"api_key\":\"[redacted]\""#), "{}", on[1]);

        settings.redact = false;
        let off = journaled(&settings, &[whole, &cut]);
        assert!(off.iter().all(|m| m.contains("sk-live-42")), "{off:?}");
    }

    #[test]
    fn the_journal_config_carries_the_settings() {
        let settings = Settings {
            redact: false,
            journal: Retention {
                file_bytes: 1024 * 1024,
                files_kept: 7,
                message_bytes: 4096,
            },
            keep_running: Vec::new(),
            other: Default::default(),
        };
        let config = settings.journal_config("/j");
        assert_eq!(config.max_bytes, 1024 * 1024);
        assert_eq!(config.keep, 7);
        assert_eq!(config.max_msg_bytes, 4096);
        assert!(!config.redact);
    }
}
