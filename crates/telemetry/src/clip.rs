//! Bounded copies of text that may carry client input (error messages, log fields), so that a
//! client cannot make us echo or log a megabyte it sent.

use std::borrow::Cow;

/// Longest error message a client gets back from us: room for an id, a SKU or an e-mail address
/// and the sentence around it, far below what an attacker's input could make it.
pub const MESSAGE_LIMIT: usize = 300;

/// Longest value of one log field (and of a log line's message).
pub const LOG_FIELD_LIMIT: usize = 4096;

/// `text` if it is at most `limit` bytes; otherwise its beginning and end with the middle left
/// out and counted, e.g. `"xxxx… [1048290 bytes left out] …xxx" is not a valid id`. Keeping the
/// end keeps what a message says about the value, which follows it. Cuts fall on character
/// boundaries; the result is at most `limit` bytes plus the marker (under 40 bytes).
pub fn clip(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let head_len = floor_boundary(text, limit * 2 / 3);
    let tail_start = ceil_boundary(text, text.len() - (limit - head_len));
    let left_out = tail_start - head_len;
    Cow::Owned(format!(
        "{}… [{left_out} bytes left out] …{}",
        &text[..head_len],
        &text[tail_start..]
    ))
}

/// The largest character boundary of `text` at or below `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The smallest character boundary of `text` at or above `at`.
fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_returned_as_is() {
        assert!(matches!(
            clip("\"x\" is not a valid id", 300),
            Cow::Borrowed("\"x\" is not a valid id")
        ));
    }

    /// The parts of a clipped text: beginning, bytes left out, end.
    fn parts(clipped: &str) -> (&str, usize, &str) {
        let (head, rest) = clipped.split_once("… [").expect("a marker");
        let (count, tail) = rest.split_once(" bytes left out] …").expect("a marker");
        (head, count.parse().expect("a count"), tail)
    }

    #[test]
    fn long_text_keeps_its_beginning_and_end_and_counts_what_is_left_out() {
        let message = format!("{:?} is not a valid id", "x".repeat(1 << 20));
        let clipped = clip(&message, 300);
        assert!(clipped.len() <= 300 + 40, "{} bytes", clipped.len());
        let (head, left_out, tail) = parts(&clipped);
        assert!(head.starts_with("\"xxx"), "{clipped}");
        assert!(tail.ends_with("xxx\" is not a valid id"), "{clipped}");
        assert_eq!(head.len() + left_out + tail.len(), message.len());
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        let text = "é".repeat(1000);
        for limit in [1, 2, 3, 10, 299, 300, 301] {
            let clipped = clip(&text, limit);
            let (head, left_out, tail) = parts(&clipped);
            assert_eq!(head.len() + left_out + tail.len(), text.len());
            assert!(head.len() + tail.len() <= limit, "{limit}: {clipped}");
        }
    }
}
