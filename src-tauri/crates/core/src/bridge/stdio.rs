//! The process's stdin and stdout for a shim, each served by one dedicated thread.
//!
//! Tokio's own `stdin()`/`stdout()` hand every read and write to the blocking pool and back,
//! two thread wake-ups per message each way. A shim forwards messages one by one, so these
//! adapters keep one thread blocked on each pipe instead: a message costs one wake-up per
//! direction. They own nothing else; they must never parse or change the bytes.

use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{AcquireError, Semaphore, mpsc};

/// Reads a blocking source on its own thread; an [`AsyncRead`] for the runtime.
pub struct ThreadedReader {
    chunks: mpsc::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ThreadedReader {
    /// Starts the reading thread. `chunk` is the most read at once.
    pub fn spawn<R: Read + Send + 'static>(mut source: R, chunk: usize) -> io::Result<Self> {
        // A few chunks in flight bound the memory while the runtime is busy.
        let (tx, chunks) = mpsc::channel(4);
        std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || {
                loop {
                    let mut buf = vec![0u8; chunk];
                    match source.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            buf.truncate(n);
                            if tx.blocking_send(Ok(buf)).is_err() {
                                break;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = tx.blocking_send(Err(e));
                            break;
                        }
                    }
                }
            })?;
        Ok(ThreadedReader {
            chunks,
            current: Vec::new(),
            pos: 0,
            done: false,
        })
    }
}

impl AsyncRead for ThreadedReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while this.pos >= this.current.len() {
            if this.done {
                return Poll::Ready(Ok(()));
            }
            match this.chunks.poll_recv(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    this.current = chunk;
                    this.pos = 0;
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Err(e));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(Ok(()));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        let n = buf.remaining().min(this.current.len() - this.pos);
        buf.put_slice(&this.current[this.pos..this.pos + n]);
        this.pos += n;
        Poll::Ready(Ok(()))
    }
}

/// Bytes written but not yet taken by the writer thread before writes wait (backpressure when
/// the client stops reading our stdout).
const MAX_BUFFERED: usize = 8 * 1024 * 1024;
/// Pending bytes that are handed to the thread without waiting for a flush.
const SEND_AT: usize = 64 * 1024;

type Acquire =
    Pin<Box<dyn Future<Output = Result<tokio::sync::OwnedSemaphorePermit, AcquireError>> + Send>>;

/// Writes to a blocking sink on its own thread; an [`AsyncWrite`] for the runtime. Bytes are
/// handed over on flush (or every 64 KiB) and written by the thread, which flushes whenever its
/// queue runs empty. At most 8 MiB wait for the thread; past that, writes wait too.
pub struct ThreadedWriter {
    tx: Option<std_mpsc::Sender<(Vec<u8>, u32)>>,
    pending: Vec<u8>,
    room: Arc<Semaphore>,
    acquiring: Option<(Acquire, u32)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ThreadedWriter {
    pub fn spawn<W: Write + Send + 'static>(sink: W) -> io::Result<Self> {
        let (tx, rx) = std_mpsc::channel::<(Vec<u8>, u32)>();
        let room = Arc::new(Semaphore::new(MAX_BUFFERED));
        let freed = room.clone();
        let thread = std::thread::Builder::new()
            .name("stdout".into())
            .spawn(move || {
                let mut out = io::BufWriter::with_capacity(64 * 1024, sink);
                while let Ok((first, weight)) = rx.recv() {
                    if out.write_all(&first).is_err() {
                        return;
                    }
                    freed.add_permits(weight as usize);
                    while let Ok((next, weight)) = rx.try_recv() {
                        if out.write_all(&next).is_err() {
                            return;
                        }
                        freed.add_permits(weight as usize);
                    }
                    if out.flush().is_err() {
                        return;
                    }
                }
            })?;
        Ok(ThreadedWriter {
            tx: Some(tx),
            pending: Vec::new(),
            room,
            acquiring: None,
            thread: Some(thread),
        })
    }

    /// Hands the pending bytes to the thread once there is room for them.
    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.pending.is_empty() {
            return Poll::Ready(Ok(()));
        }
        if self.acquiring.is_none() {
            let weight = self.pending.len().min(MAX_BUFFERED) as u32;
            let acquire = self.room.clone().acquire_many_owned(weight);
            self.acquiring = Some((Box::pin(acquire), weight));
        }
        let Some((acquire, weight)) = self.acquiring.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let weight = *weight;
        match acquire.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(permit)) => permit.forget(),
            Poll::Ready(Err(_)) => return Poll::Ready(Err(closed())),
        }
        self.acquiring = None;
        let data = std::mem::take(&mut self.pending);
        Poll::Ready(match &self.tx {
            Some(tx) => tx.send((data, weight)).map_err(|_| closed()),
            None => Err(closed()),
        })
    }

    /// Hands what is pending over without waiting (used when dropped).
    fn send_now(&mut self) {
        if let Some(tx) = &self.tx
            && !self.pending.is_empty()
        {
            let _ = tx.send((std::mem::take(&mut self.pending), 0));
        }
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "stdout is closed")
}

impl AsyncWrite for ThreadedWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.pending.len() >= SEND_AT {
            match self.poll_send(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other.map(|r| r.map(|()| 0)),
            }
        }
        // Collected until flush, so a line and its newline travel together.
        self.pending.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_send(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = std::task::ready!(self.poll_send(cx));
        self.tx = None;
        Poll::Ready(result)
    }
}

impl Drop for ThreadedWriter {
    fn drop(&mut self) {
        self.send_now();
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            // The thread ends once it has written what was queued, or the pipe is gone. A
            // reader that stopped reading must not keep the process alive: wait 2 s at most.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
            while !thread.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    #[tokio::test]
    async fn threaded_reader_yields_the_bytes_in_order() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let reader = ThreadedReader::spawn(io::Cursor::new(data.clone()), 4096).expect("spawn");
        let mut got = Vec::new();
        let mut r = BufReader::new(reader);
        loop {
            let buf = r.fill_buf().await.expect("read");
            if buf.is_empty() {
                break;
            }
            let n = buf.len();
            got.extend_from_slice(buf);
            r.consume(n);
        }
        assert_eq!(got, data);
    }

    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A sink that accepts nothing until the gate opens: a client that stopped reading.
    struct Gated(
        std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
        Shared,
    );

    impl Write for Gated {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let (open, cv) = &*self.0;
            let mut guard = open.lock().map_err(|_| io::Error::other("poisoned"))?;
            while !*guard {
                guard = cv.wait(guard).map_err(|_| io::Error::other("poisoned"))?;
            }
            self.1.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn threaded_writer_makes_writes_wait_when_the_reader_stops() {
        let gate = std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
        let sink = Shared::default();
        let mut w = ThreadedWriter::spawn(Gated(gate.clone(), sink.clone())).expect("spawn");
        let line = vec![b'x'; 1024 * 1024];
        let mut accepted = 0;
        for _ in 0..20 {
            let wrote = tokio::time::timeout(std::time::Duration::from_millis(200), async {
                w.write_all(&line).await?;
                w.flush().await
            })
            .await;
            match wrote {
                Ok(Ok(())) => accepted += 1,
                Ok(Err(e)) => panic!("write failed: {e}"),
                Err(_) => break, // waiting: backpressure
            }
        }
        assert!(
            accepted < 20,
            "20 MiB buffered for a reader that reads nothing"
        );
        assert!(accepted >= 7, "only {accepted} MiB accepted before waiting");
        {
            let (open, cv) = &*gate;
            *open.lock().expect("lock") = true;
            cv.notify_all();
        }
        w.write_all(b"end\n")
            .await
            .expect("write after the reader resumed");
        w.flush().await.expect("flush");
        drop(w);
        let written = sink.0.lock().expect("lock").len();
        assert!(written >= accepted * 1024 * 1024 + 4, "{written}");
    }

    #[tokio::test]
    async fn threaded_writer_writes_everything_before_it_is_dropped() {
        let sink = Shared::default();
        let mut w = ThreadedWriter::spawn(sink.clone()).expect("spawn");
        for i in 0..1000 {
            w.write_all(format!("line {i}\n").as_bytes())
                .await
                .expect("write");
            if i % 7 == 0 {
                w.flush().await.expect("flush");
            }
        }
        drop(w);
        let text = String::from_utf8(sink.0.lock().expect("lock").clone()).expect("utf8");
        assert_eq!(text.lines().count(), 1000);
        assert_eq!(text.lines().last(), Some("line 999"));
    }
}
