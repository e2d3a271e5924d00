//! Responses the gateway itself refuses or fails: logged once each, at a
//! level fit for its cause, with its code and never large client input.

use crate::engine::Outcome;
use crate::operation::RequestFailure;

/// Longest message (in characters) a refusal's log line carries: messages
/// may quote the client's document.
const MAX_LOGGED_MESSAGE: usize = 200;

/// Logs a refusal or failure of the gateway's own (status 400 and above):
/// client errors at INFO, overload (503) and deadlines (504) at WARN (they
/// are the gateway protecting itself, not bugs), other 5xx at ERROR.
pub(super) fn log(status: u16, operation: &str, errors: &[crate::response::GraphQLError]) {
    if status < 400 {
        return;
    }
    let first = errors.first();
    let code = first.and_then(|e| e.code()).unwrap_or("NONE");
    let message = first.map(|e| clip(&e.message)).unwrap_or_default();
    let count = errors.len();
    match status {
        400..=499 => {
            tracing::info!(
                status,
                code,
                operation,
                errors = count,
                message,
                "request refused"
            )
        }
        503 | 504 => {
            tracing::warn!(
                status,
                code,
                operation,
                errors = count,
                message,
                "request refused"
            )
        }
        _ => tracing::error!(
            status,
            code,
            operation,
            errors = count,
            message,
            "request failed"
        ),
    }
}

/// Logs and counts a refusal made before the request reached the engine
/// (shedding, deadline), returning its outcome.
pub(super) fn refuse(status: u16, message: &str, code: &str) -> Outcome {
    let outcome = Outcome::from(RequestFailure::new(status, message, code));
    log(status, "unknown", &outcome.response.errors);
    metrics::counter!("gateway_http_requests_total",
        "operation" => "unknown", "status" => status.to_string())
    .increment(1);
    outcome
}

fn clip(message: &str) -> String {
    match message.char_indices().nth(MAX_LOGGED_MESSAGE) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn long_messages_are_clipped_on_a_character_boundary() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(1_000);
        let clipped = clip(&long);
        assert_eq!(clipped.chars().count(), 201);
        assert!(clipped.ends_with('…'));
    }
}
