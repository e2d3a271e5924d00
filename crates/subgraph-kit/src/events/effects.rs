//! Side effects a handler wants only once its transaction commits (business counters, say):
//! a handler whose transaction rolls back, and is redelivered, must not count twice.

use std::future::Future;
use std::sync::{Arc, Mutex};

type Effect = Box<dyn FnOnce() + Send>;
type Pending = Arc<Mutex<Vec<Effect>>>;

tokio::task_local! {
    static PENDING: Pending;
}

/// Run `effect` after the current event's transaction commits; dropped if it rolls back.
/// Outside an event handler (a GraphQL mutation that has already committed) it runs now.
pub fn after_commit(effect: impl FnOnce() + Send + 'static) {
    match PENDING.try_with(Arc::clone) {
        Ok(pending) => pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(Box::new(effect)),
        Err(_) => effect(),
    }
}

/// Run `handler` collecting the effects it defers; the caller runs them after its commit.
pub(crate) async fn collect<T>(handler: impl Future<Output = T>) -> (T, Vec<Effect>) {
    let pending = Pending::default();
    let out = PENDING.scope(pending.clone(), handler).await;
    let effects = std::mem::take(&mut *pending.lock().unwrap_or_else(|p| p.into_inner()));
    (out, effects)
}

/// Run effects collected by [`collect`], once their transaction has committed.
pub(crate) fn run(effects: Vec<Effect>) {
    for effect in effects {
        effect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn effects_wait_for_the_commit_inside_a_handler_and_run_at_once_outside() {
        let count = Arc::new(AtomicU32::new(0));
        let c = count.clone();
        let ((), effects) = collect(async move {
            after_commit(move || {
                c.fetch_add(1, Ordering::SeqCst);
            });
        })
        .await;
        assert_eq!(count.load(Ordering::SeqCst), 0, "deferred until the commit");
        run(effects);
        assert_eq!(count.load(Ordering::SeqCst), 1);

        let c = count.clone();
        after_commit(move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(count.load(Ordering::SeqCst), 2, "no handler: runs now");
    }

    #[tokio::test]
    async fn a_rolled_back_handler_drops_its_effects() {
        let count = Arc::new(AtomicU32::new(0));
        let c = count.clone();
        let (_, effects) = collect(async move {
            after_commit(move || {
                c.fetch_add(1, Ordering::SeqCst);
            });
            Err::<(), ()>(())
        })
        .await;
        drop(effects);
        assert_eq!(count.load(Ordering::SeqCst), 0);
    }
}
