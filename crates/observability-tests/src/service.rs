//! The real service binaries, run as child processes the way they run in production.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A service that could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("binary {0} not found: run `cargo build --workspace --bins` first")]
    Missing(PathBuf),
    #[error("cannot start {name}: {source}")]
    Spawn {
        name: String,
        source: std::io::Error,
    },
    #[error("{name} did not become healthy within {secs} s; its output is in {log}")]
    Unhealthy {
        name: String,
        secs: u64,
        log: String,
    },
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the workspace's binaries were built: `CROWDCRUNCH_BIN_DIR`, else the profile
/// directory this test binary lives in (`<target>/debug/deps/..`).
pub fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CROWDCRUNCH_BIN_DIR") {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target/debug"))
}

/// A free TCP port on 127.0.0.1 (released for the child to bind).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running child process, stopped with SIGTERM (so it flushes its traces) when dropped.
pub struct Service {
    pub name: String,
    pub port: u16,
    pub log: PathBuf,
    child: Option<Child>,
}

impl Service {
    /// Start `binary` with `env`, listening on `port`, and wait until `GET /health` answers.
    pub async fn start(
        binary: &str,
        port: u16,
        env: &[(String, String)],
    ) -> Result<Service, ServiceError> {
        Self::start_with_args(binary, &[], port, env).await
    }

    /// [`Service::start`] with command-line arguments.
    pub async fn start_with_args(
        binary: &str,
        args: &[String],
        port: u16,
        env: &[(String, String)],
    ) -> Result<Service, ServiceError> {
        let path = bin_dir().join(binary);
        if !path.exists() {
            return Err(ServiceError::Missing(path));
        }
        let log = std::env::temp_dir().join(format!("cc-obs-{binary}-{port}.log"));
        let out = std::fs::File::create(&log)?;
        let child = Command::new(&path)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::from(out.try_clone()?))
            .stderr(Stdio::from(out))
            .spawn()
            .map_err(|source| ServiceError::Spawn {
                name: binary.to_string(),
                source,
            })?;
        let service = Service {
            name: binary.to_string(),
            port,
            log,
            child: Some(child),
        };
        service.wait_healthy(Duration::from_secs(90)).await?;
        Ok(service)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    async fn wait_healthy(&self, timeout: Duration) -> Result<(), ServiceError> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(r) = client.get(self.url("/health")).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(ServiceError::Unhealthy {
            name: self.name.clone(),
            secs: timeout.as_secs(),
            log: self.log.display().to_string(),
        })
    }

    /// Stop with SIGTERM and wait (up to 15 s) for a clean exit, which flushes buffered spans.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// The process's output so far (for failure messages).
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}
