//! Thread-per-core serving. One acceptor hands each new connection to the
//! next worker in turn; a worker is a thread with its own single-threaded
//! runtime that serves its connections to the end, subgraph calls included
//! (each worker has its own subgraph connection pool). A request therefore
//! never changes thread: no work stealing and no cross-thread wake-ups,
//! which on a loaded 2-core machine cost about a tenth of a request's CPU.
//!
//! Round-robin hand-off rather than one `SO_REUSEPORT` socket per worker:
//! the balance does not depend on how the kernel hashes a few long-lived
//! keep-alive connections, and another process cannot silently share the
//! port.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::serve::Listener;
use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};

type Accepted = (std::net::TcpStream, SocketAddr);

/// Binds `addr` (a `host:port`, port 0 for any) with a listen backlog fit
/// for connection bursts; non-blocking, ready for any worker's runtime.
pub(super) fn bind(addr: &str) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to bind");
    for candidate in std::net::ToSocketAddrs::to_socket_addrs(addr)? {
        let socket = Socket::new(
            Domain::for_address(candidate),
            Type::STREAM,
            Some(Protocol::TCP),
        )?;
        #[cfg(unix)]
        socket.set_reuse_address(true)?;
        socket.set_nonblocking(true)?;
        match socket
            .bind(&candidate.into())
            .and_then(|()| socket.listen(1024))
        {
            Ok(()) => return Ok(socket.into()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Stops the workers when a value is sent or when it is dropped.
pub(super) type Stop = watch::Sender<()>;

/// Starts `apps.len()` workers serving connections accepted on `listener`,
/// the n-th with `apps[n]`. Each returned receiver yields its worker's end.
pub(super) fn start(
    listener: std::net::TcpListener,
    apps: Vec<Router>,
) -> io::Result<(Stop, Vec<oneshot::Receiver<io::Result<()>>>)> {
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(());
    let (senders, receivers): (Vec<_>, Vec<_>) =
        apps.iter().map(|_| mpsc::unbounded_channel()).unzip();
    let mut acceptor = Some((listener, senders));
    let mut done = Vec::with_capacity(apps.len());
    for (index, (app, rx)) in apps.into_iter().zip(receivers).enumerate() {
        let handoff = Handoff { rx, addr };
        // The first worker also runs the acceptor.
        let accepts = acceptor.take();
        let stopped = stopped.clone();
        let (done_tx, done_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name(format!("gateway-worker-{index}"))
            .spawn(move || {
                let _ = done_tx.send(run_worker(app, handoff, accepts, stopped));
            })?;
        done.push(done_rx);
    }
    Ok((stop, done))
}

fn run_worker(
    app: Router,
    handoff: Handoff,
    accepts: Option<(std::net::TcpListener, Vec<mpsc::UnboundedSender<Accepted>>)>,
    stopped: watch::Receiver<()>,
) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        if let Some((listener, workers)) = accepts {
            let listener = TcpListener::from_std(listener)?;
            tokio::spawn(accept_loop(listener, workers, stopped.clone()));
        }
        let mut stopped = stopped;
        axum::serve(handoff, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.changed().await;
            })
            .await
    })
}

/// Accepts connections and deals them out round-robin until stopped.
async fn accept_loop(
    listener: TcpListener,
    workers: Vec<mpsc::UnboundedSender<Accepted>>,
    mut stopped: watch::Receiver<()>,
) {
    let mut next = 0;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // E.g. out of file descriptors: back off instead of spinning.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Answers are written whole; Nagle would only hold back their tails.
        let _ = stream.set_nodelay(true);
        match stream.into_std() {
            Ok(stream) => {
                if let Some(worker) = workers.get(next) {
                    // A worker that is gone is stopping: the connection closes.
                    let _ = worker.send((stream, peer));
                }
                next = (next + 1) % workers.len().max(1);
            }
            Err(e) => tracing::warn!(error = %e, "cannot hand over an accepted connection"),
        }
    }
}

/// A worker's listener: the connections the acceptor handed it.
struct Handoff {
    rx: mpsc::UnboundedReceiver<Accepted>,
    addr: SocketAddr,
}

impl Listener for Handoff {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            let Some((stream, peer)) = self.rx.recv().await else {
                // The acceptor has stopped: shutdown is under way.
                return std::future::pending().await;
            };
            match TcpStream::from_std(stream) {
                Ok(stream) => return (stream, peer),
                Err(e) => tracing::warn!(error = %e, "cannot serve an accepted connection"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.addr)
    }
}
