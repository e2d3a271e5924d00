//! Live changes for GraphQL subscriptions: a row trigger announces each committed change with
//! `pg_notify` on a channel of the service's schema, and [`Changes`] fans the announcements
//! out to in-process subscription streams. Notifications are sent on commit, in commit order,
//! to every replica, so each replica's subscribers see every committed change once and in
//! order; a change committed while a replica's listening connection is being re-established
//! is not seen by that replica's subscribers (they receive the next one).
//!
//! A pool of one connection (the launcher's embedded pglite serves one connection at a time)
//! cannot spare one to listen on: there the service announces its own changes in-process with
//! [`Changes::publish`] after they commit (one process, so every change it makes is heard).

use std::sync::Arc;

use futures::{Stream, StreamExt};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{broadcast, OnceCell};
use tokio::task::AbortHandle;

/// Announcements buffered per subscriber; a subscriber further behind skips the oldest.
const BUFFER: usize = 1024;

/// The announcements of one channel. Cheap to clone; it starts listening at the first
/// subscription and stops when the last clone and stream are gone.
#[derive(Clone)]
pub struct Changes {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    name: String,
    tx: broadcast::Sender<Arc<str>>,
    /// Whether the database announces (else [`Changes::publish`] does).
    listens: bool,
    listener: OnceCell<Listener>,
}

struct Listener(AbortHandle);

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Changes {
    /// The announcements on channel `name` of the schema `pool` uses (its search path): the
    /// trigger calls `pg_notify(current_schema() || '_' || name, payload)`.
    pub fn new(pool: PgPool, name: &str) -> Self {
        let listens = pool.options().get_max_connections() > 1;
        Self {
            inner: Arc::new(Inner {
                pool,
                name: name.to_string(),
                tx: broadcast::channel(BUFFER).0,
                listens,
                listener: OnceCell::new(),
            }),
        }
    }

    /// Announces a committed change in-process, when the database does not (a pool of one
    /// connection); otherwise does nothing, the trigger having announced it.
    pub fn publish(&self, payload: &str) {
        if !self.inner.listens {
            // No subscriber: nothing to deliver.
            let _ = self.inner.tx.send(Arc::from(payload));
        }
    }

    async fn listen(&self) -> Result<(), sqlx::Error> {
        if !self.inner.listens {
            return Ok(());
        }
        let inner = &self.inner;
        inner
            .listener
            .get_or_try_init(|| async {
                let schema: String = sqlx::query_scalar("SELECT current_schema()")
                    .fetch_one(&inner.pool)
                    .await?;
                let channel = format!("{schema}_{}", inner.name);
                let mut listener = PgListener::connect_with(&inner.pool).await?;
                listener.listen(&channel).await?;
                let sender = inner.tx.clone();
                let task = tokio::spawn(async move {
                    loop {
                        // `recv` reconnects (and listens again) after a lost connection.
                        match listener.recv().await {
                            // No subscriber: nothing to deliver.
                            Ok(n) => drop(sender.send(Arc::from(n.payload()))),
                            Err(e) => {
                                tracing::warn!(%channel, error = %e, "listening for changes failed; retrying");
                                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                            }
                        }
                    }
                });
                Ok::<_, sqlx::Error>(Listener(task.abort_handle()))
            })
            .await
            .map(|_| ())
    }

    /// Every announcement (payload text) committed after this returns, in commit order. A
    /// subscriber that falls more than 1,024 behind skips the oldest and goes on.
    pub async fn subscribe(
        &self,
    ) -> Result<impl Stream<Item = Arc<str>> + Send + 'static, sqlx::Error> {
        self.listen().await?;
        let rx = self.inner.tx.subscribe();
        // Holding `inner` keeps the listener running while any stream is open.
        let keep = self.inner.clone();
        Ok(
            futures::stream::unfold((rx, keep), |(mut rx, keep)| async move {
                loop {
                    match rx.recv().await {
                        Ok(payload) => return Some((payload, (rx, keep))),
                        Err(broadcast::error::RecvError::Lagged(skipped)) => {
                            tracing::warn!(
                                skipped,
                                "a subscriber fell behind; oldest changes skipped"
                            );
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            })
            .boxed(),
        )
    }
}
