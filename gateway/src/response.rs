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

/// The body of a GraphQL response.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// Absent for request errors (parse, validation, variables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<GraphQLError>,
}
