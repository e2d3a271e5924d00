//! The event broker when none is configured: `nats-server -js` from PATH, on a free local
//! port, its JetStream store under the data directory, stopped with the platform. Without a
//! `nats-server` the platform still serves, but events stay in each subgraph's outbox and
//! orders do not move on by themselves (the README says so).

use crate::launcher::say;
use anyhow::Context;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the broker has to accept connections.
const STARTUP: Duration = Duration::from_secs(15);

/// A `nats-server` the launcher started.
pub struct Broker {
    child: Child,
    pub url: String,
}

/// The `nats-server` executable on PATH, if any.
fn find_nats_server() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| candidate.is_file())
}

impl Broker {
    /// Start one, or `None` (said why) when `nats-server` is not installed.
    pub fn start(data_dir: &Path) -> anyhow::Result<Option<Broker>> {
        let Some(exe) = find_nats_server() else {
            say("no NATS_URL and no nats-server on PATH: domain events stay in each outbox and orders do not move on by themselves (install nats-server, or set NATS_URL)");
            return Ok(None);
        };
        let store = data_dir.join("nats");
        std::fs::create_dir_all(&store)
            .with_context(|| format!("cannot create {}", store.display()))?;
        // A free port now; a race with another process is caught by the readiness wait.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log = std::fs::File::create(data_dir.join("nats.log"))?;
        let mut command = Command::new(&exe);
        command
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(&store)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        die_with_parent(&mut command);
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        let mut broker = Broker {
            child,
            url: format!("nats://127.0.0.1:{port}"),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + STARTUP;
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if Instant::now() > deadline || broker.child.try_wait()?.is_some() {
                broker.stop();
                anyhow::bail!(
                    "nats-server did not start: see {}",
                    data_dir.join("nats.log").display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // For `crowdcrunch events ...` (the operator's dead-letter commands).
        std::fs::write(crate::events_cli::url_file(data_dir), &broker.url)?;
        say(&format!(
            "no NATS_URL: started nats-server (JetStream store {}) at {}",
            store.display(),
            broker.url
        ));
        Ok(Some(broker))
    }

    /// Stop the broker (SIGTERM, which flushes its store, then SIGKILL after 5 s).
    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// As for the services: the kernel stops the broker if the launcher dies without doing so.
impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and only makes the
    // async-signal-safe prctl(2) system call; it touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
                .map_err(std::io::Error::from)
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}
