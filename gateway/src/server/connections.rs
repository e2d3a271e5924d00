//! Client connections: a cap on open connections that makes room by closing
//! the one idle the longest, and per-connection header-read and keep-alive
//! idle timeouts, so slow-header and idle-socket floods cannot exhaust file
//! descriptors or keep normal clients out.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// The open connections of all workers.
pub(super) struct Connections {
    max: usize,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Conn>>>,
    base: Instant,
    gauge: metrics::Gauge,
}

/// How long a connection may take to send headers, or sit idle.
#[derive(Clone, Copy)]
pub(super) struct Timeouts {
    pub header: Duration,
    pub idle: Duration,
}

impl Connections {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max: max.max(1),
            next_id: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
            base: Instant::now(),
            gauge: metrics::gauge!("gateway_connections_open"),
        })
    }

    /// Registers a new connection. At the cap, the connection without a
    /// request running that has been quiet the longest (idle, or sending
    /// headers slowly) is told to close; when every connection is running
    /// a request, the new one is refused (`None`).
    pub fn admit(self: &Arc<Self>) -> Option<Admitted> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.len() >= self.max {
            let victim = open
                .values()
                .filter(|c| c.in_service.load(Ordering::Relaxed) == 0)
                .min_by_key(|c| c.since_ms.load(Ordering::Relaxed))
                .map(|c| c.id);
            let Some(victim) = victim.and_then(|id| open.remove(&id)) else {
                metrics::counter!("gateway_connections_refused_total").increment(1);
                return None;
            };
            victim.evict.notify_one();
            self.gauge.decrement(1.0);
            metrics::counter!("gateway_connections_evicted_total").increment(1);
        }
        let conn = Arc::new(Conn {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            in_service: AtomicU32::new(0),
            // A new connection must start its request within the header
            // timeout, not the (longer) keep-alive idle timeout.
            reading: AtomicBool::new(true),
            since_ms: AtomicU64::new(0),
            evict: Notify::new(),
            base: self.base,
        });
        conn.touch();
        open.insert(conn.id, conn.clone());
        self.gauge.increment(1.0);
        Some(Admitted {
            conns: self.clone(),
            conn,
        })
    }
}

/// A registered connection; unregisters it when dropped.
pub(super) struct Admitted {
    conns: Arc<Connections>,
    pub conn: Arc<Conn>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.conns.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.remove(&self.conn.id).is_some() {
            self.conns.gauge.decrement(1.0);
        }
    }
}

/// What one connection is doing, updated by its socket and its requests.
pub(super) struct Conn {
    id: u64,
    /// Requests of this connection inside the service.
    in_service: AtomicU32,
    /// Bytes arrived since the connection was last idle: a request's head
    /// is being received (the header-read timeout applies, not the idle one).
    reading: AtomicBool,
    /// When the current quiet phase (idle or receiving headers) began, in
    /// milliseconds since `base`.
    since_ms: AtomicU64,
    /// Notified when the connection must close to make room.
    pub evict: Notify,
    base: Instant,
}

impl Conn {
    fn now_ms(&self) -> u64 {
        self.base.elapsed().as_millis() as u64
    }

    fn touch(&self) {
        self.since_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    fn on_read(&self) {
        if self.in_service.load(Ordering::Relaxed) == 0
            && !self.reading.swap(true, Ordering::Relaxed)
        {
            self.touch();
        }
    }

    fn on_write(&self) {
        if self.in_service.load(Ordering::Relaxed) == 0 {
            self.touch();
        }
    }

    /// Marks a request as running until the guard is dropped.
    pub fn enter(self: &Arc<Self>) -> InService {
        self.in_service.fetch_add(1, Ordering::Relaxed);
        self.reading.store(false, Ordering::Relaxed);
        InService(self.clone())
    }

    /// How long until this connection may have overstayed (it is checked
    /// again then); `None` when it already has.
    pub fn time_left(&self, timeouts: Timeouts) -> Option<Duration> {
        if self.in_service.load(Ordering::Relaxed) > 0 {
            // Requests are bounded by their own deadline.
            return Some(timeouts.idle);
        }
        let limit = if self.reading.load(Ordering::Relaxed) {
            timeouts.header
        } else {
            timeouts.idle
        };
        let quiet = Duration::from_millis(
            self.now_ms()
                .saturating_sub(self.since_ms.load(Ordering::Relaxed)),
        );
        limit.checked_sub(quiet).filter(|left| !left.is_zero())
    }
}

/// A request inside the service (see [`Conn::enter`]).
pub(super) struct InService(Arc<Conn>);

impl Drop for InService {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_service.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that reports reads and writes to its [`Conn`].
pub(super) struct Tracked<T> {
    pub io: T,
    pub conn: Arc<Conn>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.conn.on_read();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tracked<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.on_write();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.on_write();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
