//! Measures and limits on small documents whose answers are known by hand.

use apollo_compiler::parser::Parser;

use super::{measure, truncate, LimitsConfig, Measures};

fn measures(text: &str) -> Measures {
    measure(&Parser::new().parse_ast(text, "t.graphql").unwrap())
}

fn explosion(levels: usize) -> String {
    let mut doc = format!("query {{ ...F{levels} }} fragment F0 on Query {{ __typename }}");
    for i in 1..=levels {
        doc += &format!(" fragment F{i} on Query {{ ...F{p} ...F{p} }}", p = i - 1);
    }
    doc
}

#[test]
fn depth_counts_fields_inline_fragments_and_spreads() {
    assert_eq!(measures("{ a }").counts.depth, 1);
    assert_eq!(measures("{ a { b { c } } }").counts.depth, 3);
    assert_eq!(measures("{ ... on Query { a { b } } }").counts.depth, 3);
    assert_eq!(
        measures("{ ...F } fragment F on Query { a { ...G } } fragment G on A { b }")
            .counts
            .depth,
        4
    );
}

#[test]
fn fragment_explosion_is_counted_not_expanded() {
    let m = measures(&explosion(30));
    assert_eq!(m.counts.fields, 1 << 30);
    assert_eq!(m.counts.top, 1 << 30);
    assert_eq!(m.counts.depth, 32);
    // Far past 64 doublings the counts saturate instead of overflowing.
    let m = measures(&explosion(100));
    assert_eq!(m.counts.fields, u64::MAX);
}

#[test]
fn aliases_and_root_fields_count_through_fragments() {
    let m = measures("{ a: x b: x ...F } fragment F on Query { c: x y { d: z } }");
    assert_eq!(m.counts.aliases, 4);
    assert_eq!(m.counts.top, 4);
    assert_eq!(m.counts.fields, 5);
}

#[test]
fn cycles_and_unknown_fragments_count_as_empty() {
    let m =
        measures("{ ...A ...Nope } fragment A on Query { x ...B } fragment B on Query { ...A }");
    assert_eq!(m.counts.fields, 1);
}

#[test]
fn a_long_fragment_chain_does_not_recurse() {
    let mut doc = String::from("{ ...F0 }");
    for i in 0..20_000 {
        doc += &format!(" fragment F{i} on Query {{ x ...F{} }}", i + 1);
    }
    doc += " fragment F20000 on Query { x }";
    assert_eq!(measures(&doc).counts.fields, 20_001);
}

#[test]
fn directives_are_counted_per_location_and_int_literals_checked() {
    let m = measures("query @a @b { x @c @d @e y(n: 9223372036854775808) }");
    assert_eq!(m.directives, 3);
    assert_eq!(m.int_out_of_range, Some(19));
    assert_eq!(
        measures("{ y(n: 9223372036854775807) }").int_out_of_range,
        None
    );
}

#[test]
fn the_defaults_refuse_an_explosion_and_pass_a_plain_query() {
    let limits = LimitsConfig::default();
    let doc = explosion(30);
    let ast = Parser::new().parse_ast(&doc, "t.graphql").unwrap();
    let codes: Vec<_> = limits
        .check(&ast, &doc, 100)
        .iter()
        .map(|v| v.code)
        .collect();
    assert!(codes.contains(&"MAX_FIELDS_EXCEEDED"), "{codes:?}");
    let doc = "{ customer(id: 1) { id name orders(first: 10) { nodes { id } } } }";
    let ast = Parser::new().parse_ast(doc, "t.graphql").unwrap();
    assert!(limits.check(&ast, doc, 40).is_empty());
}

#[test]
fn errors_are_capped_with_a_last_one_counting_the_rest() {
    let limits = LimitsConfig {
        max_errors: 3,
        ..LimitsConfig::default()
    };
    let errors = (0..10)
        .map(|i| crate::response::GraphQLError::coded(format!("e{i}"), "X"))
        .collect();
    let capped = limits.cap_errors(errors);
    assert_eq!(capped.len(), 3);
    assert_eq!(capped[2].message, "8 more errors were left out");
}

#[test]
fn echoed_values_are_cut_inside_quotes() {
    let long = "x".repeat(10_000);
    let message = truncate(&format!("expected Int, found `\"{long}\"`"));
    assert!(message.len() < 200, "{}", message.len());
    assert!(message.starts_with("expected Int, found `\"xxx"));
    assert!(message.contains('…'));
    assert_eq!(truncate("short `x`"), "short `x`");
}
