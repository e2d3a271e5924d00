//! Starting the launcher binary on free ports and talking to what it runs.

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SERVICES: [&str; 5] = ["customers", "orders", "payments", "fulfillment", "returns"];

/// Whether the launcher runs the gateway in this build (see the `gateway` feature).
pub const GATEWAY: bool = cfg!(feature = "gateway");

/// How the launcher is started.
pub struct Options<'a> {
    /// `None`: embedded PostgreSQL (DATABASE_URL removed from the environment).
    pub database_url: Option<&'a str>,
    pub data_dir: &'a Path,
}

/// A running `crowdcrunch` launcher, killed (with its children) when dropped.
pub struct Platform {
    child: Child,
    output: Arc<Mutex<Vec<String>>>,
    pub addrs: HashMap<&'static str, SocketAddr>,
    pub client: reqwest::blocking::Client,
    data_dir: PathBuf,
    /// A staff token with every scope, what [`Platform::gql`] sends.
    admin: String,
}

/// A port nothing else will take before the launcher binds it. An ephemeral port (bind to
/// port 0, then release) is not: the platforms of this binary start side by side, and the
/// kernel hands the same released port to the next bind(0) or connect() — another launcher's
/// gateway, nats-server or database client — so a test once talked to another platform's
/// orders subgraph. Ports below the kernel's ephemeral range (`ip_local_port_range`,
/// 32768–60999 by default) are not handed out by bind(0) or connect(); a counter shared by this
/// binary's tests keeps them apart, and a start offset taken from the pid makes two test
/// binaries unlikely to meet (cargo runs test binaries one at a time anyway).
pub fn free_addr() -> SocketAddr {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(613) % COUNT,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    for _ in 0..COUNT {
        let port = FIRST + NEXT.fetch_add(1, Ordering::SeqCst) % COUNT;
        let addr = SocketAddr::from(([127, 0, 0, 1], port as u16));
        if TcpListener::bind(addr).is_ok() {
            return addr;
        }
    }
    panic!("no free port in {FIRST}..{}", FIRST + COUNT)
}

fn collect(stream: impl Read + Send + 'static, into: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            into.lock().expect("output lock").push(line);
        }
    });
}

impl Platform {
    /// Start the launcher on free ports and wait until it says everything is up.
    pub fn start(options: Options<'_>) -> Platform {
        Platform::start_with(options, &[])
    }

    /// [`Platform::start`] with extra launcher arguments, e.g. `--no-restart`.
    pub fn start_with(options: Options<'_>, args: &[&str]) -> Platform {
        Platform::start_with_env(options, args, &[])
    }

    /// [`Platform::start_with`] with these environment variables set for the launcher.
    pub fn start_with_env(
        options: Options<'_>,
        args: &[&str],
        env: &[(&str, std::ffi::OsString)],
    ) -> Platform {
        let mut addrs = HashMap::new();
        let mut command = Command::new(env!("CARGO_BIN_EXE_crowdcrunch"));
        command.args(args);
        for name in SERVICES.iter().copied().chain(["gateway"]) {
            let addr = free_addr();
            addrs.insert(name, addr);
            command
                .arg(format!("--{name}-listen"))
                .arg(addr.to_string());
            command.env_remove(format!("{}_LISTEN", name.to_ascii_uppercase()));
        }
        command
            .arg("--data-dir")
            .arg(options.data_dir)
            .env_remove("DATABASE_URL")
            .env_remove("SEED")
            // Each platform runs its own nats-server (the launcher's default), so platforms
            // started by tests side by side never consume each other's events.
            .env_remove("NATS_URL")
            .env_remove("FULFILLMENT_CARRIER_DELAY_MS")
            // The demo's live orders move stock and add orders a test would count; the test of
            // the demo itself turns them back on.
            .env("CROWDCRUNCH_NO_DEMO_ORDERS", "true")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(url) = options.database_url {
            command.arg("--database-url").arg(url);
        }
        command.envs(env.iter().map(|(k, v)| (k, v)));
        let mut child = command.spawn().expect("start the crowdcrunch launcher");
        let output = Arc::new(Mutex::new(Vec::new()));
        collect(child.stdout.take().expect("stdout"), output.clone());
        collect(child.stderr.take().expect("stderr"), output.clone());
        let mut platform = Platform {
            child,
            output,
            addrs,
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("HTTP client"),
            data_dir: options.data_dir.to_path_buf(),
            admin: String::new(),
        };
        platform.wait_for_line("crowdcrunch: the ", Duration::from_secs(600));
        platform.admin = platform.token(&["--staff", "all"]);
        platform
    }

    /// A token from `crowdcrunch token ARGS` for this platform's data directory.
    pub fn token(&self, args: &[&str]) -> String {
        Platform::token_in(&self.data_dir, args)
    }

    /// A token from `crowdcrunch token ARGS` with the dev key of `data_dir`.
    pub fn token_in(data_dir: &Path, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_crowdcrunch"))
            .arg("token")
            .args(args)
            .arg("--data-dir")
            .arg(data_dir)
            .output()
            .expect("run crowdcrunch token");
        assert!(
            out.status.success(),
            "crowdcrunch token {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("the token is text")
            .trim()
            .to_string()
    }

    /// Everything the launcher and its children printed so far.
    pub fn output(&self) -> String {
        self.output.lock().expect("output lock").join("\n")
    }

    /// The output lines starting with `prefix`, in order.
    pub fn lines(&self, prefix: &str) -> Vec<String> {
        let lines = self.output.lock().expect("output lock");
        lines
            .iter()
            .filter(|l| l.starts_with(prefix))
            .cloned()
            .collect()
    }

    fn find_line(&self, prefix: &str) -> Option<String> {
        let lines = self.output.lock().expect("output lock");
        lines.iter().find(|l| l.starts_with(prefix)).cloned()
    }

    /// Wait for an output line starting with `prefix`; panic (showing the output) when the
    /// launcher exits or the time is up first.
    pub fn wait_for_line(&mut self, prefix: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(line) = self.find_line(prefix) {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "launcher exited ({status}) before {prefix:?}:\n{}",
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {prefix:?} in time:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Pid of a child, from the launcher's "NAME ready at URL (pid N)" line.
    pub fn pid_of(&self, name: &str) -> Pid {
        let line = self
            .find_line(&format!("crowdcrunch: {name} ready at "))
            .unwrap_or_else(|| panic!("no ready line for {name}:\n{}", self.output()));
        let pid = line
            .rsplit("(pid ")
            .next()
            .and_then(|rest| rest.trim_end_matches(')').parse::<i32>().ok())
            .unwrap_or_else(|| panic!("no pid in {line:?}"));
        Pid::from_raw(pid)
    }

    pub fn graphql_url(&self, name: &str) -> String {
        format!("http://{}/graphql", self.addrs[name])
    }

    /// POST a GraphQL request to service `name` (or "gateway") as an administrator (every
    /// staff scope); returns status and JSON body.
    pub fn gql(&self, name: &str, query: &str, variables: Value) -> (u16, Value) {
        self.gql_as(name, Some(&self.admin), query, variables)
    }

    /// POST a GraphQL request with bearer `token` (none: anonymous).
    pub fn gql_as(
        &self,
        name: &str,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(self.graphql_url(name))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .unwrap_or_else(|e| panic!("POST to {name}: {e}"));
        let status = response.status().as_u16();
        let body = response.json().expect("GraphQL response is JSON");
        (status, body)
    }

    /// Send SIGINT (Ctrl-C) to the launcher and wait for it to exit.
    pub fn interrupt(&mut self, limit: Duration) -> ExitStatus {
        let pid = Pid::from_raw(self.child.id() as i32);
        kill(pid, Signal::SIGINT).expect("signal the launcher");
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the launcher") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "launcher still running:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        // Its children get SIGTERM from the kernel when it dies (parent-death signal).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether process `pid` is gone (or a zombie nobody reaped yet).
pub fn process_gone(pid: Pid) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

/// The data of a GraphQL response that must have no errors.
pub fn data(response: &Value) -> &Value {
    assert!(
        response.get("errors").is_none(),
        "unexpected errors: {response:#}"
    );
    &response["data"]
}
