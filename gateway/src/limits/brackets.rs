//! How deeply a document's brackets nest. The query planner re-parses every
//! document with a parser that gives up past 50 nested `(`, `[` or `{` (its
//! fixed recursion limit), which today answers a client's document with a
//! planning failure; this scan finds such documents first, in one pass.

/// Nesting the planner's parser accepts (hive-router-query-planner's
/// graphql parser, not configurable).
pub const PLANNER_MAX_NESTING: usize = 50;

/// The deepest nesting of `(`, `[` and `{` outside strings and comments.
/// The document has already parsed, so strings and comments are well formed.
pub fn max_nesting(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'#' => {
                i = memchr::memchr2(b'\n', b'\r', &bytes[i..]).map_or(bytes.len(), |n| i + n);
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => i = block_string_end(bytes, i + 3),
            b'"' => i = string_end(bytes, i + 1),
            _ => {}
        }
        i += 1;
    }
    max
}

/// Index of the closing quote of a string whose content starts at `i`.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Index of the last quote of a block string whose content starts at `i`.
fn block_string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\\\"\"\"") {
            i += 4;
        } else if bytes[i..].starts_with(b"\"\"\"") {
            return i + 2;
        } else {
            i += 1;
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::max_nesting;

    #[test]
    fn brackets_in_strings_and_comments_do_not_nest() {
        assert_eq!(max_nesting("{ a(x: \"{{{(\\\"[[\") }"), 2);
        assert_eq!(max_nesting("{ a(x: \"\"\"{{{ \\\"\"\" {{\"\"\") }"), 2);
        assert_eq!(max_nesting("# {{{{\n{ a { b } }"), 2);
    }

    #[test]
    fn every_kind_of_bracket_counts() {
        assert_eq!(
            max_nesting("query($v: [[Int]]) { a(x: {y: [1]}) { b } }"),
            4
        );
    }
}
