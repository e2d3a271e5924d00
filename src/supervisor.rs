//! Supervision of the launcher's children: readiness, restarts after a crash, and a clean stop.

use crate::launcher::{graphql_url, say};
use crate::process::{self, ChildProc, ExitEvent};
use crate::restart::Backoff;
use anyhow::bail;
use nix::sys::signal::Signal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, Signal as SignalStream, SignalKind};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// How long children get to finish in-flight work after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(20);

/// How often a child that exits before it first answers `/health` is started again.
const STARTUP_RETRIES: u32 = 3;

/// The children, their exit events, and the signals that stop the platform.
pub struct Platform {
    children: Vec<Supervised>,
    events_tx: UnboundedSender<ExitEvent>,
    events: UnboundedReceiver<ExitEvent>,
    interrupt: SignalStream,
    terminate: SignalStream,
    /// Whether a child that exits on its own is started again (`--no-restart` turns it off).
    restart: bool,
}

/// How to start a child again, and its restart history.
struct Supervised {
    proc: ChildProc,
    exe: PathBuf,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    /// Where it answers `/health`, to say when a restarted child serves again.
    addr: SocketAddr,
    started: Instant,
    backoff: Backoff,
    restarts: u32,
    /// When a crashed child is due to start again.
    restart_at: Option<tokio::time::Instant>,
    /// Restarted and not yet answering `/health`.
    awaiting_ready: bool,
}

impl Platform {
    /// Listen for SIGINT/SIGTERM from now on, before any child exists.
    pub fn new(restart: bool) -> anyhow::Result<Self> {
        let (events_tx, events) = unbounded_channel();
        Ok(Platform {
            children: Vec::new(),
            events_tx,
            events,
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            restart,
        })
    }

    /// Start a child (this binary with `args`) named `name` for messages, serving at `addr`.
    pub fn spawn(
        &mut self,
        name: &'static str,
        exe: &Path,
        args: &[String],
        envs: &[(String, String)],
        addr: SocketAddr,
    ) -> anyhow::Result<()> {
        let index = self.children.len();
        let proc = process::spawn(index, name, exe, args, envs, self.events_tx.clone())?;
        self.children.push(Supervised {
            proc,
            exe: exe.to_path_buf(),
            args: args.to_vec(),
            envs: envs.to_vec(),
            addr,
            started: Instant::now(),
            backoff: Backoff::default(),
            restarts: 0,
            restart_at: None,
            awaiting_ready: false,
        });
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
                    self.children[first + i].awaiting_ready = false;
                    let child = &self.children[first + i].proc;
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
                    .map(|i| self.children[first + i].proc.name)
                    .collect();
                bail!("not ready in time: {}", names.join(", "));
            }
            tokio::select! {
                _ = self.interrupt.recv() => return Ok(false),
                _ = self.terminate.recv() => return Ok(false),
                Some(event) = self.events.recv() => {
                    let index = event.0;
                    let name = self.record_exit(event);
                    // A start can fail for a passing reason (an embedded database slow to
                    // accept on a loaded machine): retried a few times, with the backoff, before
                    // the launcher gives up. A broken configuration still fails in seconds.
                    if !self.restart || self.children[index].restarts >= STARTUP_RETRIES {
                        bail!("{name} exited during start-up");
                    }
                    self.schedule_restart(index);
                }
                _ = tokio::time::sleep(Duration::from_millis(200)) => self.restart_due(),
            }
        }
        Ok(true)
    }

    /// Run until a signal. A child that exits is started again after its backoff delay (or,
    /// with restarts off, reported while the others keep serving). `every_second` runs once a
    /// second meanwhile (the embedded databases' health check).
    pub async fn watch(&mut self, mut every_second: impl FnMut()) -> anyhow::Result<()> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()?;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            let due = self.children.iter().filter_map(|c| c.restart_at).min();
            let restart_due = async move {
                match due {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = self.interrupt.recv() => return Ok(()),
                _ = self.terminate.recv() => return Ok(()),
                _ = tick.tick() => {
                    every_second();
                    self.report_ready_again(&client).await;
                }
                Some(event) = self.events.recv() => {
                    let index = event.0;
                    let name = self.record_exit(event);
                    if self.restart {
                        self.schedule_restart(index);
                    } else {
                        say(&format!("{name} exited; the other services keep running"));
                        if self.children.iter().all(|c| c.proc.exited.is_some()) {
                            bail!("every service has exited");
                        }
                    }
                }
                _ = restart_due => self.restart_due(),
            }
        }
    }

    /// Plan the restart of child `index`, which exited without being asked to.
    fn schedule_restart(&mut self, index: usize) {
        let child = &mut self.children[index];
        let delay = child.backoff.next(child.started.elapsed());
        child.restart_at = Some(tokio::time::Instant::now() + delay);
        say(&format!(
            "{} exited unexpectedly: restart {} in {} ms",
            child.proc.name,
            child.restarts + 1,
            delay.as_millis()
        ));
    }

    /// Start again every child whose restart delay has passed; one that cannot even be
    /// started waits for its next, longer delay.
    fn restart_due(&mut self) {
        let now = tokio::time::Instant::now();
        for index in 0..self.children.len() {
            let child = &mut self.children[index];
            if child.restart_at.is_none_or(|at| at > now) {
                continue;
            }
            child.restart_at = None;
            child.restarts += 1;
            child.started = Instant::now();
            let name = child.proc.name;
            let spawned = process::spawn(
                index,
                name,
                &child.exe,
                &child.args,
                &child.envs,
                self.events_tx.clone(),
            );
            match spawned {
                Ok(proc) => {
                    say(&format!(
                        "{name} restarted (pid {}, restart {})",
                        proc.pid, child.restarts
                    ));
                    child.proc = proc;
                    child.awaiting_ready = true;
                }
                Err(err) => {
                    say(&format!("{name} could not be restarted: {err:#}"));
                    self.schedule_restart(index);
                }
            }
        }
    }

    /// Say when a restarted child answers `/health` again.
    async fn report_ready_again(&mut self, client: &reqwest::Client) {
        for child in self.children.iter_mut().filter(|c| c.awaiting_ready) {
            let url = format!("http://{}/health", child.addr);
            if matches!(client.get(&url).send().await, Ok(r) if r.status().is_success()) {
                child.awaiting_ready = false;
                say(&format!(
                    "{} ready again at {} (pid {}, restart {})",
                    child.proc.name,
                    graphql_url(child.addr),
                    child.proc.pid,
                    child.restarts
                ));
            }
        }
    }

    fn record_exit(&mut self, (index, status): ExitEvent) -> &'static str {
        let child = &mut self.children[index].proc;
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

    /// "payments 2, gateway 1": the children restarted during this run, and how often.
    fn restart_summary(&self) -> String {
        let restarted: Vec<String> = self
            .children
            .iter()
            .filter(|c| c.restarts > 0)
            .map(|c| format!("{} {}", c.proc.name, c.restarts))
            .collect();
        if restarted.is_empty() {
            "none".to_string()
        } else {
            restarted.join(", ")
        }
    }

    /// SIGTERM every running child, wait for them (SIGKILL after the grace period), and fail
    /// if any did not stop cleanly.
    pub async fn stop_all(&mut self) -> anyhow::Result<()> {
        if self.restart {
            say(&format!(
                "restarts during this run: {}",
                self.restart_summary()
            ));
        }
        let running: Vec<usize> = (0..self.children.len())
            .filter(|i| self.children[*i].proc.exited.is_none())
            .collect();
        if running.is_empty() {
            return Ok(());
        }
        say("stopping...");
        for &i in &running {
            self.children[i].proc.signal(Signal::SIGTERM);
        }
        let deadline = tokio::time::Instant::now() + STOP_GRACE;
        let mut unclean = Vec::new();
        let mut killed = false;
        while self.children.iter().any(|c| c.proc.exited.is_none()) {
            let event = if killed {
                self.events.recv().await
            } else {
                match tokio::time::timeout_at(deadline, self.events.recv()).await {
                    Ok(event) => event,
                    Err(_) => {
                        let alive = self.children.iter().map(|c| &c.proc);
                        for child in alive.filter(|c| c.exited.is_none()) {
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
            let clean = self.children[index]
                .proc
                .exited
                .is_some_and(|s| s.success());
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
