//! Each connection's outbox: what it still has to send, bounded (see the module above).

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// Counts a page's delivered states (the push latency metric). Lives as long as the
/// page's outbox, under its lock: nothing else to lock or chase per delivered state.
pub(crate) trait Tally: Send {
    /// State `seq` has been fully written to the socket.
    fn delivered(&mut self, seq: u64);
}

/// What a queued control frame costs besides its bytes (its buffer's bookkeeping and
/// the queue's slot), in bytes: 256 empty pongs fill the backlog, not 8 000.
const FRAME_COST: usize = 64;

fn cost(frame: &Bytes) -> usize {
    frame.len() + FRAME_COST
}

/// What one connection still has to send. See the module's notes.
pub(crate) struct Outbox {
    /// The plain TCP socket (read by the connection's task, written from any task);
    /// none over TLS. Held here, beside the lock, so a delivery touches one object.
    tcp: Option<TcpStream>,
    out: Mutex<Out>,
    /// Wakes the connection's task: bytes are waiting that only it can write.
    ready: Notify,
}

#[derive(Default)]
pub(crate) struct Out {
    /// A frame partly written (must be finished first), its offset and its state `seq`.
    head: Option<(Bytes, usize, Option<u64>)>,
    control: VecDeque<Bytes>,
    /// What `control` costs: its bytes plus [`FRAME_COST`] per frame.
    control_cost: usize,
    /// The latest state not yet started, and its `seq`.
    state: Option<(Bytes, u64)>,
    /// The newest state taken.
    seq: u64,
    /// A close frame is queued: nothing more is taken.
    closing: bool,
    /// Since when queued bytes wait for a socket that takes none.
    stalled: Option<Instant>,
    /// The write failed; the connection's task ends it.
    failed: Option<io::ErrorKind>,
    tally: Option<Box<dyn Tally>>,
}

impl Out {
    pub(super) fn pending(&self) -> bool {
        self.failed.is_some()
            || self.head.is_some()
            || !self.control.is_empty()
            || self.state.is_some()
    }

    pub(super) fn take_all(&mut self) -> Vec<(Bytes, Option<u64>)> {
        let mut v = Vec::new();
        if let Some((b, off, seq)) = self.head.take() {
            v.push((b.slice(off..), seq));
        }
        v.extend(self.control.drain(..).map(|b| (b, None)));
        self.control_cost = 0;
        if let Some((b, seq)) = self.state.take() {
            v.push((b, Some(seq)));
        }
        v
    }

    pub(super) fn sent_all(&mut self, bufs: &[(Bytes, Option<u64>)]) {
        for seq in bufs.iter().filter_map(|(_, s)| *s) {
            self.delivered(seq);
        }
    }

    fn delivered(&mut self, seq: u64) {
        if let Some(t) = self.tally.as_mut() {
            t.delivered(seq);
        }
    }

    fn next(&mut self) -> Option<&mut (Bytes, usize, Option<u64>)> {
        if self.head.is_none() {
            self.head = match self.control.pop_front() {
                Some(b) => {
                    self.control_cost -= cost(&b);
                    Some((b, 0, None))
                }
                None => self.state.take().map(|(b, s)| (b, 0, Some(s))),
            };
        }
        self.head.as_mut()
    }
}

impl Outbox {
    pub(super) fn new(tcp: Option<TcpStream>) -> Arc<Outbox> {
        Arc::new(Outbox {
            tcp,
            out: Mutex::default(),
            ready: Notify::new(),
        })
    }

    /// The plain TCP socket, if the page has one.
    pub(super) fn tcp(&self) -> Option<&TcpStream> {
        self.tcp.as_ref()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Out> {
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until queued bytes wait for the connection's task: on plain TCP, until the
    /// socket that took none takes some again. Cancel-safe; takes nothing.
    pub(crate) async fn ready(&self) {
        loop {
            let notified = self.ready.notified();
            if self.lock().pending() {
                break;
            }
            notified.await;
        }
        if let Some(tcp) = &self.tcp {
            // An error shows as writable too; the write then reports it.
            let _ = tcp.writable().await;
        }
    }

    /// Counts this page's delivered states with `tally`.
    pub(crate) fn set_tally(&self, tally: Box<dyn Tally>) {
        self.lock().tally = Some(tally);
    }

    /// Queues a control frame (or a reply) after what is queued; `close` ends the queue.
    pub(crate) fn push_control(&self, f: Bytes, close: bool) {
        let mut out = self.lock();
        if out.closing {
            return;
        }
        out.closing |= close;
        if close {
            out.state = None;
        }
        out.control_cost += cost(&f);
        out.control.push_back(f);
        self.kick(out);
    }

    /// Whether the connection's task may read the client's next message: not while
    /// control frames and replies costing more than [`super::MAX_CONTROL_BACKLOG`] wait
    /// for a socket that does not take them (a client sending pings or commands without
    /// reading would otherwise grow this queue without end). A frame costs its bytes
    /// plus [`FRAME_COST`], so a flood of empty pings is bounded as tightly.
    pub(crate) fn takes_input(&self) -> bool {
        let out = self.lock();
        let head = match &out.head {
            Some((b, off, None)) => b.len() - off + FRAME_COST,
            _ => 0,
        };
        head + out.control_cost <= super::MAX_CONTROL_BACKLOG
    }

    /// Offers state `seq`: taken only when newer than the last one taken, replacing a
    /// state still waiting (the page skips it).
    pub(crate) fn offer(&self, seq: u64, f: &Bytes) {
        let mut out = self.lock();
        if seq <= out.seq || out.closing {
            return;
        }
        out.seq = seq;
        out.state = Some((f.clone(), seq));
        self.kick(out);
    }

    /// Writes now when the socket is ours to write from any task and nothing is ahead;
    /// else leaves it to the connection's task.
    fn kick(&self, mut out: MutexGuard<'_, Out>) {
        if self.tcp.is_some() && out.failed.is_none() && out.stalled.is_none() {
            self.pump_locked(&mut out);
            if !out.pending() {
                return;
            }
        }
        drop(out);
        self.ready.notify_one();
    }

    /// Writes what the socket takes now (plain TCP).
    pub(super) fn pump(&self) -> io::Result<()> {
        let mut out = self.lock();
        self.pump_locked(&mut out);
        match out.failed {
            Some(kind) => Err(kind.into()),
            None => Ok(()),
        }
    }

    fn pump_locked(&self, out: &mut Out) {
        let Some(tcp) = &self.tcp else { return };
        if out.failed.is_some() {
            return;
        }
        let mut wrote = false;
        while let Some((buf, off, seq)) = out.next() {
            match send_now(tcp, &buf[*off..]) {
                Ok(n) => {
                    wrote |= n > 0;
                    *off += n;
                    if *off == buf.len() {
                        let seq = *seq;
                        out.head = None;
                        if let Some(s) = seq {
                            out.delivered(s);
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    out.failed = Some(e.kind());
                    break;
                }
            }
        }
        if !out.pending() || wrote {
            out.stalled = None;
        }
        if out.pending() && out.stalled.is_none() {
            out.stalled = Some(Instant::now());
        }
    }

    /// How long queued bytes have waited for a socket that takes none.
    pub(crate) fn stalled_for(&self) -> Duration {
        self.lock().stalled.map_or(Duration::ZERO, |t| t.elapsed())
    }

    /// Bytes this page holds that the socket has not taken yet (at most one partial
    /// frame, the queued control frames and one state), counting [`FRAME_COST`] for
    /// each control frame's bookkeeping.
    pub(crate) fn queued_bytes(&self) -> usize {
        let out = self.lock();
        out.head.as_ref().map_or(0, |(b, off, _)| b.len() - off)
            + out.control_cost
            + out.state.as_ref().map_or(0, |(b, _)| b.len())
    }
}

/// One non-blocking `send` (with `MSG_NOSIGNAL`). The fast path skips tokio's readiness
/// bookkeeping (a measured 5 % of the fan-out's CPU); only when the socket is full does
/// tokio try too, so that it notes the socket as not writable and `writable()` waits.
fn send_now(tcp: &TcpStream, buf: &[u8]) -> io::Result<usize> {
    match socket2::SockRef::from(tcp).send(buf) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => tcp.try_write(buf),
        done => done,
    }
}
