//! Supervision of the launcher's children: readiness, unexpected exits, and a clean stop.

use crate::launcher::{graphql_url, say};
use crate::process::{self, ChildProc, ExitEvent};
use anyhow::bail;
use nix::sys::signal::Signal;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, Signal as SignalStream, SignalKind};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// How long children get to finish in-flight work after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(20);

/// The children, their exit events, and the signals that stop the platform.
pub struct Platform {
    children: Vec<ChildProc>,
    events_tx: UnboundedSender<ExitEvent>,
    events: UnboundedReceiver<ExitEvent>,
    interrupt: SignalStream,
    terminate: SignalStream,
}

impl Platform {
    /// Listen for SIGINT/SIGTERM from now on, before any child exists.
    pub fn new() -> anyhow::Result<Self> {
        let (events_tx, events) = unbounded_channel();
        Ok(Platform {
            children: Vec::new(),
            events_tx,
            events,
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Start a child (this binary with `args`) named `name` for messages.
    pub fn spawn(
        &mut self,
        name: &'static str,
        exe: &Path,
        args: &[String],
        envs: &[(String, String)],
    ) -> anyhow::Result<()> {
        let index = self.children.len();
        let child = process::spawn(index, name, exe, args, envs, self.events_tx.clone())?;
        self.children.push(child);
        Ok(())
    }

    /// Wait until every address answers `/health`. `Ok(false)` when interrupted by a signal;
    /// an error when a child exits or the deadline passes first.
    pub async fn wait_ready(
        &mut self,
        addrs: &[SocketAddr],
        deadline: Instant,
    ) -> anyhow::Result<bool> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let first = self.children.len() - addrs.len();
        let mut pending: Vec<usize> = (0..addrs.len()).collect();
        while !pending.is_empty() {
            let mut still = Vec::new();
            for i in pending {
                let url = format!("http://{}/health", addrs[i]);
                let up = matches!(client.get(&url).send().await, Ok(r) if r.status().is_success());
                if up {
                    let child = &self.children[first + i];
                    say(&format!(
                        "{} ready at {} (pid {})",
                        child.name,
                        graphql_url(addrs[i]),
                        child.pid
                    ));
                } else {
                    still.push(i);
                }
            }
            pending = still;
            if pending.is_empty() {
                break;
            }
            if Instant::now() > deadline {
                let names: Vec<_> = pending
                    .iter()
                    .map(|i| self.children[first + i].name)
                    .collect();
                bail!("not ready in time: {}", names.join(", "));
            }
            tokio::select! {
                _ = self.interrupt.recv() => return Ok(false),
                _ = self.terminate.recv() => return Ok(false),
                Some(event) = self.events.recv() => {
                    let name = self.record_exit(event);
                    bail!("{name} exited during start-up");
                }
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
        Ok(true)
    }

    /// Run until a signal; a child that exits is reported and the others keep serving.
    /// `every_second` runs once a second meanwhile (the embedded databases' health check).
    pub async fn watch(&mut self, mut every_second: impl FnMut()) -> anyhow::Result<()> {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = self.interrupt.recv() => return Ok(()),
                _ = self.terminate.recv() => return Ok(()),
                _ = tick.tick() => every_second(),
                Some(event) = self.events.recv() => {
                    let name = self.record_exit(event);
                    say(&format!("{name} exited; the other services keep running"));
                    if self.children.iter().all(|c| c.exited.is_some()) {
                        bail!("every service has exited");
                    }
                }
            }
        }
    }

    fn record_exit(&mut self, (index, status): ExitEvent) -> &'static str {
        let child = &mut self.children[index];
        let status = status.unwrap_or_else(|e| {
            say(&format!("cannot wait for {}: {e}", child.name));
            std::os::unix::process::ExitStatusExt::from_raw(1)
        });
        child.exited = Some(status);
        say(&format!(
            "{} (pid {}) exited: {status}",
            child.name, child.pid
        ));
        child.name
    }

    /// SIGTERM every running child, wait for them (SIGKILL after the grace period), and fail
    /// if any did not stop cleanly.
    pub async fn stop_all(&mut self) -> anyhow::Result<()> {
        let running: Vec<usize> = (0..self.children.len())
            .filter(|i| self.children[*i].exited.is_none())
            .collect();
        if running.is_empty() {
            return Ok(());
        }
        say("stopping...");
        for &i in &running {
            self.children[i].signal(Signal::SIGTERM);
        }
        let deadline = tokio::time::Instant::now() + STOP_GRACE;
        let mut unclean = Vec::new();
        let mut killed = false;
        while self.children.iter().any(|c| c.exited.is_none()) {
            let event = if killed {
                self.events.recv().await
            } else {
                match tokio::time::timeout_at(deadline, self.events.recv()).await {
                    Ok(event) => event,
                    Err(_) => {
                        for child in self.children.iter().filter(|c| c.exited.is_none()) {
                            say(&format!("{} did not stop in time: killing it", child.name));
                            child.signal(Signal::SIGKILL);
                            unclean.push(child.name);
                        }
                        killed = true;
                        continue;
                    }
                }
            };
            let Some(event) = event else { break };
            let index = event.0;
            let name = self.record_exit(event);
            let clean = self.children[index].exited.is_some_and(|s| s.success());
            if running.contains(&index) && !clean && !unclean.contains(&name) {
                unclean.push(name);
            }
        }
        if unclean.is_empty() {
            say("stopped");
            Ok(())
        } else {
            bail!("not stopped cleanly: {}", unclean.join(", "))
        }
    }
}
