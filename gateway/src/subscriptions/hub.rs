//! What all workers share about open subscriptions: the caps (counted with
//! guards that give their slot back when dropped) and the signal that ends
//! every open subscription on a supergraph reload or at shutdown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::config::SubscriptionsConfig;
use super::SubgraphTargets;

/// Why every open subscription is being ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Still running.
    None,
    /// The supergraph was reloaded: clients subscribe again to the new one.
    Reload(u64),
    /// The gateway is stopping.
    Shutdown,
}

/// Shared by every worker of one gateway.
pub struct Hub {
    pub config: SubscriptionsConfig,
    /// Per-subgraph subscription endpoints from `[subgraphs.<name>]`.
    pub targets: SubgraphTargets,
    /// Origins a browser's WebSocket may come from besides the gateway's own.
    pub allow_origins: Vec<String>,
    connections: AtomicUsize,
    subscriptions: AtomicUsize,
    per_client: Mutex<HashMap<String, usize>>,
    ending: watch::Sender<Ending>,
    reloads: AtomicUsize,
    open_gauge: metrics::Gauge,
    connections_gauge: metrics::Gauge,
}

impl Hub {
    pub fn new(
        config: SubscriptionsConfig,
        targets: SubgraphTargets,
        allow_origins: Vec<String>,
    ) -> Arc<Self> {
        Arc::new(Self {
            config,
            targets,
            allow_origins,
            connections: AtomicUsize::new(0),
            subscriptions: AtomicUsize::new(0),
            per_client: Mutex::new(HashMap::new()),
            ending: watch::channel(Ending::None).0,
            reloads: AtomicUsize::new(0),
            open_gauge: metrics::gauge!("gateway_subscriptions_open"),
            connections_gauge: metrics::gauge!("gateway_subscription_connections_open"),
        })
    }

    /// Ends every open subscription (they were planned on the old supergraph).
    pub fn reloaded(&self) {
        let n = self.reloads.fetch_add(1, Ordering::Relaxed) as u64 + 1;
        self.ending.send_replace(Ending::Reload(n));
    }

    /// Ends every open subscription and closes subscription connections.
    pub fn shutdown(&self) {
        self.ending.send_replace(Ending::Shutdown);
    }

    /// Watches for the end of the current supergraph's subscriptions.
    pub fn ending(&self) -> watch::Receiver<Ending> {
        let mut rx = self.ending.subscribe();
        rx.mark_unchanged();
        rx
    }

    /// Whether the gateway is stopping.
    pub fn stopping(&self) -> bool {
        *self.ending.borrow() == Ending::Shutdown
    }

    /// A connection slot (WebSocket or SSE stream), if the gateway has one.
    pub fn connection(self: &Arc<Self>) -> Option<ConnectionSlot> {
        take(&self.connections, self.config.max_connections)?;
        self.connections_gauge.increment(1.0);
        Some(ConnectionSlot {
            hub: self.clone(),
            client: None,
        })
    }

    /// A subscription slot, if the gateway has one.
    pub fn subscription(self: &Arc<Self>) -> Option<SubscriptionSlot> {
        take(&self.subscriptions, self.config.max_subscriptions)?;
        self.open_gauge.increment(1.0);
        Some(SubscriptionSlot { hub: self.clone() })
    }
}

fn take(counter: &AtomicUsize, max: usize) -> Option<()> {
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < max.max(1)).then_some(n + 1)
        })
        .ok()
        .map(|_| ())
}

/// One open connection; counted for its client once [`ConnectionSlot::claim`]ed.
pub struct ConnectionSlot {
    hub: Arc<Hub>,
    client: Option<String>,
}

impl ConnectionSlot {
    /// Counts this connection for `client`; `false` when that client is at its cap.
    pub fn claim(&mut self, client: String) -> bool {
        if self.client.is_some() {
            return true;
        }
        let max = self.hub.config.max_connections_per_client.max(1);
        let mut map = self
            .hub
            .per_client
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let n = map.entry(client.clone()).or_insert(0);
        if *n >= max {
            if *n == 0 {
                map.remove(&client);
            }
            return false;
        }
        *n += 1;
        self.client = Some(client);
        true
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.hub.connections.fetch_sub(1, Ordering::AcqRel);
        self.hub.connections_gauge.decrement(1.0);
        if let Some(client) = self.client.take() {
            let mut map = self
                .hub
                .per_client
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(n) = map.get_mut(&client) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    map.remove(&client);
                }
            }
        }
    }
}

/// One running subscription.
pub struct SubscriptionSlot {
    hub: Arc<Hub>,
}

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        self.hub.subscriptions.fetch_sub(1, Ordering::AcqRel);
        self.hub.open_gauge.decrement(1.0);
    }
}
