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
//!
//! Each connection is served by hyper's HTTP/1 server directly (HTTP/2 is
//! not served), watched for the header-read and idle timeouts and the
//! connection cap of [`super::connections`].

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tower::ServiceExt;

use super::connections::{Admitted, Connections, Timeouts, Tracked};

type Accepted = (std::net::TcpStream, Admitted);

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

/// How connections are admitted and timed out.
#[derive(Clone)]
pub(super) struct Hygiene {
    pub connections: Arc<Connections>,
    pub timeouts: Timeouts,
}

/// Starts `apps.len()` workers serving connections accepted on `listener`,
/// the n-th with `apps[n]`. Each returned receiver yields its worker's end.
pub(super) fn start(
    listener: std::net::TcpListener,
    apps: Vec<Router>,
    hygiene: Hygiene,
) -> io::Result<(Stop, Vec<oneshot::Receiver<io::Result<()>>>)> {
    let (stop, stopped) = watch::channel(());
    let (senders, receivers): (Vec<_>, Vec<_>) =
        apps.iter().map(|_| mpsc::unbounded_channel()).unzip();
    let mut acceptor = Some((listener, senders, hygiene.connections.clone()));
    let mut done = Vec::with_capacity(apps.len());
    for (index, (app, rx)) in apps.into_iter().zip(receivers).enumerate() {
        // The first worker also runs the acceptor.
        let accepts = acceptor.take();
        let stopped = stopped.clone();
        let timeouts = hygiene.timeouts;
        let (done_tx, done_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name(format!("gateway-worker-{index}"))
            .spawn(move || {
                let _ = done_tx.send(run_worker(app, rx, accepts, stopped, timeouts));
            })?;
        done.push(done_rx);
    }
    Ok((stop, done))
}

type Acceptor = (
    std::net::TcpListener,
    Vec<mpsc::UnboundedSender<Accepted>>,
    Arc<Connections>,
);

fn run_worker(
    app: Router,
    mut handoff: mpsc::UnboundedReceiver<Accepted>,
    accepts: Option<Acceptor>,
    stopped: watch::Receiver<()>,
    timeouts: Timeouts,
) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        if let Some((listener, workers, connections)) = accepts {
            let listener = TcpListener::from_std(listener)?;
            tokio::spawn(accept_loop(listener, workers, connections, stopped.clone()));
        }
        // Every connection task holds a sender: once all are gone, so are they.
        let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
        let mut stop = stopped.clone();
        loop {
            let accepted = tokio::select! {
                _ = stop.changed() => break,
                accepted = handoff.recv() => accepted,
            };
            // The acceptor has stopped: shutdown is under way.
            let Some((stream, admitted)) = accepted else {
                break;
            };
            match TcpStream::from_std(stream) {
                Ok(stream) => {
                    tokio::spawn(serve_connection(
                        stream,
                        admitted,
                        app.clone(),
                        stopped.clone(),
                        timeouts,
                        open_tx.clone(),
                    ));
                }
                Err(e) => tracing::warn!(error = %e, "cannot serve an accepted connection"),
            }
        }
        drop(open_tx);
        let _ = open_rx.recv().await;
        Ok(())
    })
}

/// Serves one connection until it ends, times out, is evicted to make room,
/// or finishes its request after shutdown began.
async fn serve_connection(
    stream: TcpStream,
    admitted: Admitted,
    app: Router,
    mut stopped: watch::Receiver<()>,
    timeouts: Timeouts,
    _open: mpsc::Sender<()>,
) {
    let conn = admitted.conn.clone();
    let peer = stream.peer_addr().ok();
    let io = TokioIo::new(Tracked {
        io: stream,
        conn: conn.clone(),
    });
    let in_service = conn.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let guard = in_service.enter();
        // Subscription transports count connections per client address.
        if let Some(peer) = peer.filter(|_| streaming(request.headers())) {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let response = app.clone().oneshot(request.map(Body::new));
        async move {
            let response = response.await;
            drop(guard);
            response
        }
    });
    // Upgrades: a WebSocket (subscriptions) takes the connection over.
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .with_upgrades();
    tokio::pin!(connection);
    let mut stopping = false;
    // Ends when quiet too long without a request running (`None`).
    while let Some(left) = conn.time_left(timeouts) {
        tokio::select! {
            biased;
            _ = connection.as_mut() => break,
            _ = conn.evict.notified() => break,
            _ = stopped.changed(), if !stopping => {
                connection.as_mut().graceful_shutdown();
                stopping = true;
            }
            _ = tokio::time::sleep(left) => {}
        }
    }
    drop(admitted);
}

/// Whether a request may become a subscription (a WebSocket upgrade or an
/// event stream), the only ones told their client's address.
fn streaming(headers: &http::HeaderMap) -> bool {
    headers.contains_key(http::header::UPGRADE)
        || headers
            .get(http::header::ACCEPT)
            .is_some_and(|a| memchr::memmem::find(a.as_bytes(), b"event-stream").is_some())
}

/// Accepts connections and deals them out round-robin until stopped.
async fn accept_loop(
    listener: TcpListener,
    workers: Vec<mpsc::UnboundedSender<Accepted>>,
    connections: Arc<Connections>,
    mut stopped: watch::Receiver<()>,
) {
    let mut next = 0;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => return,
        };
        let (stream, _peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // E.g. out of file descriptors: back off instead of spinning.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Over the cap with every connection busy: closing it at once is
        // the cheapest answer.
        let Some(admitted) = connections.admit() else {
            continue;
        };
        // Answers are written whole; Nagle would only hold back their tails.
        let _ = stream.set_nodelay(true);
        match stream.into_std() {
            Ok(stream) => {
                if let Some(worker) = workers.get(next) {
                    // A worker that is gone is stopping: the connection closes.
                    let _ = worker.send((stream, admitted));
                }
                next = (next + 1) % workers.len().max(1);
            }
            Err(e) => tracing::warn!(error = %e, "cannot hand over an accepted connection"),
        }
    }
}
