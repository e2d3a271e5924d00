//! What a subgraph records of each GraphQL request besides metrics: parse and field spans, and
//! one log line per error at a level that says whose fault it was, all with client text clipped.
//!
//! async-graphql's `Tracing` extension makes the same spans, but records the whole document
//! (arguments and variables inlined) on the parse span and logs every resolver error, message
//! and all, at INFO: a 1 MB argument became a 1 MB span attribute and a 1 MB log line.

use async_graphql::extensions::{ExtensionContext, ResolveInfo};
use async_graphql::registry::MetaTypeName;
use async_graphql::{PathSegment, ServerError};
use crowdcrunch_telemetry::clip::{clip, LOG_FIELD_LIMIT};
use tracing::{field, span, Level, Span};

/// Target of the spans, as async-graphql's `Tracing` names it (dashboards and filters use it).
const TARGET: &str = "async_graphql::graphql";

/// The span of parsing one request; its `source` is recorded by [`record_source`].
pub fn parse_span() -> Span {
    span!(target: TARGET, Level::INFO, "parse", source = field::Empty)
}

/// Record the parsed document on `span`, clipped.
pub fn record_source(span: &Span, document: &str) {
    span.record("source", clip(document, LOG_FIELD_LIMIT).as_ref());
}

/// The span of resolving one field, for fields returning objects (a span per scalar would
/// drown the trace); `None` for scalars, enums and introspection.
pub fn field_span(ctx: &ExtensionContext<'_>, info: &ResolveInfo<'_>) -> Option<Span> {
    if info.is_for_introspection {
        return None;
    }
    let returned = MetaTypeName::concrete_typename(info.return_type);
    let leaf = ctx
        .schema_env
        .registry
        .types
        .get(returned)
        .is_some_and(|ty| ty.is_leaf());
    (!leaf).then(|| {
        span!(
            target: TARGET,
            Level::INFO,
            "field",
            path = %info.path_node,
            parent_type = %info.parent_type,
            return_type = %info.return_type,
        )
    })
}

/// Log an error the response carries (its message already clipped): ours (`INTERNAL_SERVER_ERROR`)
/// at ERROR; the client's (a bad argument, something not found, a conflict, an invalid
/// document) at DEBUG, as the client is told already.
pub fn log_error(error: &ServerError, code: Option<&str>) {
    let path = error
        .path
        .iter()
        .map(|segment| match segment {
            PathSegment::Field(name) => name.clone(),
            PathSegment::Index(index) => index.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".");
    let code = code.unwrap_or("NONE");
    if code == crate::ErrorCode::Internal.as_str() {
        tracing::error!(code, path, error = %error.message, "request failed");
    } else {
        tracing::debug!(code, path, error = %error.message, "request refused");
    }
}
