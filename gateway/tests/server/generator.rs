//! A schema-aware random GraphQL operation generator: valid operations over
//! any schema (fields, aliases, arguments, variables, fragments, `@skip` /
//! `@include`), plus deliberately broken ones (wrong argument types,
//! unknown fields, cut-off documents, nesting and repetition past the
//! limits). Deterministic per seed, so a failure can be replayed.

use apollo_compiler::schema::{ExtendedType, Type};
use apollo_compiler::Schema;

/// xorshift64*: small, deterministic, good enough to pick shapes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// Generates operations over one schema.
pub struct Generator<'a> {
    pub schema: &'a Schema,
    pub rng: Rng,
    /// Fields never selected (e.g. test fields that answer slowly on purpose).
    pub skip_fields: &'a [&'a str],
}

/// One generated request body and whether it was built to be invalid.
pub struct Generated {
    pub body: serde_json::Value,
}

impl Generator<'_> {
    pub fn request(&mut self) -> Generated {
        let mutation = self.schema.schema_definition.mutation.clone();
        let (keyword, root) = match mutation {
            Some(m) if self.rng.chance(10) => ("mutation", m.name.to_string()),
            _ => ("query", "Query".to_string()),
        };
        let mut variables = serde_json::Map::new();
        let mut definitions = Vec::new();
        let depth = if self.rng.chance(5) {
            40
        } else {
            1 + self.rng.below(6)
        };
        let selection = self.selection(&root, depth, &mut variables, &mut definitions);
        let header = if definitions.is_empty() {
            format!("{keyword} Op")
        } else {
            format!("{keyword} Op({})", definitions.join(", "))
        };
        let mut query = format!("{header} {selection}");
        self.corrupt(&mut query);
        Generated {
            body: serde_json::json!({ "query": query, "operationName": "Op", "variables": variables }),
        }
    }

    /// Sometimes breaks the document: cut short, an unknown field, a stray
    /// token, or a long repetition.
    fn corrupt(&mut self, query: &mut String) {
        match self.rng.below(40) {
            0 => {
                let mut cut = self.rng.below(query.len());
                while !query.is_char_boundary(cut) {
                    cut -= 1;
                }
                query.truncate(cut);
            }
            1 => *query = query.replacen('{', "{ noSuchField ", 1),
            2 => query.push_str(" }}}"),
            3 => *query = query.replacen('{', &"{ __typename ".repeat(2_000), 1),
            4 => *query = format!("{}{}", "{ ".repeat(300), query),
            _ => {}
        }
    }

    fn selection(
        &mut self,
        type_name: &str,
        depth: usize,
        variables: &mut serde_json::Map<String, serde_json::Value>,
        definitions: &mut Vec<String>,
    ) -> String {
        let Some(ty) = self.schema.types.get(type_name) else {
            return "{ __typename }".into();
        };
        let mut parts = vec![];
        match ty {
            ExtendedType::Object(_) | ExtendedType::Interface(_) => {
                let fields: Vec<_> = match ty {
                    ExtendedType::Object(o) => o.fields.values().cloned().collect(),
                    ExtendedType::Interface(i) => i.fields.values().cloned().collect(),
                    _ => vec![],
                };
                let fields: Vec<_> = fields
                    .into_iter()
                    .filter(|f| !self.skip_fields.contains(&f.name.as_str()))
                    .collect();
                for _ in 0..1 + self.rng.below(4) {
                    let Some(field) = self.rng.pick(&fields).cloned() else {
                        break;
                    };
                    let mut text = String::new();
                    if self.rng.chance(25) {
                        text.push_str(&format!("a{}: ", self.rng.below(1_000)));
                    }
                    text.push_str(field.name.as_str());
                    let mut args = vec![];
                    for arg in &field.arguments {
                        if arg.ty.is_non_null() || self.rng.chance(50) {
                            let value = self.argument(&arg.ty, variables, definitions);
                            args.push(format!("{}: {value}", arg.name));
                        }
                    }
                    if !args.is_empty() {
                        text.push_str(&format!("({})", args.join(", ")));
                    }
                    if self.rng.chance(10) {
                        let flag = if self.rng.chance(50) { "true" } else { "false" };
                        let directive = if self.rng.chance(50) {
                            "skip"
                        } else {
                            "include"
                        };
                        text.push_str(&format!(" @{directive}(if: {flag})"));
                    }
                    let inner = field.ty.inner_named_type().to_string();
                    if self.is_composite(&inner) {
                        if depth == 0 {
                            text.push_str(" { __typename }");
                        } else {
                            text.push(' ');
                            text.push_str(&self.selection(
                                &inner,
                                depth - 1,
                                variables,
                                definitions,
                            ));
                        }
                    }
                    parts.push(text);
                }
                if let ExtendedType::Interface(i) = ty {
                    let implementers: Vec<String> = self
                        .schema
                        .implementers_map()
                        .get(&i.name)
                        .map(|imp| imp.objects.iter().map(|o| o.to_string()).collect())
                        .unwrap_or_default();
                    if let Some(object) = self.rng.pick(&implementers).cloned() {
                        if depth > 0 && self.rng.chance(50) {
                            let inner = self.selection(&object, depth - 1, variables, definitions);
                            parts.push(format!("... on {object} {inner}"));
                        }
                    }
                }
            }
            ExtendedType::Union(u) => {
                let members: Vec<String> = u.members.iter().map(|m| m.to_string()).collect();
                if let Some(member) = self.rng.pick(&members).cloned() {
                    let inner =
                        self.selection(&member, depth.saturating_sub(1), variables, definitions);
                    parts.push(format!("... on {member} {inner}"));
                }
            }
            _ => {}
        }
        if parts.is_empty() || self.rng.chance(20) {
            parts.push("__typename".into());
        }
        format!("{{ {} }}", parts.join(" "))
    }

    fn is_composite(&self, name: &str) -> bool {
        matches!(
            self.schema.types.get(name),
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_))
        )
    }

    /// A literal or a variable for an argument of type `ty`; sometimes of
    /// the wrong type, or out of range.
    fn argument(
        &mut self,
        ty: &Type,
        variables: &mut serde_json::Map<String, serde_json::Value>,
        definitions: &mut Vec<String>,
    ) -> String {
        let value = self.value(ty.inner_named_type().as_str());
        if self.rng.chance(30) {
            let name = format!("v{}", definitions.len());
            definitions.push(format!("${name}: {ty}"));
            variables.insert(name.clone(), literal_to_json(&value));
            return format!("${name}");
        }
        if ty.is_list() && self.rng.chance(50) {
            return format!("[{value}]");
        }
        value
    }

    fn value(&mut self, type_name: &str) -> String {
        if self.rng.chance(5) {
            // The wrong type on purpose.
            return self
                .rng
                .pick(&["true", "\"x\"", "1.5", "null", "{}"])
                .unwrap_or(&"null")
                .to_string();
        }
        match type_name {
            "Int" => self
                .rng
                .pick(&[
                    "0",
                    "1",
                    "5",
                    "-1",
                    "2147483647",
                    "2147483648",
                    "99999999999999999999",
                ])
                .unwrap_or(&"1")
                .to_string(),
            "Float" => "1.5".into(),
            "Boolean" => "true".into(),
            "String" | "ID" => {
                let ids = ["\"1\"", "\"r1\"", "\"u1\"", "\"p1\"", "\"\"", "\"\\u00e9\""];
                self.rng.pick(&ids).unwrap_or(&"\"1\"").to_string()
            }
            other => match self.schema.types.get(other) {
                Some(ExtendedType::Enum(e)) => {
                    let values: Vec<String> = e.values.keys().map(|k| k.to_string()).collect();
                    self.rng
                        .pick(&values)
                        .cloned()
                        .unwrap_or_else(|| "X".into())
                }
                Some(ExtendedType::InputObject(i)) => {
                    let fields: Vec<_> = i.fields.values().cloned().collect();
                    let mut inner = Vec::new();
                    for f in &fields {
                        if f.ty.is_non_null() || self.rng.chance(50) {
                            let value = self.value(f.ty.inner_named_type().as_str());
                            inner.push(format!("{}: {value}", f.name));
                        }
                    }
                    format!("{{ {} }}", inner.join(", "))
                }
                _ => "\"1\"".into(),
            },
        }
    }
}

/// A generated literal as a JSON variable value (object literals and enum
/// names become strings: the gateway must refuse or coerce them, not crash).
fn literal_to_json(literal: &str) -> serde_json::Value {
    serde_json::from_str(literal).unwrap_or_else(|_| serde_json::Value::String(literal.into()))
}
