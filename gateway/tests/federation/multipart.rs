//! A client of incremental delivery: reads a `multipart/mixed` answer part by part as it
//! arrives, and merges the payloads as GraphQL clients do (also used by the benchmark
//! fixture's tests in `crates/bench-subgraphs`).

use serde_json::{json, Value};

pub const ACCEPT_MULTIPART: &str = "multipart/mixed;deferSpec=20220824, application/json";

/// The parts of a streamed answer, read as they come.
pub struct Parts {
    response: reqwest::Response,
    buf: Vec<u8>,
}

impl Parts {
    pub fn new(response: reqwest::Response) -> Self {
        let ct = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(ct, "multipart/mixed;boundary=\"-\";deferSpec=20220824");
        Self {
            response,
            buf: Vec::new(),
        }
    }

    /// The next JSON part; `None` after the closing delimiter.
    pub async fn next(&mut self) -> Option<Value> {
        const DELIMITER: &[u8] = b"\r\n---";
        loop {
            if let Some(start) = find(&self.buf, DELIMITER) {
                let after = &self.buf[start + DELIMITER.len()..];
                if after.starts_with(b"--") {
                    return None;
                }
                if let Some(headers_end) = find(after, b"\r\n\r\n") {
                    let body = &after[headers_end + 4..];
                    if let Some(end) = find(body, DELIMITER) {
                        let part: Value = serde_json::from_slice(&body[..end]).unwrap();
                        let consumed = start + DELIMITER.len() + headers_end + 4 + end;
                        self.buf.drain(..consumed);
                        return Some(part);
                    }
                }
            }
            match self.response.chunk().await.unwrap() {
                Some(chunk) => self.buf.extend_from_slice(&chunk),
                None => panic!("the stream ended without its closing delimiter"),
            }
        }
    }

    /// Every remaining part.
    pub async fn rest(&mut self) -> Vec<Value> {
        let mut parts = Vec::new();
        while let Some(p) = self.next().await {
            parts.push(p);
        }
        parts
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// POSTs `query` asking for incremental delivery.
pub async fn post_multipart(http: &reqwest::Client, url: &str, body: Value) -> Parts {
    let response = http
        .post(url)
        .header("accept", ACCEPT_MULTIPART)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    Parts::new(response)
}

/// The initial payload and the subsequent ones merged into one `{data, errors?}` answer;
/// checks the `hasNext` sequence on the way.
pub fn merge(parts: &[Value]) -> Value {
    let (first, rest) = parts.split_first().expect("no part");
    assert_eq!(first["hasNext"], json!(!rest.is_empty()), "{first}");
    let mut data = first["data"].clone();
    let mut errors: Vec<Value> = first["errors"].as_array().cloned().unwrap_or_default();
    for (i, payload) in rest.iter().enumerate() {
        assert_eq!(payload["hasNext"], json!(i + 1 < rest.len()), "{payload}");
        for item in payload["incremental"].as_array().into_iter().flatten() {
            errors.extend(item["errors"].as_array().cloned().unwrap_or_default());
            let Some(fragment) = item.get("data") else {
                continue;
            };
            let mut at = &mut data;
            for step in item["path"].as_array().unwrap() {
                at = match step {
                    Value::String(k) => at.get_mut(k.as_str()).unwrap(),
                    Value::Number(n) => at.get_mut(n.as_u64().unwrap() as usize).unwrap(),
                    other => panic!("bad path step {other}"),
                };
            }
            deep_merge(at, fragment.clone());
        }
    }
    let mut merged = json!({ "data": data });
    if !errors.is_empty() {
        merged["errors"] = Value::Array(errors);
    }
    merged
}

fn deep_merge(target: &mut Value, source: Value) {
    match (target, source) {
        (Value::Object(t), Value::Object(s)) => {
            for (k, v) in s {
                match t.get_mut(&k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        t.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(t), Value::Array(s)) if t.len() == s.len() => {
            for (existing, v) in t.iter_mut().zip(s) {
                deep_merge(existing, v);
            }
        }
        (t, s) => *t = s,
    }
}
