//! The fast path for reading subgraph answers into [`Value`].
//!
//! Subgraph answers are large (tens of kilobytes per fetch) and plain:
//! short unescaped strings, integers, small objects. This parser handles
//! exactly that subset and builds the tree directly, with one shared stack
//! for the fields and items being gathered (so each object and list is
//! stored once, at its exact size). Anything else (an escape sequence, a
//! fraction or exponent, a deeply nested value, any syntax error) makes it
//! give up and the caller parses the answer again with sonic-rs, which
//! handles all of JSON and reports errors. So a result from here is always
//! the result sonic-rs would give.

use compact_str::CompactString;

use super::value::{self, Object, Value};

/// Nesting deeper than this is left to the complete parser.
const MAX_DEPTH: usize = 128;

/// `Some` when `input` is plain JSON this parser fully handles.
pub fn parse(input: &[u8]) -> Option<Value> {
    let mut p = Parser {
        s: input,
        i: 0,
        fields: Vec::new(),
        items: Vec::new(),
    };
    let value = p.value(0)?;
    p.skip_ws();
    (p.i == input.len()).then_some(value)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// Fields of the objects being parsed, innermost last.
    fields: Vec<(CompactString, Value)>,
    /// Items of the lists being parsed, innermost last.
    items: Vec<Value>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// Consumes `byte` after optional whitespace.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.i += 1)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.skip_ws();
        match self.peek()? {
            b'{' if depth < MAX_DEPTH => self.object(depth + 1),
            b'[' if depth < MAX_DEPTH => self.array(depth + 1),
            b'"' => self.string().map(Value::String),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            b'-' | b'0'..=b'9' => self.integer(),
            _ => None,
        }
    }

    fn literal(&mut self, text: &[u8], value: Value) -> Option<Value> {
        let end = self.i + text.len();
        (self.s.get(self.i..end)? == text).then(|| {
            self.i = end;
            value
        })
    }

    /// A string without escapes or control characters, valid UTF-8.
    fn string(&mut self) -> Option<CompactString> {
        let start = self.i + 1;
        let rest = self.s.get(start..)?;
        let len = memchr::memchr2(b'"', b'\\', rest)?;
        if rest[len] != b'"' {
            return None;
        }
        let raw = &rest[..len];
        // Branch-free so the check vectorises; control characters are
        // invalid in JSON strings.
        if !raw.iter().fold(true, |ok, &b| ok & (b >= 0x20)) {
            return None;
        }
        let text = std::str::from_utf8(raw).ok()?;
        self.i = start + len + 1;
        Some(CompactString::new(text))
    }

    /// An integer that fits `i64` or `u64`, as sonic-rs reads it; `-0`,
    /// fractions and exponents are left to the complete parser.
    fn integer(&mut self) -> Option<Value> {
        let negative = self.peek() == Some(b'-');
        let mut i = self.i + usize::from(negative);
        let first = i;
        let mut n: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.s.get(i).copied() {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            i += 1;
        }
        let digits = i - first;
        if digits == 0 || (digits > 1 && self.s[first] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.s.get(i) {
            return None;
        }
        let number = if negative {
            if n == 0 || n > i64::MAX as u64 + 1 {
                return None;
            }
            serde_json::Number::from((n as i64).wrapping_neg())
        } else {
            serde_json::Number::from(n)
        };
        self.i = i;
        Some(Value::Number(number))
    }

    /// Consumes an opening bracket; `true` (and the closing one consumed)
    /// when `close` follows at once.
    fn opens_empty(&mut self, close: u8) -> bool {
        self.i += 1;
        self.skip_ws();
        let empty = self.peek() == Some(close);
        if empty {
            self.i += 1;
        }
        empty
    }

    /// After an item: `Some(true)` when another follows, `Some(false)` at
    /// `close` (both consumed), `None` on anything else.
    fn more(&mut self, close: u8) -> Option<bool> {
        self.skip_ws();
        let byte = self.peek()?;
        self.i += 1;
        match byte {
            b',' => Some(true),
            b if b == close => Some(false),
            _ => None,
        }
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        let base = self.fields.len();
        if self.opens_empty(b'}') {
            return Some(Value::Object(Object::default()));
        }
        loop {
            self.skip_ws();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value(depth)?;
            // Duplicates are settled as the complete parser settles them.
            match value::duplicate(&mut self.fields[base..], &key) {
                Some(slot) => *slot = value,
                None => self.fields.push((key, value)),
            }
            if !self.more(b'}')? {
                break;
            }
        }
        Some(Value::Object(Object::from_fields(
            self.fields.drain(base..).collect(),
        )))
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        let base = self.items.len();
        if self.opens_empty(b']') {
            return Some(Value::Array(Vec::new()));
        }
        loop {
            let item = self.value(depth)?;
            self.items.push(item);
            if !self.more(b']')? {
                break;
            }
        }
        Some(Value::Array(self.items.drain(base..).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sonic(input: &[u8]) -> Option<Value> {
        sonic_rs::from_slice::<Value>(input).ok()
    }

    /// Whatever this parser accepts, sonic-rs reads the same way.
    fn agrees(input: &[u8]) {
        if let Some(fast) = parse(input) {
            assert_eq!(
                Some(&fast),
                sonic(input).as_ref(),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn plain_answers_are_read_exactly_as_sonic_reads_them() {
        let samples: &[&str] = &[
            r#"{"data":{"_entities":[{"__typename":"User","id":"1","reviews":[{"id":"1","body":"Love it!"}]},null]}}"#,
            r#" { "a" : [ 1 , -2 , 0 , 18446744073709551615 , -9223372036854775808 , true , false , null , "" , "é 😀" , { } , [ ] ] } "#,
            r#"{"a":1,"b":2,"a":3}"#,
            "[]",
            "\"x\"",
            "42",
        ];
        for s in samples {
            assert!(parse(s.as_bytes()).is_some(), "{s}");
            agrees(s.as_bytes());
        }
        let fixture = include_bytes!("../../../crates/bench-subgraphs/data/expected-response.json");
        assert!(parse(fixture).is_some());
        agrees(fixture);
    }

    #[test]
    fn anything_beyond_the_plain_subset_is_left_to_the_complete_parser() {
        for s in [
            r#"{"a":"x\"y"}"#,
            r#"{"a":"\u00e9"}"#,
            r#"{"a":1.5}"#,
            r#"{"a":1e3}"#,
            r#"{"a":-0}"#,
            r#"{"a":18446744073709551616}"#,
            r#"{"a":-9223372036854775809}"#,
            "{\"a\":\"tab\there\"}",
        ] {
            assert!(parse(s.as_bytes()).is_none(), "{s}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(deep.as_bytes()).is_none());
    }

    #[test]
    fn invalid_json_is_never_accepted() {
        for s in [
            "",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "01",
            "-",
            "tru",
            "nul",
            "[1 2]",
            "{} {}",
            "\"abc",
            "+1",
            "[-]",
        ] {
            assert!(parse(s.as_bytes()).is_none(), "{s}");
        }
        assert!(parse(b"\"\xff\"").is_none());
    }

    #[test]
    fn every_truncation_and_corruption_of_an_answer_agrees_with_sonic() {
        let text = br#"{"data":{"users":[{"id":"1","name":"Uri","n":-12,"ok":true,"x":null,"l":[1,[2,{}]]}]},"extensions":{}}"#;
        for end in 0..text.len() {
            agrees(&text[..end]);
        }
        for at in 0..text.len() {
            for byte in [b'"', b'{', b']', b',', b':', b'1', b' ', b'\\', 0x01, 0xc3] {
                let mut corrupt = text.to_vec();
                corrupt[at] = byte;
                agrees(&corrupt);
            }
        }
    }
}
