//! Stable error codes shared by every subgraph, surfaced as `extensions.code`.

use crate::telemetry::graphql;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextResolve, NextSubscribe, NextValidation, ResolveInfo, Tracing,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use crowdcrunch_telemetry::clip::{clip, MESSAGE_LIMIT};
use futures::stream::{BoxStream, StreamExt};
use std::borrow::Cow;
use std::sync::Arc;
use tracing::Instrument;

/// The stable machine-readable codes clients can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadUserInput,
    NotFound,
    Conflict,
    IdempotencyKeyReused,
    InsufficientStock,
    /// The facts this write is checked against (another domain's events) have not arrived
    /// yet: retry later.
    NotYetKnown,
    Unauthenticated,
    Forbidden,
    /// The document does not parse.
    ParseFailed,
    /// The document is not valid against the schema (or exceeds its depth/complexity limits).
    ValidationFailed,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            ErrorCode::InsufficientStock => "INSUFFICIENT_STOCK",
            ErrorCode::NotYetKnown => "NOT_YET_KNOWN",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::ParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::ValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::Internal => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// An error a resolver returns to the client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("idempotency key was already used with a different request")]
    IdempotencyKeyReused,
    #[error("{0}")]
    InsufficientStock(String),
    /// What the write must be checked against has not reached this domain yet (retryable).
    #[error("{0}")]
    NotYetKnown(String),
    /// The request carries no identity and the operation needs one.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but may not do this (not the owner, or a staff scope is missing).
    #[error("{0}")]
    Forbidden(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadInput(_) => ErrorCode::BadUserInput,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            AppError::InsufficientStock(_) => ErrorCode::InsufficientStock,
            AppError::NotYetKnown(_) => ErrorCode::NotYetKnown,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::Database(_) | AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn bad_input(msg: impl Into<String>) -> Self {
        AppError::BadInput(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        AppError::NotFound(msg.into())
    }

    pub fn conflict(msg: impl Into<String>) -> Self {
        AppError::Conflict(msg.into())
    }

    pub fn forbidden(msg: impl Into<String>) -> Self {
        AppError::Forbidden(msg.into())
    }

    pub fn not_yet_known(msg: impl Into<String>) -> Self {
        AppError::NotYetKnown(msg.into())
    }
}

/// Schema extension that gives every error a stable `extensions.code`: resolvers return
/// [`AppError`] through `?` (async-graphql keeps it as the error's source), and this maps it to
/// its code. Add it with `Schema::build(..).extension(ErrorCodes)`.
///
/// Being the one extension every subgraph adds, it also carries the GraphQL telemetry: spans
/// (request, parse, validation, execute and each non-scalar resolver; async-graphql's `Tracing`
/// except where it would record client input whole, see [`graphql`]), one log line per error
/// and the `subgraph_graphql_errors_total{code}` counter. Error messages are clipped to
/// [`MESSAGE_LIMIT`] bytes: they may quote what the client sent.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension {
            tracing: Tracing.create(),
        })
    }
}

struct ErrorCodesExtension {
    tracing: Arc<dyn Extension>,
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = self.tracing.request(ctx, next).await;
        code_errors(&mut response);
        response
    }

    /// Every event of a subscription gets its errors coded as a request's answer does.
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        self.tracing
            .subscribe(ctx, stream, next)
            .map(|mut response| {
                code_errors(&mut response);
                response
            })
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // Not `Tracing`'s: it records the whole document on the span (see `graphql`).
        let span = graphql::parse_span();
        async move {
            let parsed = next
                .run(ctx, query, variables)
                .await
                .map_err(|e| with_code(e, ErrorCode::ParseFailed));
            let span = tracing::Span::current();
            if let (Ok(doc), false) = (&parsed, span.is_disabled()) {
                graphql::record_source(&span, &ctx.stringify_execute_doc(doc, variables));
            }
            parsed
        }
        .instrument(span)
        .await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        self.tracing.validation(ctx, next).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    // A value that does not fit its argument's type is bad input, as when
                    // found later during execution; the rest is a document problem.
                    let code = if is_bad_value(&e.message) {
                        ErrorCode::BadUserInput
                    } else {
                        ErrorCode::ValidationFailed
                    };
                    with_code(e, code)
                })
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.tracing.execute(ctx, operation_name, next).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // Not `Tracing`'s: it logs each error whole at INFO; `request` logs each one once.
        match graphql::field_span(ctx, &info) {
            Some(span) => next.run(ctx, info).instrument(span).await,
            None => next.run(ctx, info).await,
        }
    }
}

/// The [`AppError`] an error came from, if a resolver returned one.
fn app_error(error: &ServerError) -> Option<&AppError> {
    error.source.as_ref()?.downcast_ref::<AppError>()
}

/// Whether `message` is async-graphql's report of an input value its type refuses (or of a
/// required variable the request left out).
fn is_bad_value(message: &str) -> bool {
    message.starts_with("Invalid value for argument")
        || message.starts_with("Failed to parse")
        || (message.starts_with("Variable ") && message.ends_with(" is not defined."))
}

/// The code of an error that none was set on: every error leaves with one.
fn classify(error: &ServerError) -> &'static str {
    if let Some(app) = app_error(error) {
        return app.code().as_str();
    }
    // "Entity not found.": an `_entities` representation that fits no entity resolver (the
    // gateway never sends one; a client calling us directly may).
    if is_bad_value(&error.message) || error.message == "Entity not found." {
        return ErrorCode::BadUserInput.as_str();
    }
    if error.path.is_empty() {
        // Not from a field: how the request was put (an unknown operation name, a
        // subscription over HTTP, a limit), found before anything ran.
        return ErrorCode::ValidationFailed.as_str();
    }
    // A field failed without saying why: an error of ours (a missing context value, a
    // resolver that does not map its error), never the client's.
    ErrorCode::Internal.as_str()
}

fn with_code(mut error: ServerError, code: ErrorCode) -> ServerError {
    let ext = error.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code.as_str());
    }
    error
}

/// Resolver result type.
pub type AppResult<T> = Result<T, AppError>;

/// Clips the messages of `response`'s errors, codes them (`extensions.code` from the
/// [`AppError`] behind each), logs them and counts them.
fn code_errors(response: &mut Response) {
    for error in &mut response.errors {
        // Messages may quote what the client sent (a 1 MB id): never echo it whole.
        if let Cow::Owned(clipped) = clip(&error.message, MESSAGE_LIMIT) {
            error.message = clipped;
        }
        let ext = error.extensions.get_or_insert_with(Default::default);
        let code = match ext.get("code") {
            // Set where the error arose (the parse and validation hooks below).
            Some(Value::String(code)) => code.clone(),
            _ => {
                let code = classify(error);
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("code", code);
                code.to_string()
            }
        };
        if code == ErrorCode::Internal.as_str() {
            if let Some(AppError::Database(e)) = app_error(error) {
                // The client gets a generic message; the detail stays in our logs.
                tracing::error!(error = %e, "database error");
            }
        }
        graphql::log_error(error, Some(code.as_str()));
    }
    crate::metrics::record_graphql_errors(&response.errors);
}
