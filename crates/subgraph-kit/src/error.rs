//! Stable error codes shared by every subgraph, surfaced as `extensions.code`.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextResolve, NextSubscribe, NextValidation, ResolveInfo, Tracing,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use futures::stream::BoxStream;
use std::sync::Arc;

/// The stable machine-readable codes clients can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadUserInput,
    NotFound,
    Conflict,
    IdempotencyKeyReused,
    InsufficientStock,
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
}

/// Schema extension that gives every error a stable `extensions.code`: resolvers return
/// [`AppError`] through `?` (async-graphql keeps it as the error's source), and this maps it to
/// its code. Add it with `Schema::build(..).extension(ErrorCodes)`.
///
/// Being the one extension every subgraph adds, it also carries the GraphQL telemetry:
/// async-graphql's `Tracing` spans (request, parse, validation, execute and each non-scalar
/// resolver) and the `subgraph_graphql_errors_total{code}` counter.
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
        for error in &mut response.errors {
            let code = match error
                .source
                .as_ref()
                .and_then(|s| s.downcast_ref::<AppError>())
            {
                Some(app) => {
                    if let AppError::Database(e) = app {
                        // The client gets a generic message; the detail stays in our logs.
                        tracing::error!(error = %e, "database error");
                    }
                    app.code().as_str()
                }
                None if error.message.starts_with("Invalid value for argument")
                    || error.message.starts_with("Failed to parse") =>
                {
                    ErrorCode::BadUserInput.as_str()
                }
                None => continue,
            };
            let ext = error.extensions.get_or_insert_with(Default::default);
            if ext.get("code").is_none() {
                ext.set("code", code);
            }
        }
        crate::metrics::record_graphql_errors(&response.errors);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        self.tracing.subscribe(ctx, stream, next)
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.tracing.parse_query(ctx, query, variables, next).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        self.tracing.validation(ctx, next).await
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
        self.tracing.resolve(ctx, info, next).await
    }
}

/// Resolver result type.
pub type AppResult<T> = Result<T, AppError>;
