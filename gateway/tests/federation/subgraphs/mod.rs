//! The in-process test subgraphs of the `shop` fixture.

pub mod accounts;
pub mod inventory;
pub mod products;
pub mod reviews;

use std::sync::{Arc, Mutex};

/// Records mutation calls in the order subgraphs received them.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, entry: String) {
        self.0.lock().unwrap().push(entry);
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Federation SDL of each subgraph, by name, as composed into the fixture.
pub fn sdls() -> Vec<(&'static str, String)> {
    use async_graphql::SDLExportOptions;
    let opts = || SDLExportOptions::new().federation();
    vec![
        (
            "accounts",
            accounts::schema(Log::default()).sdl_with_options(opts()),
        ),
        ("inventory", inventory::schema().sdl_with_options(opts())),
        (
            "products",
            products::schema(Log::default()).sdl_with_options(opts()),
        ),
        ("reviews", reviews::schema().sdl_with_options(opts())),
    ]
}
