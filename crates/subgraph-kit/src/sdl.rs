//! The SDL a subgraph publishes: async-graphql's federation SDL, plus federation 2.5's
//! `@authenticated`, which async-graphql cannot import itself (it does `@requiresScopes`).
//!
//! Mark a field `#[graphql(directive = subgraph_kit::sdl::authenticated::apply())]`, and
//! publish [`federation_sdl`] of the schema's SDL: the directive then comes from the
//! federation spec (imported in the `@link`), so composition carries it into the supergraph.

use async_graphql::TypeDirective;

// Federation's `@authenticated`: only requests with a verified token may reach the field. The
// gateway enforces it before planning; the subgraph's domain rules still decide. (A `//`
// comment: a doc comment would become a description left behind in the SDL.)
#[TypeDirective(name = "authenticated", location = "FieldDefinition")]
pub fn authenticated() {}

// Federation 2.9's `@listSize` (the cost spec): how many items a paginated field returns, read
// by the gateway's demand control. A connection paginated by `first` is marked
// `list_size::apply(vec!["first".into()], vec!["nodes".into()], DEFAULT_PAGE_SIZE, false)`
// (the page size applies to its `nodes`). Its presence makes the SDL link federation v2.9.
#[TypeDirective(name = "listSize", location = "FieldDefinition")]
pub fn list_size(
    slicing_arguments: Vec<String>,
    sized_fields: Vec<String>,
    assumed_size: i32,
    require_one_slicing_argument: bool,
) {
}

/// The federation import list async-graphql 7.2 writes (ends with `@requiresScopes`).
const IMPORTS_END: &str = "\"@requiresScopes\"]";

/// `sdl` (from `Schema::sdl_with_options(SDLExportOptions::new().federation())`) with
/// `@authenticated` imported from the federation spec instead of defined locally.
/// `@listSize`, when used, is imported likewise, from federation v2.9.
pub fn federation_sdl(sdl: &str) -> String {
    let sized = sdl
        .lines()
        .any(|l| !l.starts_with("directive ") && l.contains("@listSize("));
    sdl.lines()
        .filter(|line| {
            !line.starts_with("directive @authenticated ")
                && !line.starts_with("directive @listSize(")
        })
        .map(|line| match line.strip_suffix(IMPORTS_END) {
            Some(head) if line.trim_start().starts_with("import: [") => {
                let more = if sized { ", \"@listSize\"" } else { "" };
                format!("{head}\"@requiresScopes\", \"@authenticated\"{more}]")
            }
            _ if sized && line.contains("specs.apollo.dev/federation/v2.5") => {
                line.replace("federation/v2.5", "federation/v2.9")
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authenticated_is_imported_not_defined() {
        let sdl = "type Query {\n\tme: Int @authenticated\n}\n\
                   directive @authenticated on FIELD_DEFINITION\n\
                   extend schema @link(\n\turl: \"x\",\n\timport: [\"@key\", \"@requiresScopes\"]\n)\n";
        let out = federation_sdl(sdl);
        assert!(!out.contains("directive @authenticated"), "{out}");
        assert!(
            out.contains("import: [\"@key\", \"@requiresScopes\", \"@authenticated\"]"),
            "{out}"
        );
        assert!(out.contains("me: Int @authenticated"));
    }

    #[test]
    fn list_size_is_imported_from_federation_2_9_when_used() {
        let sdl = "type Query {\n\tall: [Int!]! @listSize(assumedSize: 20)\n}\n\
                   directive @listSize(assumedSize: Int!) on FIELD_DEFINITION\n\
                   extend schema @link(\n\turl: \"https://specs.apollo.dev/federation/v2.5\",\n\
                   \timport: [\"@key\", \"@requiresScopes\"]\n)\n";
        let out = federation_sdl(sdl);
        assert!(!out.contains("directive @listSize"), "{out}");
        assert!(out.contains("federation/v2.9"), "{out}");
        assert!(out.contains("\"@authenticated\", \"@listSize\"]"), "{out}");
        let plain = federation_sdl(&sdl.replace(" @listSize(assumedSize: 20)", ""));
        assert!(plain.contains("federation/v2.5"), "{plain}");
    }
}
