//! A subgraph that accepts connections and never answers, holding them
//! until released, and that tells when the gateway hangs up on it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// A subgraph that never answers.
pub struct Stalled {
    pub url: String,
    accepted: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    release: Arc<Notify>,
}

impl Stalled {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/graphql", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let closed = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(Notify::new());
        let (a, c, r) = (accepted.clone(), closed.clone(), release.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                a.fetch_add(1, Ordering::SeqCst);
                let (c, r) = (c.clone(), r.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        tokio::select! {
                            read = socket.read(&mut buf) => match read {
                                // The gateway hung up (its request was dropped).
                                Ok(0) | Err(_) => {
                                    c.fetch_add(1, Ordering::SeqCst);
                                    return;
                                }
                                Ok(_) => {}
                            },
                            // Released: close without answering.
                            _ = r.notified() => return,
                        }
                    }
                });
            }
        });
        Self {
            url,
            accepted,
            closed,
            release,
        }
    }

    /// Requests (connections) received so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Connections the gateway closed while waiting for an answer.
    pub fn closed_by_gateway(&self) -> usize {
        self.closed.load(Ordering::SeqCst)
    }

    /// Closes every held connection without an answer.
    pub fn release(&self) {
        self.release.notify_waiters();
    }

    /// Waits (polling, without a time limit of its own) until `n` requests arrived.
    pub async fn wait_for(&self, n: usize) {
        while self.accepted() < n {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}
