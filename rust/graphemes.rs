//! Extended grapheme clusters (UAX #29) over Python-compatible text.
//!
//! Text here is *generalized UTF-8*: ordinary UTF-8, in which a lone surrogate (which a Python
//! `str` may hold) is written as its three-byte sequence `ED A0..BF 80..BF`, exactly as Python's
//! `"surrogatepass"` error handler writes it. UAX #29 classes surrogates as `Control`, so each is a
//! grapheme of its own, with a boundary before and after it. Any other byte that is not valid
//! UTF-8 (which Python never produces) is likewise its own one-byte grapheme, so no input panics.
//!
//! Segmentation is lazy: [`Graphemes`] validates and segments the text in blocks that grow as it
//! goes, so taking the first five graphemes of a 100 MB text reads a few hundred bytes.

use unicode_segmentation::UnicodeSegmentation;

/// The Unicode version of the segmentation tables, `(17, 0, 0)`.
pub const UNICODE_VERSION: (u64, u64, u64) = unicode_segmentation::UNICODE_VERSION;

/// The first block is small so that short prefixes of long texts stay cheap; blocks then double up
/// to `MAX_BLOCK`, which keeps re-segmentation at block edges (one grapheme per block) negligible.
const FIRST_BLOCK: usize = 256;
const MAX_BLOCK: usize = 1 << 16;

/// Whether `text` starts with a lone surrogate in its generalized UTF-8 form.
#[inline]
fn starts_with_surrogate(text: &[u8]) -> bool {
    matches!(text, [0xED, 0xA0..=0xBF, 0x80..=0xBF, ..])
}

/// Whether `byte` continues a multi-byte sequence (`10xx_xxxx`) rather than starting one.
#[inline]
#[must_use]
pub(crate) fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// Whether `text` (generalized UTF-8) contains a lone surrogate.
#[must_use]
pub fn has_surrogates(text: &[u8]) -> bool {
    memchr::memchr_iter(0xED, text).any(|i| starts_with_surrogate(&text[i..]))
}

/// Number of code points in `text`: the number of bytes that do not continue a sequence. A lone
/// surrogate counts once, as it does in Python.
#[must_use]
pub fn code_points(text: &[u8]) -> usize {
    text.iter().filter(|&&b| !is_continuation(b)).count()
}

/// An iterator over the grapheme clusters of generalized UTF-8 text, as byte slices.
///
/// ```
/// use langchain_echo::graphemes::graphemes;
/// let parts: Vec<&[u8]> = graphemes("e\u{301}👍🏽!".as_bytes()).collect();
/// assert_eq!(parts, ["e\u{301}".as_bytes(), "👍🏽".as_bytes(), b"!"]);
/// ```
#[derive(Clone, Debug)]
pub struct Graphemes<'a> {
    text: &'a [u8],
    /// Start of the next grapheme.
    pos: usize,
    /// The validated block being segmented: `text[block_start..block_start + block.len()]`.
    block: &'a str,
    block_start: usize,
    /// Whether the block ends where its run of valid text ends, so its last grapheme is final.
    block_is_final: bool,
    inner: unicode_segmentation::Graphemes<'a>,
    next_size: usize,
}

/// Iterates the grapheme clusters of `text` (generalized UTF-8).
#[must_use]
pub fn graphemes(text: &[u8]) -> Graphemes<'_> {
    Graphemes {
        text,
        pos: 0,
        block: "",
        block_start: 0,
        block_is_final: true,
        inner: "".graphemes(true),
        next_size: FIRST_BLOCK,
    }
}

impl Graphemes<'_> {
    /// Byte offset of the next grapheme (the end of the last one returned).
    #[must_use]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Validates the next block of text at `self.pos`, or returns a standalone unit (a lone
    /// surrogate or an invalid byte) that is a grapheme by itself.
    fn load_block(&mut self, at_least: usize) -> Option<usize> {
        let rest = &self.text[self.pos..];
        if starts_with_surrogate(rest) {
            return Some(3);
        }
        let size = self.next_size.max(at_least);
        self.next_size = (size * 2).min(MAX_BLOCK).max(self.next_size);
        let mut end = size.min(rest.len());
        // Never cut a block inside a code point: back up over continuation bytes.
        while end < rest.len() && end > 0 && is_continuation(rest[end]) {
            end -= 1;
        }
        let (valid, is_final) = match std::str::from_utf8(&rest[..end]) {
            Ok(s) => (s, end == rest.len()),
            Err(e) => {
                let valid_len = e.valid_up_to();
                if valid_len == 0 {
                    // An invalid byte (never produced by Python): a grapheme of its own, so that
                    // every input segments and nothing panics.
                    return Some(1);
                }
                // The run of valid text ends at a surrogate or an invalid byte, both of which
                // break on both sides, so the block's last grapheme is final.
                (
                    std::str::from_utf8(&rest[..valid_len]).unwrap_or_default(),
                    true,
                )
            }
        };
        if end == 0 || valid.is_empty() && !is_final {
            // `end` backed up to 0 only for a malformed lead byte; treat it as a unit.
            return Some(1);
        }
        self.block = valid;
        self.block_start = self.pos;
        self.block_is_final = is_final;
        self.inner = valid.graphemes(true);
        None
    }
}

impl<'a> Iterator for Graphemes<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        if start >= self.text.len() {
            return None;
        }
        let mut at_least = 0;
        loop {
            if let Some(g) = self.inner.next() {
                let end = start + g.len();
                let block_end = self.block_start + self.block.len();
                if end < block_end || self.block_is_final {
                    self.pos = end;
                    return Some(&self.text[start..end]);
                }
                // The grapheme touches the end of a partial block and may continue past it:
                // segment again from its start with a larger block.
                at_least = (end - start) * 2;
            }
            if let Some(unit) = self.load_block(at_least) {
                let end = (start + unit).min(self.text.len());
                self.pos = end;
                self.inner = "".graphemes(true);
                self.block = "";
                self.block_start = end;
                return Some(&self.text[start..end]);
            }
        }
    }
}

/// Byte length of the first `n` graphemes of `text`: the text after it is read only as far as is
/// needed to see that the `n`-th grapheme is complete.
///
/// ```
/// use langchain_echo::graphemes::truncate;
/// let text = "🇫🇷🇩🇪 and more".as_bytes();
/// assert_eq!(&text[..truncate(text, 1)], "🇫🇷".as_bytes());
/// ```
#[must_use]
pub fn truncate(text: &[u8], n: usize) -> usize {
    let mut it = graphemes(text);
    for _ in 0..n {
        if it.next().is_none() {
            break;
        }
    }
    it.offset()
}

/// Number of graphemes in `text`.
#[must_use]
pub fn count(text: &[u8]) -> usize {
    graphemes(text).count()
}

/// The largest grapheme boundary `<= pos` in `text`, given that `from <= pos` is a boundary.
#[must_use]
pub fn boundary_at_or_before(text: &[u8], from: usize, pos: usize) -> usize {
    let mut last = from;
    for g in graphemes(&text[from..]) {
        let end = last + g.len();
        if end > pos {
            break;
        }
        last = end;
    }
    last
}

/// The smallest grapheme boundary `>= pos` in `text`, given that `from <= pos` is a boundary.
#[must_use]
pub fn boundary_at_or_after(text: &[u8], from: usize, pos: usize) -> usize {
    let mut end = from;
    for g in graphemes(&text[from..]) {
        if end >= pos {
            break;
        }
        end += g.len();
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &[u8]) -> Vec<&[u8]> {
        graphemes(text).collect()
    }

    const SURROGATE_D800: &[u8] = &[0xED, 0xA0, 0x80];

    #[test]
    fn table() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("abc", &["a", "b", "c"]),
            ("\r\n\n", &["\r\n", "\n"]),
            ("e\u{301}x", &["e\u{301}", "x"]),
            ("👨‍👩‍👧‍👦!", &["👨‍👩‍👧‍👦", "!"]),
            ("🇫🇷🇩🇪🇮", &["🇫🇷", "🇩🇪", "🇮"]),
            ("👍🏽👍", &["👍🏽", "👍"]),
            ("1️⃣#", &["1️⃣", "#"]),
            ("각한", &["각", "한"]),
            ("\u{1100}\u{1161}\u{11A8}", &["\u{1100}\u{1161}\u{11A8}"]),
            ("क्षि", &["क्षि"]),
        ];
        for (text, expected) in cases {
            let got: Vec<&str> = split(text.as_bytes())
                .into_iter()
                .map(|g| std::str::from_utf8(g).unwrap())
                .collect();
            assert_eq!(&got, expected, "segmenting {text:?}");
        }
    }

    #[test]
    fn surrogates_are_their_own_graphemes() {
        let mut text = b"a".to_vec();
        text.extend_from_slice(SURROGATE_D800);
        text.extend_from_slice("\u{301}b".as_bytes());
        let parts = split(&text);
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[1], SURROGATE_D800);
        // The combining mark cannot attach to a Control: it stands alone.
        assert_eq!(parts[2], "\u{301}".as_bytes());
        assert!(has_surrogates(&text));
        assert!(!has_surrogates("\u{D7FF}\u{E000}".as_bytes()));
        assert_eq!(code_points(&text), 4);
    }

    #[test]
    fn invalid_bytes_never_panic() {
        let parts = split(&[b'a', 0xFF, 0xC3, b'b', 0xE2, 0x82]);
        assert_eq!(parts.concat(), vec![b'a', 0xFF, 0xC3, b'b', 0xE2, 0x82]);
        assert!(parts.iter().all(|p| !p.is_empty()));
    }

    #[test]
    fn blocks_do_not_change_the_segmentation() {
        // Long graphemes and long texts cross many block edges.
        let long_grapheme = format!("e{}", "\u{301}".repeat(5000));
        let text = format!(
            "{}{long_grapheme}👨‍👩‍👧‍👦{}",
            "ab".repeat(40000),
            "🇫🇷".repeat(30000)
        );
        let ours: Vec<&[u8]> = split(text.as_bytes());
        let reference: Vec<&[u8]> = text.graphemes(true).map(str::as_bytes).collect();
        assert_eq!(ours, reference);
        assert_eq!(count(text.as_bytes()), reference.len());
    }

    #[test]
    fn truncate_reads_only_what_it_needs() {
        let text = "héllo wörld".as_bytes();
        assert_eq!(&text[..truncate(text, 2)], "hé".as_bytes());
        assert_eq!(truncate(text, 0), 0);
        assert_eq!(truncate(text, 1000), text.len());
        // A truncated prefix ends on a boundary even when the next code point combines.
        assert_eq!(truncate("e\u{301}e".as_bytes(), 1), 3);
    }

    #[test]
    fn boundaries_around_a_position() {
        let text = "ae\u{301}b".as_bytes();
        assert_eq!(boundary_at_or_before(text, 0, 2), 1);
        assert_eq!(boundary_at_or_after(text, 0, 2), 4);
        assert_eq!(boundary_at_or_after(text, 0, 1), 1);
        assert_eq!(boundary_at_or_before(text, 1, 5), 5);
    }
}

/// Every line of the official Unicode conformance file, through [`graphemes`].
#[cfg(test)]
mod conformance {
    use super::graphemes;

    /// Generalized UTF-8 of one code point (a surrogate as its three-byte form).
    fn encode(cp: u32, out: &mut Vec<u8>) {
        match char::from_u32(cp) {
            Some(c) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            None => out.extend_from_slice(&[
                0xE0 | (cp >> 12) as u8,
                0x80 | ((cp >> 6) & 0x3F) as u8,
                0x80 | (cp & 0x3F) as u8,
            ]),
        }
    }

    #[test]
    fn grapheme_break_test_17() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/unicode/GraphemeBreakTest-17.0.0.txt"
        );
        let data = std::fs::read_to_string(path).expect("the conformance file is in tests/data");
        let mut checked = 0;
        for (number, line) in data.lines().enumerate() {
            let rule = line.split('#').next().unwrap_or("").trim();
            if rule.is_empty() {
                continue;
            }
            let mut text = Vec::new();
            let mut expected: Vec<Vec<u8>> = Vec::new();
            let mut current = Vec::new();
            for token in rule.split_whitespace() {
                match token {
                    "÷" => {
                        if !current.is_empty() {
                            expected.push(std::mem::take(&mut current));
                        }
                    }
                    "×" => {}
                    hex => {
                        let cp = u32::from_str_radix(hex, 16).expect("a hex code point");
                        let start = text.len();
                        encode(cp, &mut text);
                        current.extend_from_slice(&text[start..]);
                    }
                }
            }
            let got: Vec<Vec<u8>> = graphemes(&text).map(<[u8]>::to_vec).collect();
            assert_eq!(got, expected, "line {}: {line}", number + 1);
            checked += 1;
        }
        assert!(checked > 700, "only {checked} test lines were read");
    }
}
