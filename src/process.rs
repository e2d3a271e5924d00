//! Child processes of the launcher: spawning this binary again with a sub-command, and
//! stopping it with SIGTERM (then SIGKILL after a grace period).

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use tokio::process::Command;
use tokio::sync::mpsc::UnboundedSender;

/// A child the launcher started; its exit is reported on the launcher's event channel.
pub struct ChildProc {
    pub name: &'static str,
    pub pid: Pid,
    /// Set once the exit has been received, so a recycled pid is never signalled.
    pub exited: Option<ExitStatus>,
}

/// "Child `index` exited with this status" (or could not be waited for).
pub type ExitEvent = (usize, std::io::Result<ExitStatus>);

/// Start `exe args` with `envs` added to the inherited environment. Its output goes to ours.
pub fn spawn(
    index: usize,
    name: &'static str,
    exe: &Path,
    args: &[String],
    envs: &[(String, String)],
    events: UnboundedSender<ExitEvent>,
) -> anyhow::Result<ChildProc> {
    let mut command = Command::new(exe);
    command
        .args(args)
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    die_with_parent(&mut command);
    let mut child = command
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start {name}: {e}"))?;
    let raw_pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("{name} exited at once"))?;
    tokio::spawn(async move {
        let status = child.wait().await;
        let _ = events.send((index, status));
    });
    Ok(ChildProc {
        name,
        pid: Pid::from_raw(raw_pid as i32),
        exited: None,
    })
}

/// Ask the kernel to SIGTERM the child if the launcher dies without stopping it (a killed
/// test, a crash), so no orphan keeps the platform's ports. Linux only.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    // SAFETY: the closure runs in the forked child before exec and only makes the
    // async-signal-safe prctl(2) system call; it touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(Signal::SIGTERM).map_err(std::io::Error::from)
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

impl ChildProc {
    /// Send `signal` unless the child is known to have exited.
    pub fn signal(&self, signal: Signal) {
        if self.exited.is_none() {
            let _ = kill(self.pid, signal);
        }
    }
}
