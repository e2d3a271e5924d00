//! `crowdcrunch token`: a token signed by the platform's dev key, to call the local platform
//! as a customer or as staff (`Authorization: Bearer <token>`).

use anyhow::{bail, Context};
use clap::Args;
use crowdcrunch_auth::dev::{DevKey, TokenSpec};
use std::path::{Path, PathBuf};
use subgraph_kit::auth::scopes;

/// Who the token speaks for.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("who").required(true).multiple(true)))]
pub struct TokenArgs {
    /// A customer's token: their customer id (a UUID, e.g. from `customers { nodes { id } }`).
    #[arg(long, group = "who")]
    pub customer: Option<String>,
    /// A staff token with these scopes (comma-separated), or `all`.
    #[arg(long, group = "who", value_delimiter = ',')]
    pub staff: Vec<String>,
    /// Lifetime of the token in seconds.
    #[arg(long, default_value_t = 3600)]
    pub ttl: u64,
    /// The launcher's data directory, which holds the dev key (`auth/`).
    #[arg(long, env = "CROWDCRUNCH_DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,
}

/// Where the launcher keeps the dev signing key inside its data directory.
pub fn key_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("auth")
}

/// Print a token for `args` on stdout.
pub fn run(args: TokenArgs) -> anyhow::Result<()> {
    println!("{}", mint(&args)?);
    Ok(())
}

fn mint(args: &TokenArgs) -> anyhow::Result<String> {
    let customer = match &args.customer {
        Some(id) => Some(
            uuid::Uuid::parse_str(id.trim())
                .with_context(|| format!("--customer wants a customer's UUID, not {id:?}"))?,
        ),
        None => None,
    };
    let scopes = staff_scopes(&args.staff)?;
    let sub = match customer {
        Some(id) => format!("customer:{id}"),
        None => "staff:dev".to_string(),
    };
    let key = DevKey::ensure(&key_dir(&args.data_dir)).with_context(|| {
        format!(
            "no dev key under {} (start the platform once, or pass --data-dir)",
            args.data_dir.display()
        )
    })?;
    Ok(key.mint(&TokenSpec {
        sub,
        customer_id: customer.map(|c| c.to_string()),
        scopes,
        ttl_s: args.ttl,
    })?)
}

/// The scopes asked for, each one the platform knows (a typo would mint a useless token).
fn staff_scopes(asked: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for scope in asked.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if scope == "all" {
            out.extend(scopes::ALL.iter().map(|s| s.to_string()));
        } else if scopes::ALL.contains(&scope) {
            out.push(scope.to_string());
        } else {
            bail!(
                "unknown scope {scope:?}; the platform's scopes are: all, {}",
                scopes::ALL.join(", ")
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_expands_and_unknown_scopes_are_refused() {
        assert_eq!(
            staff_scopes(&["all".into()]).unwrap().len(),
            scopes::ALL.len()
        );
        assert_eq!(
            staff_scopes(&["orders:manage".into()]).unwrap(),
            ["orders:manage"]
        );
        assert!(staff_scopes(&["orders:manag".into()]).is_err());
    }
}
