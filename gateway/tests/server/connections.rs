//! Connection hygiene over real sockets: idle and slow-header connections
//! are closed, a flood of them cannot keep queries out, and requests beyond
//! the in-flight cap are shed.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{start, Options, Shop};
use crate::stalled::Stalled;
use crowdcrunch_gateway::server::ServerConfig;

/// Fails the test instead of hanging it if the gateway never closes.
const NEVER: Duration = Duration::from_secs(60);

async fn shop_with(server: ServerConfig) -> Shop {
    start(Options {
        server: Some(server),
        ..Options::default()
    })
    .await
}

/// Reads until the gateway closes the connection; returns what it sent.
async fn read_to_close(socket: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(NEVER, async {
        loop {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the gateway kept the connection open");
    seen
}

#[tokio::test]
async fn idle_keep_alive_and_silent_new_connections_are_closed() {
    let shop = shop_with(ServerConfig {
        idle_timeout_ms: 200,
        header_read_timeout_ms: 200,
        ..ServerConfig::default()
    })
    .await;
    // A connection that never sends anything.
    let mut silent = TcpStream::connect(shop.gateway.addr).await.unwrap();
    assert!(read_to_close(&mut silent).await.is_empty());
    // A keep-alive connection after a complete answer.
    let mut idle = TcpStream::connect(shop.gateway.addr).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nhost: gw\r\n\r\n")
        .await
        .unwrap();
    let seen = String::from_utf8(read_to_close(&mut idle).await).unwrap();
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
}

#[tokio::test]
async fn slow_header_connections_are_closed() {
    let shop = shop_with(ServerConfig {
        header_read_timeout_ms: 300,
        ..ServerConfig::default()
    })
    .await;
    let socket = TcpStream::connect(shop.gateway.addr).await.unwrap();
    let (mut read, mut write) = socket.into_split();
    write
        .write_all(b"POST /graphql HTTP/1.1\r\nhost: gw\r\n")
        .await
        .unwrap();
    // One header line at a time, slower than anyone sends headers, for far
    // longer than the timeout: the gateway must hang up first.
    let trickle = async move {
        for i in 0..1_200 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let line = format!("x-slow-{i}: 1\r\n");
            if write.write_all(line.as_bytes()).await.is_err() {
                return true;
            }
        }
        false
    };
    let mut buf = [0u8; 1024];
    tokio::select! {
        read = read.read(&mut buf) => assert!(matches!(read, Ok(0) | Err(_)), "{read:?}"),
        closed = trickle => assert!(closed, "the slow-header connection was never closed"),
    }
}

#[tokio::test]
async fn an_idle_connection_flood_beyond_the_cap_does_not_keep_queries_out() {
    let shop = shop_with(ServerConfig {
        max_connections: 50,
        ..ServerConfig::default()
    })
    .await;
    let mut flood = Vec::new();
    for i in 0..200 {
        let mut socket = TcpStream::connect(shop.gateway.addr).await.unwrap();
        if i % 2 == 0 {
            // Half of them started a request and stalled in its headers.
            socket
                .write_all(b"GET /graphql HTTP/1.1\r\n")
                .await
                .unwrap();
        }
        flood.push(socket);
    }
    let (status, body) = shop.query("{ __typename }").await;
    assert_eq!(
        (status, body),
        (200, json!({"data": {"__typename": "Query"}}))
    );
    // Room was made by closing flood connections: at most the cap stay open.
    let mut still_open = 0;
    for socket in &mut flood {
        if !closes(socket).await {
            still_open += 1;
        }
    }
    assert!(
        still_open <= 50,
        "{still_open} flood connections still open"
    );
}

/// Whether the gateway has closed `socket`: a request sent on it gets no
/// answer, only the end of the stream (an open one gets an answer).
async fn closes(socket: &mut TcpStream) -> bool {
    let _ = socket
        .write_all(b"\r\n\r\nGET /health HTTP/1.1\r\nhost: gw\r\nconnection: close\r\n\r\n")
        .await;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(NEVER, socket.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return seen.is_empty(),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => panic!("a flood connection neither answered nor closed"),
        }
    }
}

#[tokio::test]
async fn requests_beyond_the_in_flight_cap_are_shed_with_503_and_retry_after() {
    let stalled = Stalled::start().await;
    let shop = start(Options {
        urls: vec![("accounts", stalled.url.clone())],
        server: Some(ServerConfig {
            max_in_flight: 2,
            ..ServerConfig::default()
        }),
        ..Options::default()
    })
    .await;
    let ready = format!("http://{}/ready", shop.gateway.addr);
    assert_eq!(shop.http().get(&ready).send().await.unwrap().status(), 200);
    let held: Vec<_> = (0..2)
        .map(|_| {
            let (client, url) = (shop.http().clone(), shop.url.clone());
            tokio::spawn(async move {
                let res = client
                    .post(url)
                    .json(&json!({"query": "{ me { name } }"}))
                    .send()
                    .await
                    .unwrap();
                res.status().as_u16()
            })
        })
        .collect();
    stalled.wait_for(2).await;
    let res = shop
        .http()
        .post(&shop.url)
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SERVICE_OVERLOADED"
    );
    assert_eq!(shop.http().get(&ready).send().await.unwrap().status(), 503);
    let health = format!("http://{}/health", shop.gateway.addr);
    assert_eq!(shop.http().get(&health).send().await.unwrap().status(), 200);
    stalled.release();
    for request in held {
        assert_eq!(request.await.unwrap(), 200);
    }
    assert_eq!(shop.http().get(&ready).send().await.unwrap().status(), 200);
    let (status, _) = shop.query("{ __typename }").await;
    assert_eq!(status, 200);
}
