//! GraphQL response and error shapes shared by the pipeline stages.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One step of a response path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathElem {
    Index(usize),
    Key(String),
}

/// A response path step borrowing its key, so that tracking a path while
/// walking data costs no allocation; made owned only when an error needs it.
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl Step<'_> {
    pub fn same_as(&self, elem: &PathElem) -> bool {
        match (self, elem) {
            (Step::Key(a), PathElem::Key(b)) => *a == b.as_str(),
            (Step::Index(a), PathElem::Index(b)) => a == b,
            _ => false,
        }
    }

    pub fn owned(self) -> PathElem {
        match self {
            Step::Key(k) => PathElem::Key(k.to_string()),
            Step::Index(i) => PathElem::Index(i),
        }
    }
}

/// Owned copy of a borrowed path.
pub fn owned_path(steps: &[Step<'_>]) -> Vec<PathElem> {
    steps.iter().map(|s| s.owned()).collect()
}

/// A GraphQL error as sent to clients.
#[derive(Debug, Clone, Serialize)]
pub struct GraphQLError {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locations: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<PathElem>>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub extensions: Map<String, Value>,
}

impl GraphQLError {
    /// An error carrying `extensions.code`.
    pub fn coded(message: impl Into<String>, code: &str) -> Self {
        let mut extensions = Map::new();
        extensions.insert("code".into(), Value::String(code.into()));
        Self {
            message: message.into(),
            locations: None,
            path: None,
            extensions,
        }
    }

    /// The error's `extensions.code`, if any.
    pub fn code(&self) -> Option<&str> {
        self.extensions.get("code").and_then(Value::as_str)
    }

    pub fn with_path(mut self, path: Vec<PathElem>) -> Self {
        self.path = Some(path);
        self
    }
}

/// The JSON text of `data`, written after a `{"data":` prefix so that the
/// response body is finished without copying it.
#[derive(Debug, Clone)]
pub struct DataJson(Vec<u8>);

impl DataJson {
    const PREFIX: &'static [u8] = b"{\"data\":";

    /// A buffer to write the data's JSON text into (append only).
    pub fn buffer(capacity: usize) -> Vec<u8> {
        let mut buf = Vec::with_capacity(capacity + Self::PREFIX.len() + 2);
        buf.extend_from_slice(Self::PREFIX);
        buf
    }

    /// Takes a [`DataJson::buffer`] after the data was written into it.
    pub fn from_buffer(buf: Vec<u8>) -> Self {
        debug_assert!(buf.starts_with(Self::PREFIX));
        Self(buf)
    }

    /// The data's JSON text.
    pub fn json(&self) -> &[u8] {
        self.0.get(Self::PREFIX.len()..).unwrap_or_default()
    }
}

/// The body of a GraphQL response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Absent for request errors (parse, validation, variables).
    pub data: Option<DataJson>,
    pub errors: Vec<GraphQLError>,
    /// Response extensions, e.g. `cost` when the client asked for it.
    pub extensions: Option<Map<String, Value>>,
}

impl Response {
    /// The response as JSON text.
    pub fn into_json(self) -> Vec<u8> {
        let (mut out, has_data) = match self.data {
            Some(DataJson(buf)) => (buf, true),
            None => (b"{".to_vec(), false),
        };
        if !self.errors.is_empty() {
            out.extend_from_slice(if has_data {
                b",\"errors\":"
            } else {
                b"\"errors\":"
            });
            if serde_json::to_writer(&mut out, &self.errors).is_err() {
                out.extend_from_slice(b"[{\"message\":\"cannot encode errors\"}]");
            }
        }
        if let Some(extensions) = self.extensions.filter(|e| !e.is_empty()) {
            out.extend_from_slice(if out.len() > 1 {
                b",\"extensions\":"
            } else {
                b"\"extensions\":"
            });
            if serde_json::to_writer(&mut out, &extensions).is_err() {
                out.extend_from_slice(b"{}");
            }
        }
        out.push(b'}');
        out
    }
}
