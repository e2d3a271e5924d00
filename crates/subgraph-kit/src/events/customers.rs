//! The customers domain's events (`crowdcrunch.customers.<Type>`), version 1.

use super::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A customer was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRegistered {
    pub customer_id: Uuid,
    pub email: String,
    pub name: String,
}

impl Event for CustomerRegistered {
    const DOMAIN: &'static str = "customers";
    const TYPE: &'static str = "CustomerRegistered";
    const VERSION: u32 = 1;
}

/// A customer's email or name changed (the new values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerUpdated {
    pub customer_id: Uuid,
    pub email: String,
    pub name: String,
}

impl Event for CustomerUpdated {
    const DOMAIN: &'static str = "customers";
    const TYPE: &'static str = "CustomerUpdated";
    const VERSION: u32 = 1;
}
