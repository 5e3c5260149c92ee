//! Traffic journals: one append-only JSON-lines file per server, written by the shims, read by
//! `mcp-tray traffic` and tailed by the app.
//!
//! This module owns the journal line format, the writer ([`Journal`]: lines rendered by the
//! thread that records them, written to disk by a thread of its own behind a bounded buffer)
//! and the readers ([`read_all`], [`read_recent`], [`Tail`]). It must never make forwarding wait
//! on the disk: a line that does not fit in the buffer is dropped and counted, never waited
//! for. It must never record a credential: callers pass messages and event texts only, never
//! HTTP headers.
//!
//! # Journal line (DESIGN.md, "Journal line")
//!
//! One JSON object per line, fields in this order:
//!
//! | field | meaning |
//! |---|---|
//! | `ts` | RFC 3339 UTC with milliseconds, `2026-11-24T08:00:00.123Z` |
//! | `server` | the server's name (`--name`) |
//! | `session` | this shim instance (8 hex digits); two instances of one server differ |
//! | `pid` | the shim's process id |
//! | `check` | present and `true` when one of MCP Tray's checks started the shim (a probe, doctor, the app's Test), not Claude Desktop |
//! | `dir` | `c2s` (client to server), `s2c` (server to client) or `event` |
//! | `kind` | `request`, `notification`, `response`, `error`, `batch`, `invalid` or `event` |
//! | `method` | requests and notifications; replies carry their request's method when known |
//! | `id` | the JSON-RPC id exactly as sent, when there is one |
//! | `bytes` | size of the message as forwarded |
//! | `latency_ms` | replies: time since the request passed through, in ms (float) |
//! | `msg` | the raw message; past the size cap a string holding its start, with `truncated: true` |
//! | `truncated` | present and `true` when `msg` was cut |
//! | `code`, `level`, `text` | events: a diagnosis code (or `connected`, `journal-dropped`…), `info`/`warn`/`error`, a sentence |
//!
//! Files are `<journal_dir>/<stem>.jsonl`, the stem being the server's name when it is plain
//! (lowercase ASCII letters, digits, `-`, `_`, `.`) and otherwise its sanitized form plus a hash
//! of the exact name (`my server` is `my_server+<8 hex digits>`; a very long name keeps only its
//! start; see [`journal_path`]), so two servers never share a file. Past [`JournalConfig::max_bytes`] the file is renamed to
//! `<stem>.1.jsonl` (older ones shift to `.2`, …) and the last [`JournalConfig::keep`] are kept.

use std::borrow::Cow;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::jsonrpc::Envelope;
use crate::lock;

/// How long the writer lets messages gather before writing them.
const BATCH_WINDOW: Duration = Duration::from_millis(20);

/// Which way a journal line went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::ClientToServer => "c2s",
            Direction::ServerToClient => "s2c",
        }
    }
}

/// How serious a connection event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Limits of one journal writer.
#[derive(Debug, Clone)]
pub struct JournalConfig {
    /// Folder of the journal files.
    pub dir: PathBuf,
    /// Size at which the file rotates.
    pub max_bytes: u64,
    /// Rotated files kept besides the live one.
    pub keep: usize,
    /// Lines waiting for the writer thread before new ones are dropped (besides the limit of
    /// their bytes, which any real line reaches first at the default). The buffer's room grows
    /// with a burst and is given back after it.
    pub queue: usize,
    /// Messages longer than this are cut in `msg` (`truncated: true`).
    pub max_msg_bytes: usize,
    /// Mask secret-looking values in `msg` ([`crate::redact`]); the forwarded bytes never are.
    pub redact: bool,
    /// With `redact`, values masked wherever they stand, in messages and events' text: the
    /// credentials the shim's server was started with ([`crate::redact::known_secrets`]).
    pub secrets: Secrets,
    /// One of MCP Tray's checks started the shim ([`crate::probe::CHECK_ENV`]): every line says
    /// `"check":true`.
    pub check: bool,
}

/// Credentials to mask ([`JournalConfig::secrets`]); never shown, not even by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(pub Vec<String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} hidden)", self.0.len())
    }
}

impl JournalConfig {
    /// Defaults in the given folder: 8 MiB files, 3 kept, 65536 lines waiting at most, messages
    /// cut at 64 KiB, redacted.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        JournalConfig {
            dir: dir.into(),
            max_bytes: 8 * 1024 * 1024,
            keep: 3,
            queue: 65_536,
            max_msg_bytes: 64 * 1024,
            redact: true,
            secrets: Secrets::default(),
            check: false,
        }
    }
}

/// Messages that passed one way together (one read's worth), journaled together: their bytes
/// share one buffer and they cost the forwarding thread one lock of the journal's lines. They
/// share one timestamp: they arrived in the same read.
pub struct MessageBatch {
    at: SystemTime,
    dir: Direction,
    max_msg_bytes: usize,
    /// The messages (cut at the cap), their ids' and methods' texts, one after the other.
    bytes: Vec<u8>,
    items: Vec<BatchedMessage>,
}

/// One message of a [`MessageBatch`]; its texts are ranges of the batch's bytes.
struct BatchedMessage {
    kind: &'static str,
    method: Option<Range<usize>>,
    id: Option<Range<usize>>,
    msg: Range<usize>,
    /// Size of the whole message as forwarded.
    size: usize,
    latency: Option<Duration>,
    truncated: bool,
    valid_json: bool,
}

impl MessageBatch {
    /// Adds one forwarded message. `env` is `None` for a line that is not JSON-RPC; `method` is
    /// the request's method for a reply that was paired with it.
    pub fn push(
        &mut self,
        raw: &[u8],
        env: Option<&Envelope<'_>>,
        method: Option<&str>,
        latency: Option<Duration>,
    ) {
        let kept = raw.len().min(self.max_msg_bytes);
        let method = env.and_then(|e| e.method.as_deref()).or(method);
        let id = env.and_then(|e| e.id_key());
        // A batch often holds one message (the bridge journals each on its own), and a burst
        // queues thousands of them: a new batch takes exactly what its first message needs, not
        // room for four messages and twice its bytes.
        if self.items.capacity() == 0 {
            self.items.reserve_exact(1);
        }
        self.bytes
            .reserve(kept + method.map_or(0, str::len) + id.map_or(0, str::len));
        let msg = self.append(&raw[..kept]);
        let method = method.map(|m| self.append(m.as_bytes()));
        let id = id.map(|id| self.append(id.as_bytes()));
        self.items.push(BatchedMessage {
            kind: env.map_or("invalid", |e| e.kind.as_str()),
            method,
            id,
            msg,
            size: raw.len(),
            latency,
            truncated: kept < raw.len(),
            valid_json: env.is_some(),
        });
    }

    /// Nothing pushed yet.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn append(&mut self, text: &[u8]) -> Range<usize> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(text);
        start..self.bytes.len()
    }

    /// The journal line of one of its messages.
    fn line<'a>(&'a self, m: &'a BatchedMessage) -> JournalLine<'a> {
        JournalLine {
            at: self.at,
            dir: self.dir.as_str(),
            kind: m.kind,
            method: self.text(&m.method),
            id: self.text(&m.id),
            bytes: Some(m.size),
            latency: m.latency,
            msg: Some((&self.bytes[m.msg.clone()], m.valid_json && !m.truncated)),
            truncated: m.truncated,
            code: None,
            level: None,
            text: None,
        }
    }

    /// Bytes it holds while it waits for the writer.
    fn weight(&self) -> usize {
        self.bytes.len() + 128 * self.items.len()
    }

    fn text(&self, range: &Option<Range<usize>>) -> Option<&str> {
        // Ranges hold what came from `&str`s or from `RawValue` ids: always UTF-8.
        range
            .as_ref()
            .and_then(|r| std::str::from_utf8(&self.bytes[r.clone()]).ok())
    }
}

/// Most bytes waiting for the writer (rendered lines, and the batches it renders itself); past
/// it new ones are dropped and counted. One alone always fits, however big.
const MAX_QUEUED_BYTES: usize = 4 * 1024 * 1024;

/// Lines waiting past this many bytes are taken by the writer before its window ends.
const EARLY_WRITE_BYTES: usize = 1024 * 1024;

/// A batch holding more bytes than this is rendered by the writer thread, not by the thread that
/// records it: masking and escaping a big tool result takes long enough (about 200 µs for
/// 64 KiB) to be felt in forwarding, which waits for its recording.
const RENDER_HERE_MAX: usize = 8 * 1024;

/// The least room a buffer of lines keeps once written; it keeps more while bursts fill it.
const KEPT_LINES_MIN: usize = 64 * 1024;

/// After a rotation that failed (the folder gone, no file handles left), how long lines go on
/// into the current file before another is tried.
const ROTATE_RETRY: Duration = Duration::from_secs(10);

#[cfg(test)]
fn stalled(pending: &Pending) -> bool {
    pending.stalled
}

#[cfg(not(test))]
fn stalled(_: &Pending) -> bool {
    false
}

/// Batches kept for reuse, and the most bytes one may keep.
const SPARE_BATCHES: usize = 16;
const SPARE_BATCH_BYTES: usize = 256 * 1024;

/// Batches already journaled, for the recording threads' next ones: a batch per read would
/// otherwise cost two allocations and two frees.
type Spares = Arc<Mutex<Vec<MessageBatch>>>;

fn give_back(spares: &Spares, mut batch: MessageBatch) {
    batch.bytes.clear();
    batch.items.clear();
    if batch.bytes.capacity() > SPARE_BATCH_BYTES {
        batch.bytes.shrink_to(SPARE_BATCH_BYTES);
    }
    let mut spares = lock(spares);
    if spares.len() < SPARE_BATCHES {
        spares.push(batch);
    }
}

thread_local! {
    /// Where a recording thread renders its lines before they go into a journal's buffer: the
    /// last timestamp it formatted, and the bytes.
    static SCRATCH: std::cell::RefCell<(Clock, Vec<u8>)> = std::cell::RefCell::default();
}

/// The writing end of one server's journal. Cheap to share behind an `Arc`.
///
/// A message is rendered (and masked) on the thread that records it, outside any lock; its line
/// then goes into one buffer shared with the writer thread, which takes the buffer's lines as
/// they are and writes them to disk. A small message costs its recorder no hand-off and no
/// allocation; a big one ([`RENDER_HERE_MAX`]) is handed to the writer to render, in its place.
/// A disk that stalls stalls only the writer: what does not fit in the buffer is dropped and
/// counted.
pub struct Journal {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    max_msg_bytes: usize,
    spares: Spares,
}

/// What a journal's recorders and its writer thread share.
struct Shared {
    pending: Mutex<Pending>,
    /// Wakes the writer: the first line after it took the buffer's lines, a buffer past
    /// [`EARLY_WRITE_BYTES`], a flush, the end.
    wake: Condvar,
    dropped: AtomicU64,
    /// `Pending::weight`, readable without the lock: a full buffer drops a line before it is
    /// rendered.
    waiting: AtomicUsize,
    render: Render,
}

/// Lines waiting for the writer.
struct Pending {
    /// Whole rendered lines, each ending in `\n`.
    lines: Vec<u8>,
    /// Batches the writer renders itself, each with where it stands in `lines`.
    unrendered: Vec<(usize, MessageBatch)>,
    /// Bytes of `lines` and of the batches, at most [`MAX_QUEUED_BYTES`].
    weight: usize,
    /// Lines waiting, at most `queue_cap`.
    count: usize,
    queue_cap: usize,
    flushes: Vec<mpsc::Sender<()>>,
    closed: bool,
    /// Tests: the writer takes nothing while set, as if the disk stalled.
    #[cfg(test)]
    stalled: bool,
}

/// The journal file of a server in a folder: `<dir>/<stem>.jsonl`, a different file for every
/// name, on case-insensitive file systems (Windows, macOS) too.
///
/// A *plain* name is its own stem, as journals were always named: one made only of lowercase
/// ASCII letters, digits, `-`, `_` and `.`, not empty, not starting with `.`, not ending in `.`
/// and digits (`v.2.jsonl` is the second rotated file of `v`), and not a name Windows keeps for a
/// device (`con`, `nul`, `com1`…, with any extension). Any other name gets its sanitized
/// form (every character but ASCII letters, digits, `-`, `_` and `.` made `_`; `_` put in front
/// of an empty name, one starting with `.`, and one whose part before its first dot is a device
/// name in any case, as in `nul.txt` or `Con.x`), then `+`, then the first 8 hex digits of the
/// SHA-256 of the exact name: `my server` is `my_server+<hash>`, `Fetch` is `Fetch+<hash>`.
/// A stem longer than [`MAX_STEM`] bytes (246: a file name is at most 255, and the rotated
/// `<stem>.20.jsonl` must fit too) keeps only the start of the sanitized name, cut so that with `+`
/// and the hash it is [`MAX_STEM`] bytes: a 300-character name has a journal like any other.
/// Every stem that fits is the same as before the cap.
///
/// Why this is one-to-one: plain stems are the names themselves and hold no `+`, so no plain
/// name (`x-1a2b3c4d` included) equals a hashed stem, and plain stems hold no uppercase letter,
/// so two that differ also differ ignoring case; two hashed stems are equal, ignoring case or
/// not, only if the names' sanitized forms (their first 237 bytes, for a capped one) and 32 bits
/// of their hashes are. No stem ends in `.`
/// and digits, so no live file is another journal's rotated file. `+` is outside the plain
/// characters, allowed in file names on Windows, macOS and Linux, means nothing to a shell inside
/// a word, and is not `~` (Windows' short names use that).
///
/// Journals of names that are not plain, written before names were hashed, stay where they are;
/// [`journal_paths`] and [`read_all`] still read them.
pub fn journal_path(dir: &Path, server: &str) -> PathBuf {
    dir.join(format!("{}.jsonl", file_stem(server)))
}

fn rotated_path(dir: &Path, server: &str, n: usize) -> PathBuf {
    dir.join(format!("{}.{n}.jsonl", file_stem(server)))
}

/// The rotated file `n` of the journal whose live file is `live` (`<stem>.jsonl` gives
/// `<stem>.<n>.jsonl`).
fn rotated_of(live: &Path, n: usize) -> PathBuf {
    let name = live
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
    live.with_file_name(format!("{stem}.{n}.jsonl"))
}

/// Sits between a hashed stem's sanitized name and its hash; see [`journal_path`].
const HASH_MARK: char = '+';

/// The longest file name Linux, macOS and Windows allow (bytes on Linux, UTF-8 bytes on macOS,
/// UTF-16 units on Windows: stems are ASCII, so the same count everywhere).
const MAX_FILE_NAME: usize = 255;

/// The longest stem: its rotated files (`<stem>.20.jsonl`, 20 being the most
/// [`crate::settings::FILES_KEPT`] allows) must fit in a file name too.
const MAX_STEM: usize = MAX_FILE_NAME - ".20.jsonl".len();

/// `+` and 8 hex digits, at the end of a hashed stem.
const HASH_TAIL: usize = 9;

/// The stem of a server's journal files; see [`journal_path`].
fn file_stem(server: &str) -> String {
    let stem = uncapped_stem(server);
    if stem.len() <= MAX_STEM {
        return stem;
    }
    // Too long for a file name: the start of the sanitized name, and the hash of the whole one.
    let mut capped = hashed_base(server);
    let mut end = MAX_STEM - HASH_TAIL;
    while !capped.is_char_boundary(end) {
        end -= 1;
    }
    capped.truncate(end);
    push_hash(&mut capped, server);
    capped
}

/// The stem before long names were capped: still the stem of every name whose stem fits in
/// [`MAX_STEM`] bytes.
fn uncapped_stem(server: &str) -> String {
    if is_plain(server) {
        return server.to_owned();
    }
    let mut stem = hashed_base(server);
    push_hash(&mut stem, server);
    stem
}

/// The start of a hashed stem: the sanitized name, with `_` in front when it has a dot and its
/// part before the first dot is a name Windows keeps for a device, in any case (`con.x+<hash>`
/// would be the device `con` there, as `CON.x+<hash>` would; `con+<hash>` is no device).
fn hashed_base(server: &str) -> String {
    let base = legacy_stem(server);
    if base.contains('.') && windows_device(&base) {
        format!("_{base}")
    } else {
        base
    }
}

/// The stem a name had before [`hashed_base`] kept device names out, if that differs: the file
/// Windows never made, but other systems did.
fn stem_before_devices(server: &str) -> Option<String> {
    let mut stem = legacy_stem(server);
    if is_plain(server) || hashed_base(server) == stem {
        return None;
    }
    push_hash(&mut stem, server);
    Some(stem)
}

/// Appends `+` and the first 8 hex digits of the SHA-256 of the exact name.
fn push_hash(stem: &mut String, server: &str) {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(server.as_bytes());
    stem.push(HASH_MARK);
    for b in &digest[..4] {
        stem.push_str(&format!("{b:02x}"));
    }
}

/// Whether a file of that name can exist at all (see [`MAX_FILE_NAME`]).
fn name_fits(path: &Path) -> bool {
    path.file_name().is_none_or(|n| n.len() <= MAX_FILE_NAME)
}

/// A name that is its own journal stem (see [`journal_path`]).
fn is_plain(server: &str) -> bool {
    !server.is_empty()
        && !server.starts_with('.')
        && server.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.'
        })
        && !looks_rotated(server)
        && !windows_device(server)
}

/// `con`, `nul`, `com1`… (the part before the first dot, in any case): names Windows keeps for
/// devices, with any extension, so no file can be made under them there. Kept out of stems
/// everywhere, so a name has one file on every system.
fn windows_device(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or(stem).to_ascii_lowercase();
    matches!(base.as_str(), "con" | "prn" | "aux" | "nul")
        || ((base.starts_with("com") || base.starts_with("lpt"))
            && base.len() == 4
            && base.as_bytes()[3].is_ascii_digit())
}

/// A stem ending in `.` and digits, as a rotated file's does (`v.2` of `v.2.jsonl`).
fn looks_rotated(stem: &str) -> bool {
    stem.rsplit_once('.')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The stem journals had before names were hashed: every character but ASCII letters, digits,
/// `-`, `_` and `.` made `_`, so different names could share it (`my server`, `my_server`). Read
/// by [`read_all`] for shims started before, which still write there; never written.
fn legacy_stem(server: &str) -> String {
    let stem: String = server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() || stem.starts_with('.') {
        format!("_{stem}")
    } else {
        stem
    }
}

/// The live files that may hold a server's lines, older first: for a name that is not plain, the
/// file journals had before names were hashed (shims started before still write there, and it may
/// hold other servers' lines too); for a name whose stem is now capped, the file it had before
/// (when that name was short enough to be a file); for a name whose hashed stem now starts with
/// `_` because it began with a device name and a dot (`con.x`), the file it had before, which
/// systems other than Windows made; then its own. Readers keep only the lines
/// whose `server` is the name.
pub fn journal_paths(dir: &Path, server: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = Vec::with_capacity(4);
    let stems = [
        Some(legacy_stem(server)),
        stem_before_devices(server),
        Some(uncapped_stem(server)),
        Some(file_stem(server)),
    ];
    for stem in stems.into_iter().flatten() {
        let path = dir.join(format!("{stem}.jsonl"));
        if name_fits(&path) && !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

/// Creates `dir` (and what is missing above it) for this user's eyes only: what journals and
/// exports hold (tool arguments and results, masked only where named like a secret) is no other
/// user's business. On Unix the folder is made, or made again, `0700`; the files in it can then be
/// read by no one else, whatever their own mode (those written before this rule, `0644`).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    Ok(())
}

/// Options that create a file readable and writable by this user only (`0600` on Unix).
pub fn private_file() -> OpenOptions {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
}

impl Journal {
    /// Opens (creating the folder and file) the journal of `server` and starts its writer thread.
    pub fn open(server: &str, config: JournalConfig) -> io::Result<Journal> {
        create_private_dir(&config.dir)?;
        let path = journal_path(&config.dir, server);
        let file = private_file().create(true).append(true).open(&path)?;
        let session = session_id();
        let pid = std::process::id();
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                lines: Vec::new(),
                unrendered: Vec::new(),
                weight: 0,
                count: 0,
                queue_cap: config.queue.max(1),
                flushes: Vec::new(),
                closed: false,
                #[cfg(test)]
                stalled: false,
            }),
            wake: Condvar::new(),
            dropped: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
            render: Render {
                prefix: line_prefix(server, &session, pid, config.check),
                redact: config.redact,
                secrets: config.secrets.clone(),
            },
        });
        let spares = Spares::default();
        let writer = Writer {
            server: server.to_owned(),
            size: file.metadata().map(|m| m.len()).unwrap_or(0),
            out: io::BufWriter::with_capacity(64 * 1024, file),
            config: config.clone(),
            reported_drops: 0,
            clock: Clock::default(),
            spares: spares.clone(),
            rotate_failed: None,
        };
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("journal".into())
                .spawn(move || writer.run(&shared))?
        };
        Ok(Journal {
            shared,
            thread: Some(thread),
            max_msg_bytes: config.max_msg_bytes,
            spares,
        })
    }

    /// An empty batch of messages going `dir`, stamped now; hand it to [`Journal::record`].
    pub fn batch(&self, dir: Direction) -> MessageBatch {
        let spare = lock(&self.spares).pop();
        if let Some(mut batch) = spare {
            batch.at = SystemTime::now();
            batch.dir = dir;
            return batch;
        }
        MessageBatch {
            at: SystemTime::now(),
            dir,
            max_msg_bytes: self.max_msg_bytes,
            bytes: Vec::new(),
            items: Vec::new(),
        }
    }

    /// Journals a batch of messages, in order, after everything recorded before (nothing when
    /// it is empty). A small batch is rendered here, on the caller's thread.
    pub fn record(&self, batch: MessageBatch) {
        let count = batch.items.len();
        if count == 0 {
            give_back(&self.spares, batch);
            return;
        }
        // No line is shorter than its message and the shared fields: a buffer without room for
        // that drops the batch before any work is spent on it.
        let least = batch.bytes.len() + count * self.shared.render.prefix.len();
        let waiting = self.shared.waiting.load(Ordering::Relaxed);
        if waiting > 0 && waiting + least > MAX_QUEUED_BYTES {
            self.shared
                .dropped
                .fetch_add(count as u64, Ordering::Relaxed);
            give_back(&self.spares, batch);
            return;
        }
        if batch.bytes.len() > RENDER_HERE_MAX {
            let weight = batch.weight();
            self.add(weight, count, |pending| {
                let at = pending.lines.len();
                pending.unrendered.push((at, batch));
            });
            return;
        }
        self.add_rendered(count, |render, clock, lines| {
            for m in &batch.items {
                render.render(clock, &batch.line(m), lines);
                lines.push(b'\n');
            }
        });
        give_back(&self.spares, batch);
    }

    /// Records one forwarded message. `env` is `None` for a line that is not JSON-RPC.
    pub fn message(
        &self,
        dir: Direction,
        raw: &[u8],
        env: Option<&Envelope<'_>>,
        method: Option<&str>,
        latency: Option<Duration>,
    ) {
        let mut batch = self.batch(dir);
        batch.push(raw, env, method, latency);
        self.record(batch);
    }

    /// Records a connection event (`code` is a diagnosis code or a word like `connected`).
    pub fn event(&self, level: Level, code: &str, text: impl Into<String>) {
        let text = text.into();
        let render = &self.shared.render;
        let text = masked_event_text(render.redact, &render.secrets, &text);
        let line = JournalLine::event(SystemTime::now(), level, code, &text);
        self.add_rendered(1, |render, clock, lines| {
            render.render(clock, &line, lines);
            lines.push(b'\n');
        });
    }

    /// Renders `count` lines on this thread, outside the lock, then adds them.
    fn add_rendered(&self, count: usize, render: impl FnOnce(&Render, &mut Clock, &mut Vec<u8>)) {
        SCRATCH.with(|scratch| {
            let (clock, lines) = &mut *scratch.borrow_mut();
            lines.clear();
            render(&self.shared.render, clock, lines);
            self.add(lines.len(), count, |pending| {
                pending.lines.extend_from_slice(lines);
            });
            if lines.capacity() > SPARE_BATCH_BYTES {
                lines.shrink_to(SPARE_BATCH_BYTES);
            }
        });
    }

    /// Adds `count` lines weighing `weight` bytes under the buffer's lock (or drops and counts
    /// them when they do not fit), and wakes the writer when it should know.
    fn add(&self, weight: usize, count: usize, put: impl FnOnce(&mut Pending)) {
        let mut pending = lock(&self.shared.pending);
        if pending.closed {
            return;
        }
        // An empty buffer takes anything: a message bigger than the buffer (the settings keep up
        // to 16 MiB of one) would otherwise never be journaled, the disk idle or not.
        let full = pending.weight > 0 && pending.weight + weight > MAX_QUEUED_BYTES;
        if pending.count + count > pending.queue_cap || full {
            // Counted under the lock: the writer, which reads the count when it takes the
            // lines, says these drops right after the lines that came before them.
            self.shared
                .dropped
                .fetch_add(count as u64, Ordering::Relaxed);
            return;
        }
        let before = pending.weight;
        put(&mut pending);
        pending.weight += weight;
        pending.count += count;
        let after = pending.weight;
        self.shared.waiting.store(after, Ordering::Relaxed);
        drop(pending);
        if before == 0 || (before < EARLY_WRITE_BYTES && after >= EARLY_WRITE_BYTES) {
            self.shared.wake.notify_one();
        }
    }

    /// Records dropped so far because the writer could not keep up.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Writes out everything recorded so far, waiting at most `wait`; for the end of a session
    /// when other threads may still hold the journal (else [`Journal::close`]). False when the
    /// writer did not confirm in time.
    pub fn flush(&self, wait: Duration) -> bool {
        if self.thread.as_ref().is_none_or(JoinHandle::is_finished) {
            return false;
        }
        let (ack, done) = mpsc::channel();
        lock(&self.shared.pending).flushes.push(ack);
        self.shared.wake.notify_one();
        done.recv_timeout(wait).is_ok()
    }

    /// Writes out what is recorded and stops the writer, waiting at most `wait` for a stalled
    /// disk.
    pub fn close(mut self, wait: Duration) {
        self.end();
        if let Some(thread) = self.thread.take() {
            let deadline = Instant::now() + wait;
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(2));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }

    /// Tells the writer to write out what is left and stop.
    fn end(&self) {
        lock(&self.shared.pending).closed = true;
        self.shared.wake.notify_one();
    }

    /// Tests: holds the writer back from the buffer, as a stalled disk would.
    #[cfg(test)]
    fn stall(&self, stalled: bool) {
        lock(&self.shared.pending).stalled = stalled;
        self.shared.wake.notify_one();
    }
}

impl Drop for Journal {
    /// A journal dropped without [`Journal::close`] still gets its lines written.
    fn drop(&mut self) {
        self.end();
    }
}

/// An id for this shim instance: 8 hex digits from the pid and the start time.
fn session_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mixed = (nanos ^ (u64::from(std::process::id()) << 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("{:08x}", (mixed >> 32) as u32)
}

/// RFC 3339 UTC with milliseconds.
pub fn rfc3339_ms(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.format(&fmt).unwrap_or_default()
}

/// The moment a journal line's `ts` ([`rfc3339_ms`]) names; `None` for one that is not RFC 3339.
pub fn parse_ts(ts: &str) -> Option<SystemTime> {
    time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(SystemTime::from)
}

/// The fields every line of one writer shares, rendered once: `"server":…,"session":…,"pid":…,`
/// and `"check":true,` for a check's shim.
fn line_prefix(server: &str, session: &str, pid: u32, check: bool) -> Vec<u8> {
    let mut prefix = b"\"server\":".to_vec();
    push_json_str(&mut prefix, server);
    prefix.extend_from_slice(b",\"session\":");
    push_json_str(&mut prefix, session);
    prefix.extend_from_slice(format!(",\"pid\":{pid},").as_bytes());
    if check {
        prefix.extend_from_slice(b"\"check\":true,");
    }
    prefix
}

/// Appends `text` as a JSON string.
fn push_json_str(out: &mut Vec<u8>, text: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Appends a duration in milliseconds, rounded to the microsecond (ties up), as the shortest JSON
/// number that reads back as that value (`0.042`, `12.5`, `3.0`): what serialising the `f64`
/// gives for any duration under 2^43 ms (279 years), without formatting a float for every
/// journaled reply.
fn push_millis(out: &mut Vec<u8>, d: Duration) {
    let micros = d.as_nanos().saturating_add(500) / 1000;
    let mut digits = itoa::Buffer::new();
    out.extend_from_slice(digits.format(micros / 1000).as_bytes());
    out.push(b'.');
    let frac = (micros % 1000) as u16;
    let frac = [frac / 100, frac / 10 % 10, frac % 10].map(|d| b'0' + d as u8);
    let kept = frac
        .iter()
        .rposition(|&d| d != b'0')
        .map_or(1, |last| last + 1);
    out.extend_from_slice(&frac[..kept]);
}

/// The last timestamp formatted, reused while the millisecond lasts (a burst shares it).
#[derive(Default)]
struct Clock {
    millis: Option<u128>,
    text: String,
}

impl Clock {
    fn format(&mut self, at: SystemTime) -> &str {
        let millis = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        if self.millis != Some(millis) {
            self.millis = Some(millis);
            self.text = rfc3339_ms(at);
        }
        &self.text
    }
}

/// One journal line before it is rendered: the fields of the table in the module doc.
struct JournalLine<'a> {
    at: SystemTime,
    dir: &'static str,
    kind: &'static str,
    method: Option<&'a str>,
    id: Option<&'a str>,
    bytes: Option<usize>,
    latency: Option<Duration>,
    /// The message (or its start) and whether it is whole, valid JSON.
    msg: Option<(&'a [u8], bool)>,
    truncated: bool,
    code: Option<&'a str>,
    level: Option<&'a str>,
    text: Option<&'a str>,
}

impl<'a> JournalLine<'a> {
    fn event(at: SystemTime, level: Level, code: &'a str, text: &'a str) -> Self {
        JournalLine {
            at,
            dir: "event",
            kind: "event",
            method: None,
            id: None,
            bytes: None,
            latency: None,
            msg: None,
            truncated: false,
            code: Some(code),
            level: Some(level.as_str()),
            text: Some(text),
        }
    }
}

/// What every line of one journal is rendered with.
struct Render {
    /// `"server":…,"session":…,"pid":…,` rendered once.
    prefix: Vec<u8>,
    redact: bool,
    secrets: Secrets,
}

/// The writer thread's side: the file, its size, and rotation.
struct Writer {
    server: String,
    size: u64,
    out: io::BufWriter<File>,
    config: JournalConfig,
    reported_drops: u64,
    /// For the lines this thread renders (big batches, its notices).
    clock: Clock,
    /// Where the batches it rendered go back to.
    spares: Spares,
    /// When a rotation last failed.
    rotate_failed: Option<Instant>,
}

impl Writer {
    fn run(mut self, shared: &Shared) {
        let mut taken = Vec::new();
        let mut rendered = Vec::new();
        loop {
            let mut pending = lock(&shared.pending);
            while stalled(&pending)
                || (pending.weight == 0 && pending.flushes.is_empty() && !pending.closed)
            {
                pending = shared
                    .wake
                    .wait(pending)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if !pending.closed && pending.flushes.is_empty() {
                // Let a burst gather first: one wake-up and one write per window instead of one
                // per message keeps this thread off the forwarding threads' CPU. A buffer that
                // fills fast is taken sooner.
                pending = shared
                    .wake
                    .wait_timeout_while(pending, BATCH_WINDOW, |p| {
                        !p.closed && p.flushes.is_empty() && p.weight < EARLY_WRITE_BYTES
                    })
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            std::mem::swap(&mut pending.lines, &mut taken);
            let unrendered = std::mem::take(&mut pending.unrendered);
            pending.weight = 0;
            pending.count = 0;
            shared.waiting.store(0, Ordering::Relaxed);
            let flushes = std::mem::take(&mut pending.flushes);
            let closed = pending.closed;
            // Drops are counted under the lock: these all happened before what comes next.
            let dropped = shared.dropped.load(Ordering::Relaxed);
            drop(pending);
            let mut at = 0;
            let mut rendered_peak = 0;
            for (until, batch) in unrendered {
                self.write_lines(&taken[at..until]);
                at = until;
                rendered.clear();
                for m in &batch.items {
                    shared
                        .render
                        .render(&mut self.clock, &batch.line(m), &mut rendered);
                    rendered.push(b'\n');
                }
                self.write_lines(&rendered);
                rendered_peak = rendered_peak.max(rendered.len());
                give_back(&self.spares, batch);
            }
            self.write_lines(&taken[at..]);
            if dropped > self.reported_drops {
                let text = format!(
                    "{} message(s) were not journaled because the disk could not keep up",
                    dropped - self.reported_drops
                );
                self.reported_drops = dropped;
                let line =
                    JournalLine::event(SystemTime::now(), Level::Warn, "journal-dropped", &text);
                rendered.clear();
                shared.render.render(&mut self.clock, &line, &mut rendered);
                rendered.push(b'\n');
                self.write_lines(&rendered);
            }
            let _ = self.out.flush();
            // A buffer keeps the room a burst needs while bursts come, and gives it back after.
            let used = taken.len();
            taken.clear();
            for (buf, used) in [(&mut taken, used), (&mut rendered, rendered_peak)] {
                if buf.capacity() > KEPT_LINES_MIN && used < buf.capacity() / 4 {
                    buf.shrink_to((2 * used).max(KEPT_LINES_MIN));
                }
            }
            for ack in flushes {
                let _ = ack.send(());
            }
            if closed && lock(&shared.pending).weight == 0 {
                return;
            }
        }
    }

    /// Appends whole lines, rotating the file between two lines once the next one would take it
    /// past its size. A file always gets at least one line, however long; after a rotation that
    /// failed, lines go on into the current file for [`ROTATE_RETRY`].
    fn write_lines(&mut self, mut lines: &[u8]) {
        // At most one rotation per line: whatever came of it, the line is written next.
        let mut rotated = false;
        while !lines.is_empty() {
            let room = self.config.max_bytes.saturating_sub(self.size);
            let fit = if lines.len() as u64 <= room {
                lines.len()
            } else {
                memchr::memrchr(b'\n', &lines[..room as usize]).map_or(0, |at| at + 1)
            };
            let fit = match fit {
                0 if self.size > 0 && !rotated && self.may_rotate() => {
                    self.rotate();
                    rotated = true;
                    continue;
                }
                0 => memchr::memchr(b'\n', lines).map_or(lines.len(), |at| at + 1),
                fit => fit,
            };
            if self.out.write_all(&lines[..fit]).is_ok() {
                self.size += fit as u64;
            }
            lines = &lines[fit..];
            rotated = false;
        }
    }

    fn may_rotate(&self) -> bool {
        self.rotate_failed
            .is_none_or(|at| at.elapsed() >= ROTATE_RETRY)
    }

    fn rotate(&mut self) {
        let _ = self.out.flush();
        let dir = &self.config.dir;
        let live = journal_path(dir, &self.server);
        // The live file is moved out of the way first: when it cannot be (a program holds it
        // open without sharing its deletion, on Windows; a folder made read-only), the kept files
        // are left as they are, not shifted (and the oldest deleted) at every try.
        // Not a `.jsonl` (no reader takes it for a journal), and as short as `.20.jsonl`.
        let aside = dir.join(format!("{}.rotating", file_stem(&self.server)));
        let moved = fs::rename(&live, &aside).is_ok();
        if moved && self.config.keep == 0 {
            let _ = fs::remove_file(&aside);
        } else if moved {
            let _ = fs::remove_file(rotated_path(dir, &self.server, self.config.keep));
            for n in (1..self.config.keep).rev() {
                let _ = fs::rename(
                    rotated_path(dir, &self.server, n),
                    rotated_path(dir, &self.server, n + 1),
                );
            }
            let _ = fs::rename(&aside, rotated_path(dir, &self.server, 1));
        }
        let mut moved_on = false;
        if moved && let Ok(file) = private_file().create(true).append(true).open(&live) {
            self.size = file.metadata().map(|m| m.len()).unwrap_or(0);
            self.out = io::BufWriter::with_capacity(64 * 1024, file);
            moved_on = true;
        }
        // Not moved, or no new file (the folder is gone, no handles left): lines go on into the
        // file as it is, and another try waits.
        self.rotate_failed = (!moved_on).then(Instant::now);
    }
}

impl Render {
    /// Renders one journal line (without its newline) into `out`, fields in the documented order.
    fn render(&self, clock: &mut Clock, line: &JournalLine<'_>, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"ts\":\"");
        out.extend_from_slice(clock.format(line.at).as_bytes());
        out.extend_from_slice(b"\",");
        out.extend_from_slice(&self.prefix);
        // `dir` and `kind` are words of this module (see the table above): no escaping needed.
        out.extend_from_slice(b"\"dir\":\"");
        out.extend_from_slice(line.dir.as_bytes());
        out.extend_from_slice(b"\",\"kind\":\"");
        out.extend_from_slice(line.kind.as_bytes());
        out.push(b'"');
        if let Some(method) = line.method {
            out.extend_from_slice(b",\"method\":");
            push_json_str(out, method);
        }
        if let Some(id) = line.id {
            // The id's JSON text as the message had it (a number or a string).
            out.extend_from_slice(b",\"id\":");
            out.extend_from_slice(id.as_bytes());
        }
        if let Some(bytes) = line.bytes {
            out.extend_from_slice(b",\"bytes\":");
            out.extend_from_slice(itoa::Buffer::new().format(bytes).as_bytes());
        }
        if let Some(latency) = line.latency {
            out.extend_from_slice(b",\"latency_ms\":");
            push_millis(out, latency);
        }
        if let Some((msg, whole_json)) = line.msg {
            // Only the journal's copy is masked; the forwarded bytes never are.
            let mut whole_json = whole_json;
            let redacted = if self.redact {
                let masked = crate::redact::redact(msg);
                match crate::redact::mask_known(&masked, &self.secrets.0, line.truncated) {
                    std::borrow::Cow::Borrowed(_) => masked,
                    std::borrow::Cow::Owned(known) => {
                        // A secret found where JSON would not take the mask (after a `\`, in a
                        // number): the message then goes in as a string, never as broken JSON.
                        whole_json &=
                            serde_json::from_slice::<serde::de::IgnoredAny>(&known).is_ok();
                        std::borrow::Cow::Owned(known)
                    }
                }
            } else {
                std::borrow::Cow::Borrowed(msg)
            };
            let msg = redacted.as_ref();
            out.extend_from_slice(b",\"msg\":");
            match std::str::from_utf8(msg) {
                // Checked JSON goes in as it is; a raw CR can only be insignificant whitespace.
                Ok(_) if whole_json => {
                    let start = out.len();
                    out.extend_from_slice(msg);
                    let copied = &mut out[start..];
                    for at in memchr::memchr2_iter(b'\r', b'\n', msg) {
                        copied[at] = b' ';
                    }
                }
                Ok(text) => push_json_str(out, text),
                Err(_) => push_json_str(out, &String::from_utf8_lossy(msg)),
            }
        }
        if line.truncated {
            out.extend_from_slice(b",\"truncated\":true");
        }
        if let Some(code) = line.code {
            out.extend_from_slice(b",\"code\":");
            push_json_str(out, code);
        }
        if let Some(level) = line.level {
            out.extend_from_slice(b",\"level\":");
            push_json_str(out, level);
        }
        if let Some(text) = line.text {
            out.extend_from_slice(b",\"text\":");
            push_json_str(out, text);
        }
        out.push(b'}');
    }
}

/// An event's text as journaled: it can carry what a server printed (its stderr lines, the last
/// ones before it exited), so it is masked as free text, as the messages are.
fn masked_event_text<'t>(redact: bool, secrets: &Secrets, text: &'t str) -> Cow<'t, str> {
    if !redact {
        return Cow::Borrowed(text);
    }
    let masked = crate::redact::mask_text(text);
    match crate::redact::mask_known(masked.as_bytes(), &secrets.0, false) {
        Cow::Owned(known) => Cow::Owned(String::from_utf8_lossy(&known).into_owned()),
        Cow::Borrowed(_) => masked,
    }
}

/// One journal line, as read back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub ts: String,
    pub server: String,
    #[serde(default)]
    pub session: String,
    #[serde(default)]
    pub pid: u32,
    /// Written by a shim one of MCP Tray's checks started ([`JournalConfig::check`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub check: bool,
    pub dir: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The live journal files in `dir` (not the rotated ones), sorted. One file is one server's,
/// except a file written before names were hashed (see [`journal_paths`]): go by each line's
/// `server`, never by the file's name.
pub fn journal_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".jsonl")) else {
            continue;
        };
        if !looks_rotated(stem) {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Every line of the journal whose live file is `live` (from [`journal_files`]), whichever server
/// wrote it: up to `keep` rotated files first (oldest first), then the live one. Lines that do not
/// parse (a torn last line, a foreign file) are skipped.
pub fn read_journal(live: &Path, keep: usize) -> io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    read_into(live, keep, &mut entries)?;
    Ok(entries)
}

/// Every line of a server's journal, rotated files first (oldest first), and only the lines whose
/// `server` is `server`: a file written before names were hashed may hold other servers' lines.
/// Lines that do not parse (a torn last line, a foreign file) are skipped.
pub fn read_all(dir: &Path, server: &str, keep: usize) -> io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for live in journal_paths(dir, server) {
        read_into(&live, keep, &mut entries)?;
    }
    entries.retain(|e| e.server == server);
    Ok(entries)
}

/// The newest lines of a server's journal, older first, for a look at what happened lately
/// without reading its whole history: from each live file that may hold its lines
/// ([`journal_paths`]), the last `max_bytes`, taken from the end of the live file and, when that
/// holds fewer, from the end of the rotated files before it (`.1`, `.2`, …) until `max_bytes` are
/// read. Only lines whose `server` is `server` are kept. The line cut where a read starts, a torn
/// last line and lines that do not parse are skipped, and so is a file that cannot be read: one
/// bad file does not hide the others.
pub fn read_recent(dir: &Path, server: &str, max_bytes: u64) -> Vec<Entry> {
    let mut entries = Vec::new();
    for live in journal_paths(dir, server) {
        // Newest first while the budget lasts, then parsed oldest first.
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        let mut budget = max_bytes;
        for n in 0..=MAX_ROTATED {
            if budget == 0 {
                break;
            }
            let path = if n == 0 {
                live.clone()
            } else {
                rotated_of(&live, n)
            };
            if !name_fits(&path) {
                continue;
            }
            match read_end(&path, budget) {
                Ok((chunk, read)) => {
                    budget = budget.saturating_sub(read);
                    chunks.push(chunk);
                }
                // Rotated files are numbered without gaps: the first missing one is the end.
                Err(e) if e.kind() == io::ErrorKind::NotFound && n > 0 => break,
                Err(_) => {}
            }
        }
        for chunk in chunks.iter().rev() {
            entries.extend(chunk.split(|&b| b == b'\n').filter_map(parse_line));
        }
    }
    entries.retain(|e| e.server == server);
    entries
}

/// The rotated files of the journal whose live file is `live` (from [`journal_files`]) that exist,
/// newest first (`.1`, `.2`, …): numbered without gaps, so the first missing one is the end.
pub fn rotated_files(live: &Path) -> Vec<PathBuf> {
    (1..=MAX_ROTATED)
        .map(|n| rotated_of(live, n))
        .take_while(|path| name_fits(path) && path.is_file())
        .collect()
}

/// The most rotated files a journal has ([`crate::settings::FILES_KEPT`]).
const MAX_ROTATED: usize = *crate::settings::FILES_KEPT.end() as usize;

/// The last `max` bytes of a file, starting at the first whole line within them, and how many
/// bytes were read.
fn read_end(path: &Path, max: u64) -> io::Result<(Vec<u8>, u64)> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(max);
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    // A file growing meanwhile is read no further than it was long.
    let read = file.take(len - start).read_to_end(&mut buf)? as u64;
    if start > 0 {
        // The line the read started in is cut: it begins after the first newline.
        let whole = memchr::memchr(b'\n', &buf).map_or(buf.len(), |nl| nl + 1);
        buf.drain(..whole);
    }
    Ok((buf, read))
}

/// One journal line as read back; `None` for one that does not parse (a torn last line, a
/// foreign file, a blank line).
fn parse_line(line: &[u8]) -> Option<Entry> {
    serde_json::from_slice::<Entry>(line).ok()
}

fn read_into(live: &Path, keep: usize, entries: &mut Vec<Entry>) -> io::Result<()> {
    let mut files: Vec<PathBuf> = (1..=keep.max(1))
        .rev()
        .map(|n| rotated_of(live, n))
        .collect();
    files.push(live.to_path_buf());
    // A name too long to be a file is not one (an old journal's rotated files may be).
    for path in files.into_iter().filter(|p| name_fits(p)) {
        match File::open(&path) {
            Ok(file) => {
                for line in BufReader::new(file).split(b'\n') {
                    entries.extend(parse_line(&line?));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Follows a journal file as it grows, across rotations. Call [`Tail::poll`] when the file may
/// have changed (on a timer or a file-system notification).
pub struct Tail {
    path: PathBuf,
    file: Option<File>,
    pos: u64,
    partial: Vec<u8>,
}

impl Tail {
    /// Starts at the end of the file (`from_start == false`) or at its beginning.
    pub fn open(path: impl Into<PathBuf>, from_start: bool) -> Tail {
        let path = path.into();
        let mut tail = Tail {
            path,
            file: None,
            pos: 0,
            partial: Vec::new(),
        };
        if let Ok(file) = File::open(&tail.path) {
            if !from_start {
                tail.pos = file.metadata().map(|m| m.len()).unwrap_or(0);
            }
            tail.file = Some(file);
        }
        tail
    }

    /// The complete lines appended since the last call.
    pub fn poll(&mut self) -> io::Result<Vec<Entry>> {
        let current_len = match fs::metadata(&self.path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let replaced = match &self.file {
            None => true,
            Some(file) => current_len < self.pos || !same_file(file, &self.path),
        };
        let mut out = Vec::new();
        if replaced {
            // Read what is left of the old file first, then start over on the new one.
            if self.file.is_some() {
                self.read_new(&mut out)?;
            }
            self.file = Some(File::open(&self.path)?);
            self.pos = 0;
            self.partial.clear();
        }
        self.read_new(&mut out)?;
        Ok(out)
    }

    fn read_new(&mut self, out: &mut Vec<Entry>) -> io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        file.seek(SeekFrom::Start(self.pos))?;
        let mut buf = Vec::new();
        let n = file.read_to_end(&mut buf)?;
        self.pos += n as u64;
        self.partial.extend_from_slice(&buf);
        let mut start = 0;
        while let Some(nl) = self.partial[start..].iter().position(|&b| b == b'\n') {
            let line = &self.partial[start..start + nl];
            out.extend(parse_line(line));
            start += nl + 1;
        }
        self.partial.drain(..start);
        Ok(())
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::inspect;

    fn config(dir: &Path) -> JournalConfig {
        JournalConfig::in_dir(dir)
    }

    #[cfg(unix)]
    #[test]
    fn journals_are_for_their_users_eyes_only_also_in_a_folder_made_before_that_rule() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let tmp = tempfile::tempdir().expect("tmp");
        let mut cfg = config(&tmp.path().join("journal"));
        cfg.max_bytes = 600;
        let journal = Journal::open("r", cfg.clone()).expect("open");
        for i in 0..20 {
            journal.event(Level::Info, "tick", format!("event {i:03}"));
        }
        journal.close(Duration::from_secs(2));
        assert_eq!(mode(&cfg.dir), 0o700);
        assert_eq!(mode(&journal_path(&cfg.dir, "r")), 0o600);
        assert_eq!(mode(&rotated_path(&cfg.dir, "r", 1)), 0o600, "rotated");

        // A folder and a file an older build left readable by everyone.
        let old = tmp.path().join("old");
        fs::create_dir_all(&old).unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(journal_path(&old, "s"), "").unwrap();
        Journal::open("s", config(&old))
            .expect("open")
            .close(Duration::from_secs(2));
        assert_eq!(mode(&old), 0o700);
    }

    #[test]
    fn read_recent_reads_only_the_newest_bytes_across_rotations_and_skips_what_is_broken() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut cfg = config(tmp.path());
        cfg.max_bytes = 2000;
        cfg.keep = 5;
        let journal = Journal::open("r", cfg).expect("open");
        for i in 0..100 {
            journal.event(Level::Info, "tick", format!("event {i:03}"));
        }
        journal.close(Duration::from_secs(2));
        assert!(rotated_path(tmp.path(), "r", 3).exists(), "rotated");
        let texts = |max: u64| -> Vec<String> {
            read_recent(tmp.path(), "r", max)
                .into_iter()
                .filter_map(|e| e.text)
                .collect()
        };
        // The last lines, in order, and no cut one: a line is ~160 bytes.
        let few = texts(1000);
        assert!((4..=6).contains(&few.len()), "{few:?}");
        assert_eq!(few.last().map(String::as_str), Some("event 099"));
        let numbers: Vec<usize> = few.iter().map(|t| t[6..].parse().unwrap()).collect();
        assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{few:?}");
        // More than the live file holds: the rotated ones before it follow, oldest first.
        let live = fs::metadata(journal_path(tmp.path(), "r")).unwrap().len();
        let more = texts(live + 3000);
        assert!(more.len() >= few.len() + 12, "{more:?}");
        let numbers: Vec<usize> = more.iter().map(|t| t[6..].parse().unwrap()).collect();
        assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{more:?}");
        assert_eq!(numbers.last(), Some(&99));
        // Everything: bounded by what is kept, not by the budget.
        assert_eq!(texts(u64::MAX), texts(10_000_000));

        // A garbage line, bytes that are not UTF-8 and a torn last line are skipped.
        let path = journal_path(tmp.path(), "r");
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"not json\n\xff\xfe\n{\"ts\":\"2026-")
            .unwrap();
        drop(file);
        assert_eq!(texts(1000).last().map(String::as_str), Some("event 099"));
        // A server with no journal, or a journal that is a folder: nothing, no failure.
        assert!(read_recent(tmp.path(), "none", 1000).is_empty());
        fs::create_dir(journal_path(tmp.path(), "folder")).unwrap();
        assert!(read_recent(tmp.path(), "folder", 1000).is_empty());
    }

    /// Journals a client's request, as the tap does.
    fn record_request(journal: &Journal, req: &[u8]) {
        let env = inspect(req).ok();
        journal.message(Direction::ClientToServer, req, env.as_ref(), None, None);
    }

    #[test]
    fn journal_lines_carry_raw_message_and_latency() {
        let tmp = tempfile::tempdir().expect("tmp");
        let journal = Journal::open("srv one", config(tmp.path())).expect("open");
        let req = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"x":1}}}"#;
        record_request(&journal, req);
        let res = br#"{"jsonrpc":"2.0","id":1,"result":{}}"#;
        journal.message(
            Direction::ServerToClient,
            res,
            inspect(res).ok().as_ref(),
            Some("tools/call"),
            Some(Duration::from_micros(1500)),
        );
        journal.event(Level::Info, "connected", "via Streamable HTTP");
        journal.close(Duration::from_secs(2));
        let entries = read_all(tmp.path(), "srv one", 3).expect("read");
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[0].msg.as_ref().map(|m| m.get()),
            Some(&*String::from_utf8_lossy(req))
        );
        assert_eq!(entries[0].kind, "request");
        assert_eq!(entries[1].method.as_deref(), Some("tools/call"));
        assert_eq!(entries[1].latency_ms, Some(1.5));
        assert_eq!(entries[2].code.as_deref(), Some("connected"));
        assert!(journal_path(tmp.path(), "srv one").ends_with("srv_one+4c44b993.jsonl"));
    }

    #[test]
    fn latencies_are_written_as_the_float_of_their_milliseconds_would_be() {
        let micros = (0..3000)
            .chain([9_999, 10_000, 10_001, 123_456, 999_999_999])
            .chain((0..2000).map(|i| i * 7919 % 100_000_000));
        for us in micros {
            let mut ours = Vec::new();
            push_millis(&mut ours, Duration::from_micros(us));
            let float = serde_json::to_string(&(us as f64 / 1e3)).expect("a number");
            assert_eq!(String::from_utf8(ours).expect("text"), float, "{us} µs");
        }
        // Rounded to the nearest microsecond, a tie up (the float formula rounded some ties down).
        let mut half = Vec::new();
        push_millis(&mut half, Duration::from_nanos(1_499));
        push_millis(&mut half, Duration::from_nanos(1_500));
        assert_eq!(half, b"0.0010.002");
    }

    #[test]
    fn a_checks_shim_marks_every_line_and_claudes_marks_none() {
        let tmp = tempfile::tempdir().expect("tmp");
        let request = br#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#;
        for (server, check) in [("claude", false), ("check", true)] {
            let mut cfg = config(tmp.path());
            cfg.check = check;
            let journal = Journal::open(server, cfg).expect("open");
            journal.event(Level::Info, "started", "cat (pid 1)".to_owned());
            let mut batch = journal.batch(Direction::ClientToServer);
            batch.push(request, inspect(request).ok().as_ref(), None, None);
            journal.record(batch);
            journal.close(Duration::from_secs(2));
            let text = fs::read_to_string(journal_path(tmp.path(), server)).expect("journal");
            assert_eq!(text.lines().count(), 2);
            for line in text.lines() {
                assert_eq!(line.contains(r#","check":true,"#), check, "{line}");
                // Still one JSON object whose fields read back.
                let entry: Entry = serde_json::from_str(line).expect("a journal line");
                assert_eq!(entry.check, check);
                assert_eq!(entry.server, server);
            }
        }
    }

    #[test]
    fn a_batch_is_journaled_in_order_with_each_message_whole() {
        let tmp = tempfile::tempdir().expect("tmp");
        let journal = Journal::open("say \"hi\"", config(tmp.path())).expect("open");
        let reply = br#"{"jsonrpc":"2.0","id":"a","result":{"text":"\u00e9\n"}}"#;
        let spaced = b"{\"jsonrpc\":\"2.0\",\r\"method\":\"notifications/progress\"}";
        let banner = b"Server \"v1\" ready\t\xff";
        let mut batch = journal.batch(Direction::ServerToClient);
        batch.push(
            reply,
            inspect(reply).ok().as_ref(),
            Some("tools/call"),
            Some(Duration::from_millis(2)),
        );
        batch.push(spaced, inspect(spaced).ok().as_ref(), None, None);
        batch.push(banner, None, None, None);
        journal.record(batch);
        journal.record(journal.batch(Direction::ClientToServer));
        journal.close(Duration::from_secs(2));

        let entries = read_all(tmp.path(), "say \"hi\"", 3).expect("every line is JSON");
        assert_eq!(entries.len(), 3, "an empty batch writes nothing");
        assert!(
            entries
                .iter()
                .all(|e| e.ts == entries[0].ts && e.dir == "s2c")
        );
        assert_eq!(entries[0].server, "say \"hi\"");
        let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["response", "notification", "invalid"]);
        assert_eq!(entries[0].method.as_deref(), Some("tools/call"));
        assert_eq!(entries[0].id.as_ref().map(|i| i.get()), Some(r#""a""#));
        assert_eq!(entries[0].latency_ms, Some(2.0));
        assert_eq!(
            entries[0].msg.as_ref().map(|m| m.get().as_bytes()),
            Some(&reply[..]),
            "a message goes in as its bytes"
        );
        assert_eq!(
            entries[1].msg.as_ref().map(|m| m.get()),
            Some(r#"{"jsonrpc":"2.0", "method":"notifications/progress"}"#)
        );
        let banner_text: String =
            serde_json::from_str(entries[2].msg.as_ref().expect("msg").get()).expect("a string");
        assert_eq!(banner_text, "Server \"v1\" ready\t\u{fffd}");
        assert_eq!(entries[2].bytes, Some(banner.len()));
    }

    #[test]
    fn flush_writes_out_what_was_recorded_while_the_journal_stays_open() {
        let tmp = tempfile::tempdir().expect("tmp");
        let journal = Arc::new(Journal::open("f", config(tmp.path())).expect("open"));
        let held_elsewhere = journal.clone();
        journal.event(Level::Error, "exited-early", "gone");
        assert!(journal.flush(Duration::from_secs(5)), "the writer confirms");
        let entries = read_all(tmp.path(), "f", 3).expect("read");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].code.as_deref(), Some("exited-early"));
        drop(held_elsewhere);
    }

    #[test]
    fn a_journal_dropped_without_closing_still_writes_its_lines_and_stops_its_writer() {
        let tmp = tempfile::tempdir().expect("tmp");
        let journal = Journal::open("d", config(tmp.path())).expect("open");
        let writer = journal.shared.clone();
        journal.event(Level::Info, "stopped", "server stopped");
        drop(journal);
        let deadline = Instant::now() + Duration::from_secs(5);
        // The writer holds the last reference but one once it has returned.
        while Arc::strong_count(&writer) > 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(Arc::strong_count(&writer), 1, "the writer thread ended");
        let entries = read_all(tmp.path(), "d", 3).expect("read");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].code.as_deref(), Some("stopped"));
    }

    #[test]
    fn big_messages_rendered_by_the_writer_keep_their_place_among_the_others() {
        let tmp = tempfile::tempdir().expect("tmp");
        let journal = Journal::open("order", config(tmp.path())).expect("open");
        let text = "x".repeat(2 * RENDER_HERE_MAX);
        let big = format!(r#"{{"jsonrpc":"2.0","id":2,"result":{{"text":"{text}"}}}}"#);
        for req in [
            br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.as_slice(),
            big.as_bytes(),
            br#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#.as_slice(),
        ] {
            record_request(&journal, req);
        }
        journal.event(Level::Info, "stopped", "server stopped");
        journal.close(Duration::from_secs(5));
        let entries = read_all(tmp.path(), "order", 3).expect("read");
        let ids: Vec<_> = entries
            .iter()
            .map(|e| e.id.as_ref().map(|id| id.get().to_owned()))
            .collect();
        assert_eq!(
            ids,
            [Some("1".into()), Some("2".into()), Some("3".into()), None]
        );
        assert!(
            entries[1]
                .msg
                .as_ref()
                .is_some_and(|m| m.get().contains(&text))
        );
    }

    #[test]
    fn a_rotation_that_cannot_happen_does_not_stop_the_writer() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("journal");
        let mut cfg = config(&dir);
        cfg.max_bytes = 512;
        let journal = Journal::open("gone", cfg).expect("open");
        // The folder goes while the journal is open: no file can be made in it any more.
        fs::remove_dir_all(&dir).expect("remove");
        for i in 0..50 {
            journal.event(Level::Info, "tick", format!("event {i}"));
        }
        assert!(
            journal.flush(Duration::from_secs(5)),
            "the writer still takes lines after a rotation failed"
        );
        journal.close(Duration::from_secs(5));
    }

    #[test]
    fn a_message_bigger_than_the_buffer_is_journaled_whole_when_the_settings_keep_it() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut cfg = config(tmp.path());
        cfg.max_msg_bytes = 6 * 1024 * 1024;
        let journal = Journal::open("huge", cfg).expect("open");
        let text = "z".repeat(MAX_QUEUED_BYTES + 1024 * 1024);
        let reply = format!(r#"{{"jsonrpc":"2.0","id":1,"result":{{"text":"{text}"}}}}"#);
        record_request(&journal, reply.as_bytes());
        assert_eq!(journal.dropped(), 0);
        journal.close(Duration::from_secs(5));
        let entries = read_all(tmp.path(), "huge", 3).expect("read");
        assert_eq!(entries.len(), 1);
        assert!(!entries[0].truncated);
        assert_eq!(
            entries[0].msg.as_ref().map(|m| m.get().len()),
            Some(reply.len())
        );
    }

    #[test]
    fn a_live_file_that_cannot_be_moved_keeps_its_lines_and_the_kept_files_stay_as_they_are() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut cfg = config(tmp.path());
        cfg.max_bytes = 512;
        cfg.keep = 2;
        let kept: Vec<_> = (1..=2)
            .map(|n| rotated_path(tmp.path(), "stuck", n))
            .collect();
        for (n, path) in kept.iter().enumerate() {
            fs::write(path, format!("kept {n}\n")).expect("kept file");
        }
        // Where the live file is moved before the kept ones shift: a folder, so the move fails
        // (as a file held open without delete sharing does on Windows), and the file reopens.
        let aside = tmp.path().join("stuck.rotating");
        fs::create_dir_all(aside.join("in-the-way")).expect("in the way");
        let journal = Journal::open("stuck", cfg).expect("open");
        for i in 0..50 {
            journal.event(Level::Info, "tick", format!("event {i}"));
        }
        assert!(journal.flush(Duration::from_secs(5)), "the writer goes on");
        journal.close(Duration::from_secs(5));
        for (n, path) in kept.iter().enumerate() {
            assert_eq!(
                fs::read_to_string(path).expect("kept"),
                format!("kept {n}\n")
            );
        }
        let live = read_journal(&journal_path(tmp.path(), "stuck"), 0).expect("read");
        assert_eq!(live.len(), 50, "every line went on into the live file");
    }

    #[test]
    fn a_stalled_disk_never_holds_up_recording() {
        let tmp = tempfile::tempdir().expect("tmp");
        let journal = Journal::open("s", config(tmp.path())).expect("open");
        journal.stall(true);
        let req = br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
        let started = Instant::now();
        for _ in 0..200_000 {
            record_request(&journal, req);
        }
        assert!(started.elapsed() < Duration::from_secs(20));
        let dropped = journal.dropped();
        assert!(dropped > 0, "4 MiB of lines cannot hold 200,000 of them");
        journal.stall(false);
        journal.close(Duration::from_secs(5));
        let entries = read_all(tmp.path(), "s", 3).expect("read");
        let kept = entries.iter().filter(|e| e.kind == "request").count() as u64;
        assert_eq!(
            kept + dropped,
            200_000,
            "every message is either journaled or counted"
        );
        let said = entries
            .iter()
            .find(|e| e.code.as_deref() == Some("journal-dropped"));
        assert!(
            said.is_some_and(|e| e
                .text
                .as_deref()
                .is_some_and(|t| t.starts_with(&dropped.to_string()))),
            "the drops are said with their count"
        );
    }

    #[test]
    fn long_messages_are_cut_and_marked_truncated() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut cfg = config(tmp.path());
        cfg.max_msg_bytes = 16;
        let journal = Journal::open("s", cfg).expect("open");
        let big = format!(
            r#"{{"jsonrpc":"2.0","id":1,"result":"{}"}}"#,
            "x".repeat(100)
        );
        journal.message(
            Direction::ServerToClient,
            big.as_bytes(),
            inspect(big.as_bytes()).ok().as_ref(),
            None,
            None,
        );
        journal.close(Duration::from_secs(2));
        let entries = read_all(tmp.path(), "s", 3).expect("read");
        assert!(entries[0].truncated);
        assert_eq!(entries[0].bytes, Some(big.len()));
        let cut: String =
            serde_json::from_str(entries[0].msg.as_ref().expect("msg").get()).expect("s");
        assert_eq!(cut, big[..16]);
    }

    #[test]
    fn a_known_secret_is_masked_and_the_line_stays_json_wherever_it_stood() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut cfg = config(tmp.path());
        cfg.secrets = Secrets(vec!["nsecret99x".to_owned(), "sk-plain-key-1".to_owned()]);
        let journal = Journal::open("s", cfg).expect("open");
        // In a string, and right after a `\`, where the mask would make `\[redacted]`.
        for msg in [
            r#"{"jsonrpc":"2.0","id":1,"result":{"text":"key sk-plain-key-1"}}"#,
            r#"{"jsonrpc":"2.0","id":2,"result":{"text":"a\nsecret99x"}}"#,
        ] {
            journal.message(
                Direction::ServerToClient,
                msg.as_bytes(),
                inspect(msg.as_bytes()).ok().as_ref(),
                None,
                None,
            );
        }
        journal.close(Duration::from_secs(2));
        let text = std::fs::read_to_string(tmp.path().join("s.jsonl")).expect("journal");
        assert!(
            !text.contains("sk-plain-key-1") && !text.contains("secret99x"),
            "{text}"
        );
        let entries = read_all(tmp.path(), "s", 3).expect("every line reads");
        let first: serde_json::Value =
            serde_json::from_str(entries[0].msg.as_ref().expect("msg").get()).expect("JSON");
        assert_eq!(
            first["result"]["text"],
            format!("key {}", crate::redact::MARKER)
        );
        // The second went in as a string: as JSON the mask would have broken it.
        let second: String =
            serde_json::from_str(entries[1].msg.as_ref().expect("msg").get()).expect("a string");
        assert!(second.contains(crate::redact::MARKER), "{second}");
    }

    #[test]
    fn files_rotate_and_only_the_kept_count_remain() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut cfg = config(tmp.path());
        cfg.max_bytes = 2_000;
        cfg.keep = 2;
        let journal = Journal::open("r", cfg).expect("open");
        for i in 0..200 {
            journal.event(Level::Info, "tick", format!("event {i}"));
        }
        journal.close(Duration::from_secs(2));
        assert!(rotated_path(tmp.path(), "r", 1).exists());
        assert!(rotated_path(tmp.path(), "r", 2).exists());
        assert!(!rotated_path(tmp.path(), "r", 3).exists());
        let entries = read_all(tmp.path(), "r", 2).expect("read");
        assert!(entries.len() < 200);
        assert_eq!(
            entries.last().and_then(|e| e.text.as_deref()),
            Some("event 199")
        );
        assert_eq!(
            journal_files(tmp.path()).expect("list"),
            vec![journal_path(tmp.path(), "r")],
            "rotated files are not journals of their own"
        );
        assert_eq!(
            read_journal(&journal_path(tmp.path(), "r"), 2)
                .expect("read")
                .len(),
            entries.len()
        );
    }

    fn file_name(server: &str) -> String {
        let path = journal_path(Path::new("j"), server);
        path.file_name()
            .expect("a file")
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn plain_names_keep_their_file_and_others_get_a_hash_of_the_exact_name() {
        // Journals written before names were hashed are still found.
        for plain in ["github", "fetch-server_2.x", "a.b", "x-1a2b3c4d", "v2"] {
            assert_eq!(file_name(plain), format!("{plain}.jsonl"));
        }
        // The hash is of the exact name and must never change: it names files already written.
        assert_eq!(file_name("my server"), "my_server+b129874b.jsonl");
        assert_eq!(file_name("日本語"), "___+77710aed.jsonl");
        assert_eq!(file_name("中文字"), "___+a07146f7.jsonl");
        assert_eq!(file_name("a/b"), "a_b+c14cddc0.jsonl");
        assert_eq!(file_name("Fetch"), "Fetch+cd7d61bf.jsonl");
        // Names Windows keeps for devices cannot be files there, with any extension.
        for device in ["con", "nul", "aux", "prn", "com1", "lpt9", "con.x"] {
            assert!(file_name(device).contains('+'), "{device}");
        }
        assert_eq!(file_name("console"), "console.jsonl");
        assert_eq!(file_name("com10"), "com10.jsonl");
        assert!(file_name("con").starts_with("con+") && file_name("Nul").starts_with("Nul+"));
        assert!(!windows_device(&file_name("con")) && !windows_device(&file_name("Nul")));
        // Windows takes `con.anything` for the device too, in any case: what comes before the
        // first dot of the file name is never a device name.
        for dotted in [
            "con.x", "nul.txt", "com1.log", "lpt9.a.b", "CON.x", "Nul.Txt", "Aux.",
        ] {
            let name = file_name(dotted);
            assert!(!windows_device(&name), "{dotted}: {name}");
            assert!(
                name.starts_with(&format!("_{}", legacy_stem(dotted))),
                "{name}"
            );
        }
        // A name ending in `.` and digits would be another journal's rotated file.
        assert!(file_name("v.2").starts_with("v.2+"));
        assert!(file_name("").starts_with("_+") && file_name(".hidden").starts_with("_.hidden+"));
    }

    #[test]
    fn names_that_shared_a_file_get_files_of_their_own_even_ignoring_case() {
        let pairs = [
            ("日本語", "中文字"),
            ("my server", "my_server"),
            ("a/b", "a_b"),
            ("Fetch", "fetch"),
            ("GitHub", "github"),
            ("v.2", "v"),
            ("", "_"),
            (".x", "_.x"),
        ];
        for (a, b) in pairs {
            let (fa, fb) = (file_name(a), file_name(b));
            assert_ne!(fa.to_lowercase(), fb.to_lowercase(), "{a:?} and {b:?}");
            for n in 1..=3 {
                let rb = rotated_path(Path::new("j"), b, n);
                let ra = rotated_path(Path::new("j"), a, n);
                assert_ne!(Path::new("j").join(&fa), rb, "{a:?} and rotated {b:?}");
                assert_ne!(Path::new("j").join(&fb), ra, "{b:?} and rotated {a:?}");
            }
        }
    }

    /// Server names as strategies (regexes): any short one, and ones too long for a file name.
    const SHORT_NAME: &str = ".{0,12}";
    const LONG_NAME: &str = ".{200,320}";

    proptest::proptest! {
        #[test]
        fn different_names_never_share_a_file(a in SHORT_NAME, b in SHORT_NAME) {
            proptest::prop_assume!(a != b);
            proptest::prop_assert_ne!(file_name(&a).to_lowercase(), file_name(&b).to_lowercase());
            // No live file is a rotated one, and nothing a file system refuses gets in.
            proptest::prop_assert!(!looks_rotated(&file_stem(&a)));
            let safe = file_stem(&a)
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.+".contains(&c));
            proptest::prop_assert!(safe);
        }

        #[test]
        fn long_names_fit_in_a_file_name_and_never_share_one(a in LONG_NAME, b in LONG_NAME) {
            proptest::prop_assume!(a != b);
            proptest::prop_assert_ne!(file_name(&a).to_lowercase(), file_name(&b).to_lowercase());
            proptest::prop_assert!(file_stem(&a).len() <= MAX_STEM);
            proptest::prop_assert!(!looks_rotated(&file_stem(&a)));
        }
    }

    #[test]
    fn a_name_too_long_for_a_file_gets_a_capped_stem_and_a_journal() {
        let long = "a".repeat(300);
        let wide = "日".repeat(300);
        let twin = format!("{}b", "a".repeat(299));
        for name in [&long, &wide, &twin] {
            let stem = file_stem(name);
            assert_eq!(stem.len(), MAX_STEM, "{name:?}");
            assert!(stem.contains(HASH_MARK) && !looks_rotated(&stem));
            assert!(file_name(name).len() <= MAX_FILE_NAME);
            assert!(name_fits(&rotated_path(Path::new("j"), name, 20)));
        }
        assert!(file_stem(&long).starts_with(&"a".repeat(MAX_STEM - HASH_TAIL)));
        // Names that differ only past the cut still get files of their own.
        assert_ne!(
            file_name(&long).to_lowercase(),
            file_name(&twin).to_lowercase()
        );
        // Every stem that fits is the one it always was.
        let longest_plain = "p".repeat(MAX_STEM);
        assert_eq!(file_stem(&longest_plain), longest_plain);
        let longest_hashed = format!("P{}", "p".repeat(MAX_STEM - HASH_TAIL - 1));
        assert_eq!(file_stem(&longest_hashed), uncapped_stem(&longest_hashed));
        assert_eq!(file_stem(&longest_hashed).len(), MAX_STEM);
        assert_eq!(file_stem(&format!("{longest_plain}p")).len(), MAX_STEM);

        // The journal can be made, written, rotated and read back.
        let tmp = tempfile::tempdir().expect("tmp");
        for name in [&long, &wide, &twin] {
            let mut cfg = config(tmp.path());
            cfg.max_bytes = 1024;
            cfg.keep = 20;
            let journal = Journal::open(name, cfg).expect("a journal for a long name");
            for i in 0..40 {
                journal.event(Level::Info, "tick", format!("event {i}"));
            }
            journal.close(Duration::from_secs(2));
            assert!(rotated_path(tmp.path(), name, 1).exists(), "rotated");
            let entries = read_all(tmp.path(), name, 20).expect("read");
            assert_eq!(
                entries.last().and_then(|e| e.text.as_deref()),
                Some("event 39")
            );
            assert!(entries.iter().all(|e| e.server == *name));
        }
    }

    #[test]
    fn a_journal_written_under_a_long_stem_before_the_cap_is_still_read() {
        // 247 bytes: a file name before the cap (its rotated files did not fit), capped now.
        let name = "o".repeat(MAX_STEM + 1);
        let tmp = tempfile::tempdir().expect("tmp");
        let before = tmp.path().join(format!("{name}.jsonl"));
        let line = format!(
            r#"{{"ts":"2026-11-24T08:00:00.000Z","server":"{name}","session":"s0","pid":1,"dir":"event","kind":"event","code":"tick","level":"info","text":"before"}}"#
        );
        fs::write(&before, line + "\n").expect("old journal");
        assert_ne!(journal_path(tmp.path(), &name), before);
        assert_eq!(
            journal_paths(tmp.path(), &name),
            [before, journal_path(tmp.path(), &name)]
        );
        let journal = Journal::open(&name, config(tmp.path())).expect("open");
        journal.event(Level::Info, "tick", "after");
        journal.close(Duration::from_secs(2));
        let texts: Vec<_> = read_all(tmp.path(), &name, 20)
            .expect("read")
            .into_iter()
            .filter_map(|e| e.text)
            .collect();
        assert_eq!(texts, ["before", "after"]);
    }

    #[test]
    fn a_journal_written_under_a_dotted_device_name_before_it_got_a_prefix_is_still_read() {
        let name = "nul.txt";
        let tmp = tempfile::tempdir().expect("tmp");
        let mut stem = legacy_stem(name);
        push_hash(&mut stem, name);
        let before = tmp.path().join(format!("{stem}.jsonl"));
        let line = format!(
            r#"{{"ts":"2026-11-24T08:00:00.000Z","server":"{name}","session":"s0","pid":1,"dir":"event","kind":"event","code":"tick","level":"info","text":"before"}}"#
        );
        fs::write(&before, line + "\n").expect("old journal");
        assert_ne!(journal_path(tmp.path(), name), before);
        let journal = Journal::open(name, config(tmp.path())).expect("open");
        journal.event(Level::Info, "tick", "after");
        journal.close(Duration::from_secs(2));
        let texts: Vec<_> = read_all(tmp.path(), name, 20)
            .expect("read")
            .into_iter()
            .filter_map(|e| e.text)
            .collect();
        assert_eq!(texts, ["before", "after"]);
    }

    #[test]
    fn servers_whose_names_once_shared_a_file_each_read_only_their_own_lines() {
        let tmp = tempfile::tempdir().expect("tmp");
        // A shim started before names were hashed wrote both servers' lines to one file.
        let legacy = tmp.path().join("my_server.jsonl");
        let old = |server: &str, text: &str| {
            format!(
                r#"{{"ts":"2026-11-24T08:00:00.000Z","server":"{server}","session":"s0","pid":1,"dir":"event","kind":"event","code":"tick","level":"info","text":"{text}"}}"#
            ) + "\n"
        };
        fs::write(
            &legacy,
            old("my server", "old spaced") + &old("my_server", "old underscored"),
        )
        .expect("legacy file");
        // Both run at once now.
        let spaced = Journal::open("my server", config(tmp.path())).expect("open");
        let underscored = Journal::open("my_server", config(tmp.path())).expect("open");
        spaced.event(Level::Info, "tick", "new spaced");
        underscored.event(Level::Info, "tick", "new underscored");
        spaced.close(Duration::from_secs(2));
        underscored.close(Duration::from_secs(2));

        let texts = |server: &str| -> Vec<String> {
            read_all(tmp.path(), server, 3)
                .expect("read")
                .into_iter()
                .inspect(|e| assert_eq!(e.server, server))
                .filter_map(|e| e.text)
                .collect()
        };
        assert_eq!(texts("my server"), ["old spaced", "new spaced"]);
        assert_eq!(texts("my_server"), ["old underscored", "new underscored"]);
        assert_eq!(
            journal_files(tmp.path()).expect("list"),
            vec![journal_path(tmp.path(), "my server"), legacy.clone()]
        );
        let in_legacy = read_journal(&legacy, 3).expect("read");
        assert_eq!(
            in_legacy.len(),
            3,
            "a file read whole keeps every server's lines"
        );
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_blocking() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut cfg = config(tmp.path());
        cfg.queue = 1;
        let journal = Journal::open("q", cfg).expect("open");
        let started = Instant::now();
        for i in 0..20_000 {
            journal.event(Level::Info, "tick", format!("event {i}"));
        }
        assert!(started.elapsed() < Duration::from_secs(2));
        let dropped = journal.dropped();
        journal.close(Duration::from_secs(2));
        assert!(dropped > 0, "a one-slot queue must overflow");
        let entries = read_all(tmp.path(), "q", 3).expect("read");
        assert!(
            entries
                .iter()
                .any(|e| e.code.as_deref() == Some("journal-dropped"))
        );
    }

    #[test]
    fn a_new_batch_of_one_message_holds_just_that_message() {
        // A big message's batch waits for the writer as it is (the bridge journals each message
        // on its own): each must hold its bytes, not room for four messages and twice the bytes.
        let tmp = tempfile::tempdir().expect("tmp");
        let journal = Journal::open("one", config(tmp.path())).expect("open");
        let req = br#"{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"echo"}}"#;
        let mut batch = journal.batch(Direction::ClientToServer);
        batch.push(req, inspect(req).ok().as_ref(), None, None);
        let texts = req.len() + "tools/call".len() + "17".len();
        assert_eq!(batch.bytes.len(), texts);
        assert_eq!(batch.bytes.capacity(), texts);
        assert_eq!(batch.items.capacity(), 1);
        // A second message still fits: the batch grows.
        batch.push(req, inspect(req).ok().as_ref(), None, None);
        assert_eq!(batch.items.len(), 2);
        assert_eq!(batch.bytes.len(), 2 * texts);
        journal.record(batch);
        journal.close(Duration::from_secs(2));
        assert_eq!(read_all(tmp.path(), "one", 3).expect("read").len(), 2);
    }

    #[test]
    fn queued_bytes_are_bounded_even_when_the_queue_has_room() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut cfg = config(tmp.path());
        cfg.max_msg_bytes = 1024 * 1024;
        let journal = Journal::open("big", cfg).expect("open");
        // A disk that does not take anything: 1 MiB lines wait until the byte limit bites.
        journal.stall(true);
        let big = vec![b'x'; 1024 * 1024];
        for _ in 0..64 {
            journal.message(Direction::ServerToClient, &big, None, None, None);
        }
        let dropped = journal.dropped();
        assert!(
            lock(&journal.shared.pending).weight <= MAX_QUEUED_BYTES,
            "the lines waiting outgrew their limit"
        );
        journal.stall(false);
        journal.close(Duration::from_secs(5));
        assert!(dropped >= 60, "only {dropped} of 64 dropped");
        let entries = read_all(tmp.path(), "big", 3).expect("read");
        let written = entries.iter().filter(|e| e.kind == "invalid").count();
        assert_eq!(written as u64 + dropped, 64);
    }

    #[test]
    fn tail_returns_appended_lines_and_survives_rotation() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut cfg = config(tmp.path());
        cfg.max_bytes = 600;
        let path = journal_path(tmp.path(), "t");
        let journal = Journal::open("t", cfg).expect("open");
        let mut tail = Tail::open(&path, false);
        journal.event(Level::Info, "a", "first");
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(2);
        while seen.is_empty() && Instant::now() < deadline {
            seen.extend(tail.poll().expect("poll"));
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(seen[0].text.as_deref(), Some("first"));
        for i in 0..10 {
            journal.event(Level::Info, "b", format!("more {i}"));
        }
        journal.close(Duration::from_secs(2));
        let rest = tail.poll().expect("poll");
        assert_eq!(rest.last().and_then(|e| e.text.as_deref()), Some("more 9"));
    }
}
