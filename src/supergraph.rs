//! The supergraph handed to the gateway: the committed file, with subgraph URLs rewritten when
//! the subgraphs listen somewhere other than the defaults it was composed with.

use crate::cli::UpArgs;
use crate::services::Service;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// The committed supergraph at the repository root this binary was built from.
fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("supergraph.graphql")
}

/// Path of the supergraph the gateway should load. The committed file is used as is when every
/// URL already matches, so the gateway's file watcher sees edits to it.
pub fn prepare(args: &UpArgs) -> anyhow::Result<PathBuf> {
    let source = match &args.supergraph {
        Some(path) => path.clone(),
        None => committed(),
    };
    let sdl = std::fs::read_to_string(&source)
        .with_context(|| format!("cannot read supergraph {}", source.display()))?;
    let rewritten = rewrite_urls(&sdl, |s| format!("http://{}/graphql", args.listen(s)));
    if rewritten == sdl {
        return Ok(source);
    }
    std::fs::create_dir_all(&args.data_dir)?;
    let target = args.data_dir.join("supergraph.runtime.graphql");
    std::fs::write(&target, rewritten)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
}

/// Replace the `url:` of each `@join__graph(name: "<service>", url: "...")` with `url_of`.
pub fn rewrite_urls(sdl: &str, url_of: impl Fn(Service) -> String) -> String {
    let mut out = String::with_capacity(sdl.len());
    for line in sdl.split_inclusive('\n') {
        let service = Service::ALL
            .into_iter()
            .find(|s| line.contains(&format!("@join__graph(name: \"{}\"", s.name())));
        match (service, line.find("url: \"")) {
            (Some(s), Some(start)) => {
                let value_start = start + "url: \"".len();
                let Some(len) = line[value_start..].find('"') else {
                    out.push_str(line);
                    continue;
                };
                out.push_str(&line[..value_start]);
                out.push_str(&url_of(s));
                out.push_str(&line[value_start + len..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_url_of_each_named_graph() {
        let sdl = "enum join__Graph {\n  ORDERS @join__graph(name: \"orders\", url: \"http://127.0.0.1:4002/graphql\")\n  OTHER @join__graph(name: \"other\", url: \"http://x/graphql\")\n}\n";
        let out = rewrite_urls(sdl, |s| format!("http://10.0.0.1:9/{}", s.name()));
        assert_eq!(
            out,
            "enum join__Graph {\n  ORDERS @join__graph(name: \"orders\", url: \"http://10.0.0.1:9/orders\")\n  OTHER @join__graph(name: \"other\", url: \"http://x/graphql\")\n}\n"
        );
    }
}
