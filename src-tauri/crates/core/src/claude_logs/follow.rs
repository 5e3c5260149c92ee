//! Following Claude's log folder as it grows: `mcp-tray logs --follow` and the app's Logs view.
//!
//! Each poll reads what was appended to every `mcp.log`/`mcp-server-*.log`, picks up new files,
//! starts over on a file that shrank (rotation, truncation), and finishes a pending multi-line
//! record once its file has been quiet for a poll ([`OPEN_BLOCK_WAIT`] for a record whose `{`
//! block is still open: Claude may write it in pieces). When to poll is the caller's [`Pace`]: on a
//! timer (the CLI: the same on every OS and on network home folders), or on a signal (the app:
//! after a file changed while its window is shown, so that it never wakes up idle), with one more
//! poll an interval later while a record is pending. Never: hold a file open between polls
//! (Windows would keep Claude from rotating it).

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::from_journal::JournalEventTail;
use super::lines::{LineSplitter, MAX_LINE};
use super::record::FileParser;
use super::{LogEvent, Seen, is_claude_log, per_server_first};

/// When a follower looks at its files again.
#[derive(Debug)]
pub enum Pace {
    /// Every this long.
    Every(Duration),
    /// Each time the receiver's value changes, but never sooner than this long after the last
    /// poll; while a multi-line record is pending, also this long after the last poll (a quiet
    /// file finishes its record).
    OnSignal(watch::Receiver<u64>, Duration),
}

/// Where following starts in files that already exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    Beginning,
    /// Only what is written from now on.
    End,
    /// The last this many bytes of each file (from the first whole record there), then new lines.
    Recent(u64),
}

#[derive(Debug)]
struct TailedFile {
    offset: u64,
    splitter: LineSplitter,
    parser: FileParser,
    quiet_polls: u32,
    /// When data was last read from the file.
    last_data: Instant,
}

impl TailedFile {
    fn new(name: &str, offset: u64) -> Self {
        TailedFile {
            offset,
            splitter: LineSplitter::new(MAX_LINE),
            parser: FileParser::new(name),
            quiet_polls: 0,
            last_data: Instant::now(),
        }
    }
}

/// How long a file must stay quiet before a pending record whose `{` block is still open is
/// finished anyway (a record cut short for good). Claude may write a record in pieces: a block
/// still open after a quiet poll is most likely still being written, and its next piece, or the
/// next record's header, ends it sooner.
const OPEN_BLOCK_WAIT: Duration = Duration::from_secs(3);

/// How many records a follower remembers, so a record Claude wrote to both `mcp.log` and its
/// server's file shows once.
const RECENT: usize = 20_000;

/// A poll-driven reader of Claude's log folder.
#[derive(Debug)]
pub struct LogTail {
    dir: PathBuf,
    start: StartAt,
    files: HashMap<PathBuf, TailedFile>,
    recent: Seen,
    first_scan: bool,
}

impl LogTail {
    pub fn new(dir: impl Into<PathBuf>, start: StartAt) -> Self {
        LogTail {
            dir: dir.into(),
            start,
            files: HashMap::new(),
            recent: Seen::bounded(RECENT),
            first_scan: true,
        }
    }

    /// Whether a record or line is waiting for more of its file (or for a quiet poll).
    pub fn has_pending(&self) -> bool {
        self.files
            .values()
            .any(|f| f.parser.has_pending() || f.splitter.has_partial())
    }

    /// What holds records back: one a quiet file gives out by itself (its `{` block still open,
    /// given out after [`OPEN_BLOCK_WAIT`] of quiet), and a last line without its newline, which
    /// only more of the file can end (Claude killed as it wrote).
    pub fn held_back(&self) -> (bool, bool) {
        let released_when_quiet = self
            .files
            .values()
            .any(|f| f.parser.has_pending() && !f.splitter.has_partial());
        let unfinished = self.files.values().any(|f| f.splitter.has_partial());
        (released_when_quiet, unfinished)
    }

    /// Reads whatever was appended since the last poll, time-ordered within the batch.
    pub fn poll(&mut self) -> Vec<LogEvent> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                    .filter(|n| is_claude_log(n))
                    .collect()
            })
            .unwrap_or_default();
        names.sort_by(|a, b| per_server_first(a, b));
        let mut out = Vec::new();
        for name in names {
            let path = self.dir.join(&name);
            // Files that appear later are read whole: everything in them is new.
            let start = if self.first_scan {
                self.start
            } else {
                StartAt::Beginning
            };
            let file = self.files.entry(path.clone()).or_insert_with(|| {
                let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                match start {
                    StartAt::Beginning => TailedFile::new(&name, 0),
                    StartAt::End => TailedFile::new(&name, len),
                    StartAt::Recent(bytes) if len > bytes => TailedFile {
                        parser: FileParser::resuming(&name),
                        ..TailedFile::new(&name, len - bytes)
                    },
                    StartAt::Recent(_) => TailedFile::new(&name, 0),
                }
            });
            for event in read_appended(&path, &name, file) {
                if self.recent.first_time(&event) {
                    out.push(event);
                }
            }
        }
        self.first_scan = false;
        out.sort_by_key(|e| e.ts_ms);
        out
    }
}

fn read_appended(path: &Path, name: &str, file: &mut TailedFile) -> Vec<LogEvent> {
    let mut out = Vec::new();
    let Ok(mut f) = std::fs::File::open(path) else {
        return out;
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len < file.offset {
        // Rotated or truncated: start over.
        *file = TailedFile::new(name, 0);
    }
    let mut got_data = false;
    if len > file.offset && f.seek(SeekFrom::Start(file.offset)).is_ok() {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match f.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    got_data = true;
                    file.offset += n as u64;
                    for line in file.splitter.push(&chunk[..n]) {
                        out.extend(file.parser.push_line(&line.text, line.truncated));
                    }
                }
            }
        }
    }
    if got_data {
        file.quiet_polls = 0;
        file.last_data = Instant::now();
    } else {
        file.quiet_polls += 1;
        // A quiet file's last record is complete, even without a following header; one whose
        // `{` block is still open only once the file has been quiet for longer.
        let complete = !file.parser.has_open_block() || file.last_data.elapsed() >= OPEN_BLOCK_WAIT;
        if file.quiet_polls >= 1
            && !file.splitter.has_partial()
            && file.parser.has_pending()
            && complete
        {
            out.extend(file.parser.flush());
        }
    }
    super::stamp_orphans(&mut out, f.metadata().and_then(|m| m.modified()).ok());
    out
}

/// A followed stream: its events, and a signal that the history asked for is all in.
pub struct Followed {
    pub events: mpsc::Receiver<LogEvent>,
    /// Fired once every event of the history asked for (`start`) has been sent to `events`,
    /// none held back (a record in an open `{` block comes once its file has been quiet for
    /// [`OPEN_BLOCK_WAIT`]; a last line without its newline is waited for that long after the
    /// first poll, and a file writing into an open block for twice that): from then on only new
    /// ones come. For [`StartAt::End`], after the first poll. Dropped unfired when the follow
    /// ends first.
    pub caught_up: oneshot::Receiver<()>,
}

/// Follows `dir` on a tokio task until `shutdown`, polling at `pace`.
pub fn follow(
    dir: PathBuf,
    start: StartAt,
    pace: Pace,
    shutdown: CancellationToken,
) -> mpsc::Receiver<LogEvent> {
    spawn_follow(LogTail::new(dir, start), None, start, pace, shutdown).events
}

/// Like [`follow`], with the events of our journals in `journal_dir` merged in by time: the
/// stream the app's Logs view shows.
pub fn follow_with_journals(
    claude_dir: PathBuf,
    journal_dir: PathBuf,
    start: StartAt,
    pace: Pace,
    shutdown: CancellationToken,
) -> Followed {
    // The journals start where Claude's logs do: with `Recent`, the view opens on what happened
    // lately in both, not on Claude's alone.
    let journals = JournalEventTail::starting(journal_dir, start);
    spawn_follow(
        LogTail::new(claude_dir, start),
        Some(journals),
        start,
        pace,
        shutdown,
    )
}

fn spawn_follow(
    mut tail: LogTail,
    mut journals: Option<JournalEventTail>,
    start: StartAt,
    mut pace: Pace,
    shutdown: CancellationToken,
) -> Followed {
    let (tx, rx) = mpsc::channel(1024);
    let (caught_up, caught_up_rx) = oneshot::channel();
    let mut caught_up = Some(caught_up);
    // When the first poll finished: the waits for what is held back count from then (a first
    // poll of a big history, or on a busy machine, may take a while).
    let mut first_polled: Option<Instant> = None;
    if start == StartAt::End {
        // "From now on" means from this call, not from whenever the task first runs.
        let _ = tail.poll();
        if let Some(j) = journals.as_mut() {
            let _ = j.poll();
        }
    }
    tokio::spawn(async move {
        loop {
            let polled = tokio::task::spawn_blocking(move || {
                let mut batch = tail.poll();
                if let Some(j) = journals.as_mut() {
                    batch.extend(j.poll());
                    batch.sort_by_key(|e| e.ts_ms);
                }
                (tail, journals, batch)
            })
            .await;
            let batch = match polled {
                Ok((t, j, batch)) => {
                    tail = t;
                    journals = j;
                    batch
                }
                Err(_) => return,
            };
            for event in batch {
                if tx.send(event).await.is_err() {
                    return;
                }
            }
            let pending = tail.has_pending();
            // A record held back (the file's last, maybe not complete yet) is part of the
            // history: it comes with a later poll, once the file has been quiet (its own clock,
            // from its last data: not from this start). One that never completes (a last line
            // without its newline, Claude killed as it wrote) holds nothing back past the wait
            // for one; a file that keeps writing into an open block, nothing past twice that.
            let (released_when_quiet, unfinished) = tail.held_back();
            let waited = first_polled.get_or_insert_with(Instant::now).elapsed();
            if (!released_when_quiet || waited >= 2 * OPEN_BLOCK_WAIT)
                && (!unfinished || waited >= OPEN_BLOCK_WAIT)
                && let Some(caught_up) = caught_up.take()
            {
                let _ = caught_up.send(());
            }
            let polled = std::time::Instant::now();
            match &mut pace {
                Pace::Every(interval) => tokio::select! {
                    () = tokio::time::sleep(*interval) => {}
                    () = shutdown.cancelled() => return,
                },
                Pace::OnSignal(signal, interval) => {
                    tokio::select! {
                        changed = signal.changed() => if changed.is_err() { return },
                        () = tokio::time::sleep(*interval), if pending => {}
                        () = shutdown.cancelled() => return,
                    }
                    // However fast the files change, polls stay an interval apart.
                    let left = interval.saturating_sub(polled.elapsed());
                    tokio::select! {
                        () = tokio::time::sleep(left) => {}
                        () = shutdown.cancelled() => return,
                    }
                }
            }
        }
    });
    Followed {
        events: rx,
        caught_up: caught_up_rx,
    }
}
