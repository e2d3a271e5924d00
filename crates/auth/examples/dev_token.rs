//! Prints a token signed by the dev key in a directory (created there on first use), for
//! scripts such as bench/gateway.sh: `dev_token DIR SUB [SCOPE...]`. The key's JWKS is
//! `DIR/jwks.json`; tokens are valid for a day.

use crowdcrunch_auth::dev::{DevKey, TokenSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(sub)) = (args.next(), args.next()) else {
        return Err("usage: dev_token DIR SUB [SCOPE...]".into());
    };
    let key = DevKey::ensure(std::path::Path::new(&dir))?;
    let token = key.mint(&TokenSpec {
        sub,
        customer_id: None,
        scopes: args.collect(),
        ttl_s: 24 * 3600,
    })?;
    println!("{token}");
    Ok(())
}
