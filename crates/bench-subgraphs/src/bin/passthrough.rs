//! `passthrough --upstream URL [--listen ADDR]`: the benchmark's baseline, a bare proxy
//! that forwards each POST body to one subgraph, parses the JSON answer and serialises it
//! again (the least any gateway must do), so its CPU per request is the floor to compare
//! a gateway against.

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use clap::Parser;
use std::net::SocketAddr;

#[derive(Parser)]
#[command(about = "Bare pass-through GraphQL proxy used as the benchmark baseline")]
struct Cli {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:4300")]
    listen: SocketAddr,
    /// The subgraph URL every POST /graphql body is forwarded to.
    #[arg(long)]
    upstream: String,
}

#[derive(Clone)]
struct Upstream {
    client: reqwest::Client,
    url: String,
}

async fn forward(State(up): State<Upstream>, headers: HeaderMap, body: Bytes) -> Response {
    let mut request = up
        .client
        .post(&up.url)
        .header(header::CONTENT_TYPE, "application/json");
    // Forwarded as a gateway would, so the baseline does the same header work.
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        request = request.header(header::AUTHORIZATION, auth);
    }
    let sent = request.body(body).send().await;
    let reply = match sent {
        Ok(r) => r.bytes().await,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let parsed = reply
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string()))
        .and_then(|v| serde_json::to_vec(&v).map_err(|e| e.to_string()));
    match parsed {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, e).into_response(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let state = Upstream {
        client: reqwest::Client::new(),
        url: cli.upstream,
    };
    let app = Router::new()
        .route("/graphql", post(forward))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("binding {}", cli.listen))?;
    println!("passthrough listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await.context("serving")
}
