//! Stable error codes shared by every subgraph, surfaced as `extensions.code`.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::Response;
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
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            let code = match error.source.as_ref().and_then(|s| s.downcast_ref::<AppError>()) {
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
        response
    }
}

/// Resolver result type.
pub type AppResult<T> = Result<T, AppError>;
