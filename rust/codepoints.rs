//! Extended grapheme clusters (UAX #29) over code points, as CPython stores a `str` (PEP 393):
//! one code unit per code point, of one byte (Latin-1), two (UCS-2) or four (UCS-4).
//!
//! The rules are applied to code points (`u32`) read from any of the three widths, so a string is
//! segmented where it lies, without transcoding it to UTF-8 first; positions are code-unit
//! indices, which are Python's own indices. A lone surrogate (a code unit in `D800..=DFFF`) is
//! `Control`, a grapheme of its own, as in [`crate::graphemes`].
//!
//! ```
//! use langchain_echo::codepoints::{graphemes, truncate};
//! let text: Vec<u32> = "e\u{301}👍🏽!".chars().map(u32::from).collect();
//! assert_eq!(graphemes(&text).collect::<Vec<_>>(), [0..2, 2..4, 4..5]);
//! assert_eq!(truncate(&text, 2), 4);
//! ```

use std::ops::Range;

use crate::grapheme_table::{BLOCKS, INDEX, SHIFT};

/// A code unit of a PEP 393 string: each is one code point.
pub trait CodeUnit: Copy + Into<u32> {
    /// The text as Latin-1 bytes, when its units are bytes: there every code point but CR (before
    /// LF) is a grapheme of its own, which the fast paths use.
    fn latin1(text: &[Self]) -> Option<&[u8]>;
}

impl CodeUnit for u8 {
    #[inline]
    fn latin1(text: &[u8]) -> Option<&[u8]> {
        Some(text)
    }
}

impl CodeUnit for u16 {
    #[inline]
    fn latin1(_: &[u16]) -> Option<&[u8]> {
        None
    }
}

impl CodeUnit for u32 {
    #[inline]
    fn latin1(_: &[u32]) -> Option<&[u8]> {
        None
    }
}

// `Grapheme_Cluster_Break` classes: the low four bits of a property byte.
const CLASS: u8 = 15;
const CR: u8 = 1;
const LF: u8 = 2;
const CONTROL: u8 = 3;
const EXTEND: u8 = 4;
const ZWJ: u8 = 5;
const RI: u8 = 6;
const PREPEND: u8 = 7;
const SPACING_MARK: u8 = 8;
const L: u8 = 9;
const V: u8 = 10;
const T: u8 = 11;
const LV: u8 = 12;
const LVT: u8 = 13;
// Flags above the class.
const EXT_PICT: u8 = 16;
const INCB_CONSONANT: u8 = 32;
const INCB_EXTEND: u8 = 64;
const INCB_LINKER: u8 = 128;

/// Below this code point nothing joins what precedes it (no Extend, ZWJ, `SpacingMark`) and
/// nothing but CR joins what follows it (no Prepend, no Hangul jamo, no regional indicator):
/// `quick_code_points_stand_alone` checks it against the table.
const QUICK: u32 = 0x300;

/// The grapheme break properties of `cp` (see [`crate::grapheme_table`]).
#[inline]
fn props(cp: u32) -> u8 {
    let Some(&block) = INDEX.get((cp >> SHIFT) as usize) else {
        return 0; // beyond U+10FFFF: never in a str
    };
    BLOCKS[(usize::from(block) << SHIFT) | (cp as usize & ((1 << SHIFT) - 1))]
}

/// What the code points since the grapheme's start say about the next one (rules `GB9c`,
/// `GB11`, `GB12` and `GB13`).
#[derive(Clone, Copy)]
struct State {
    /// The class and flags of the last code point.
    prev: u8,
    /// The last code points are `Extended_Pictographic Extend*` (1), then a ZWJ (2); else 0.
    emoji: u8,
    /// The last code points are an `InCB` consonant and `InCB` Extend or Linker (1), with a linker
    /// among them (2); else 0.
    conjunct: u8,
    /// The run of regional indicators that ends here is odd.
    ri_odd: bool,
}

impl State {
    #[inline]
    fn new(first: u8) -> Self {
        Self {
            prev: first,
            emoji: u8::from(first & EXT_PICT != 0),
            conjunct: u8::from(first & INCB_CONSONANT != 0),
            ri_odd: first & CLASS == RI,
        }
    }

    /// Whether UAX #29 breaks between the last code point and one of properties `next`.
    // One arm per rule, in the order UAX #29 lists them, even where two give the same answer.
    #[allow(clippy::match_same_arms)]
    #[inline]
    fn breaks_before(self, next: u8) -> bool {
        match (self.prev & CLASS, next & CLASS) {
            (CR, LF) => false,                                               // GB3
            (CR | LF | CONTROL, _) | (_, CR | LF | CONTROL) => true,         // GB4, GB5
            (L, L | V | LV | LVT) | (LV | V, V | T) | (LVT | T, T) => false, // GB6 to GB8
            (_, EXTEND | ZWJ | SPACING_MARK) | (PREPEND, _) => false,        // GB9 to GB9b
            (RI, RI) => !self.ri_odd,                                        // GB12, GB13
            _ => {
                let conjunct = next & INCB_CONSONANT != 0 && self.conjunct == 2; // GB9c
                let emoji = next & EXT_PICT != 0 && self.emoji == 2; // GB11
                !(conjunct || emoji)
            }
        }
    }

    /// Moves past a code point of properties `next` that joined the grapheme.
    #[inline]
    fn advance(&mut self, next: u8) {
        let class = next & CLASS;
        self.emoji = match (self.emoji, class) {
            _ if next & EXT_PICT != 0 => 1,
            (1, EXTEND) => 1,
            (1, ZWJ) => 2,
            _ => 0,
        };
        self.conjunct = if next & INCB_CONSONANT != 0 {
            1
        } else if self.conjunct != 0 && next & INCB_LINKER != 0 {
            2
        } else if self.conjunct != 0 && next & INCB_EXTEND != 0 {
            self.conjunct
        } else {
            0
        };
        self.ri_odd = class == RI && !(self.prev & CLASS == RI && self.ri_odd);
        self.prev = next;
    }
}

/// The end of the grapheme that starts at `start` (a boundary, `< text.len()`).
#[inline]
#[must_use]
pub fn grapheme_end<U: CodeUnit>(text: &[U], start: usize) -> usize {
    let first: u32 = text[start].into();
    let mut i = start + 1;
    let next = match text.get(i) {
        None => return i,
        Some(&n) => n.into(),
    };
    if first < QUICK && next < QUICK {
        // Only CR LF joins here.
        return i + usize::from(first == 0x0D && next == 0x0A);
    }
    let mut state = State::new(props(first));
    let mut next = props(next);
    loop {
        if state.breaks_before(next) {
            return i;
        }
        state.advance(next);
        i += 1;
        match text.get(i) {
            None => return i,
            Some(&n) => next = props(n.into()),
        }
    }
}

/// The graphemes of `text`, as ranges of code units.
#[derive(Clone, Debug)]
pub struct Graphemes<'a, U> {
    text: &'a [U],
    pos: usize,
}

/// Iterates the graphemes of `text`.
#[must_use]
pub fn graphemes<U: CodeUnit>(text: &[U]) -> Graphemes<'_, U> {
    Graphemes { text, pos: 0 }
}

impl<U: CodeUnit> Iterator for Graphemes<'_, U> {
    type Item = Range<usize>;

    #[inline]
    fn next(&mut self) -> Option<Range<usize>> {
        let start = self.pos;
        if start >= self.text.len() {
            return None;
        }
        self.pos = grapheme_end(self.text, start);
        Some(start..self.pos)
    }
}

/// Code units in the first `n` graphemes of `text`: it reads `text` only up to the code point
/// after the `n`-th grapheme, which shows that grapheme complete.
#[must_use]
pub fn truncate<U: CodeUnit>(text: &[U], n: usize) -> usize {
    if let Some(bytes) = U::latin1(text) {
        return latin1_truncate(bytes, n);
    }
    let mut end = 0;
    for _ in 0..n {
        if end >= text.len() {
            break;
        }
        end = grapheme_end(text, end);
    }
    end
}

/// [`truncate`] for Latin-1 (and for ASCII, in UTF-8): one grapheme per code point, but CR LF.
/// Each CR LF among the first graphemes moves their end one unit on, and there are at most `n`.
pub(crate) fn latin1_truncate(text: &[u8], n: usize) -> usize {
    let window = &text[..text.len().min(n.saturating_mul(2).saturating_add(1))];
    let mut end = n;
    let mut step = |cr: usize| {
        if cr >= end {
            return false;
        }
        if window.get(cr + 1) == Some(&b'\n') {
            end += 1;
        }
        true
    };
    if window.len() < 64 {
        // A few bytes: a plain scan costs less than setting up a vector search.
        let crs = window.iter().enumerate().filter(|&(_, &b)| b == b'\r');
        for (cr, _) in crs {
            if !step(cr) {
                break;
            }
        }
    } else {
        for cr in memchr::memchr_iter(b'\r', window) {
            if !step(cr) {
                break;
            }
        }
    }
    end.min(text.len())
}

/// Where each CR LF pair of `text` starts. (A search for the CR alone: building a substring
/// searcher for two bytes would cost more than a short text's whole search.)
pub(crate) fn crlf_pairs(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\r', text).filter(move |&cr| text.get(cr + 1) == Some(&b'\n'))
}

/// Number of graphemes in `text`.
#[must_use]
pub fn count<U: CodeUnit>(text: &[U]) -> usize {
    if let Some(bytes) = U::latin1(text) {
        return bytes.len() - crlf_pairs(bytes).count();
    }
    graphemes(text).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_segmentation::UnicodeSegmentation;

    fn units<U: TryFrom<u32>>(text: &str) -> Option<Vec<U>> {
        text.chars()
            .map(|c| U::try_from(u32::from(c)).ok())
            .collect()
    }

    /// Our segmentation of `text` at every width that can hold it, in code points.
    fn ours(text: &str) -> Vec<Vec<Range<usize>>> {
        let mut all = Vec::new();
        if let Some(t) = units::<u8>(text) {
            all.push(graphemes(&t).collect());
        }
        if let Some(t) = units::<u16>(text) {
            all.push(graphemes(&t).collect());
        }
        let t = units::<u32>(text).unwrap();
        all.push(graphemes(&t).collect());
        all
    }

    fn reference(text: &str) -> Vec<Range<usize>> {
        let mut at = 0;
        text.graphemes(true)
            .map(|g| {
                let n = g.chars().count();
                at += n;
                at - n..at
            })
            .collect()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[usize])] = &[
            ("", &[]),
            ("abc", &[1, 1, 1]),
            ("\r\n\n\r", &[2, 1, 1]),
            ("é\u{301}x", &[2, 1]),
            ("👨‍👩‍👧‍👦!", &[7, 1]),
            ("🇫🇷🇩🇪🇮", &[2, 2, 1]),
            ("1️⃣#", &[3, 1]),
            ("\u{1100}\u{1161}\u{11A8}각", &[3, 1]),
            ("क्षि", &[4]),
            ("\u{600}a", &[2]),
            ("a\u{903}", &[2]),
            ("©\u{200D}©", &[3]),
            ("a\u{200D}©", &[2, 1]),
        ];
        for (text, lengths) in cases {
            for segmented in ours(text) {
                let got: Vec<usize> = segmented.iter().map(ExactSizeIterator::len).collect();
                assert_eq!(&got, lengths, "{text:?}");
            }
            assert_eq!(reference(text), ours(text).pop().unwrap(), "{text:?}");
        }
    }

    #[test]
    fn lone_surrogates_are_their_own_graphemes() {
        let text: Vec<u16> = vec![0x61, 0xD800, 0x301, 0xDC00, 0xDC00, 0x62];
        let got: Vec<Range<usize>> = graphemes(&text).collect();
        assert_eq!(got, [0..1, 1..2, 2..3, 3..4, 4..5, 5..6]);
        let wide: Vec<u32> = text.iter().map(|&u| u32::from(u)).collect();
        assert_eq!(graphemes(&wide).collect::<Vec<_>>(), got);
    }

    #[test]
    fn quick_code_points_stand_alone() {
        for cp in 0..QUICK {
            let p = props(cp);
            assert!(
                matches!(p & CLASS, 0 | CR | LF | CONTROL),
                "{cp:04X} has class {}",
                p & CLASS
            );
            assert_eq!(
                p & (INCB_CONSONANT | INCB_EXTEND | INCB_LINKER),
                0,
                "{cp:04X}"
            );
        }
    }

    /// The table and the rules agree with `unicode-segmentation` on pairs and triples of a
    /// sample of every code point with partners from every class.
    #[test]
    fn every_class_against_unicode_segmentation() {
        let partners = [
            "a",
            "\r",
            "\n",
            "\u{301}",
            "\u{200D}",
            "\u{903}",
            "\u{600}",
            "\u{1100}",
            "\u{1161}",
            "\u{11A8}",
            "\u{AC00}",
            "\u{AC01}",
            "\u{1F1E6}",
            "\u{915}",
            "\u{94D}",
            "👍",
            "\u{200D}👍",
        ];
        let mut checked = 0;
        for cp in (0..0x3000).chain((0x3000..=0x0010_FFFF).step_by(17)) {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            for p in partners {
                for text in [format!("{c}{p}"), format!("{p}{c}"), format!("{p}{c}{p}")] {
                    assert_eq!(ours(&text).pop().unwrap(), reference(&text), "{text:?}");
                }
            }
            checked += 1;
        }
        assert!(checked > 60_000, "{checked}");
    }

    /// Random text over an alphabet of every class: all widths agree with `unicode-segmentation`,
    /// and truncation and counting with the segmentation.
    #[test]
    fn random_text_matches_the_reference() {
        let alphabet = [
            "a",
            " ",
            "\r",
            "\n",
            "é",
            "\u{301}",
            "\u{200D}",
            "👩",
            "\u{1F3FD}",
            "\u{FE0F}",
            "🇫",
            "🇷",
            "क",
            "\u{94D}",
            "ष",
            "\u{93F}",
            "\u{600}",
            "\u{903}",
            "\u{1100}",
            "\u{1161}",
            "\u{11A8}",
            "한",
            "\u{85}",
            "\u{AD}",
            "中",
            "©",
            "ÿ",
        ];
        for text in crate::test_support::random_texts(&alphabet, 99_u64, 20_000, 10) {
            let expected = reference(&text);
            for segmented in ours(&text) {
                assert_eq!(segmented, expected, "{text:?}");
            }
            let wide = units::<u32>(&text).unwrap();
            assert_eq!(count(&wide), expected.len());
            for n in 0..=expected.len() + 1 {
                let end = expected.get(n.wrapping_sub(1)).map_or(0, |r| r.end);
                let end = if n > expected.len() { wide.len() } else { end };
                assert_eq!(truncate(&wide, n), end, "{text:?} n={n}");
            }
        }
    }

    /// Truncation and counting at `U`'s width agree with the reference, where `U` holds `text`.
    fn truncates_and_counts<U: CodeUnit + TryFrom<u32>>(text: &str) -> bool {
        let Some(units) = units::<U>(text) else {
            return false;
        };
        let expected = reference(text);
        assert_eq!(count(&units), expected.len(), "{text:?}");
        for n in 0..=expected.len() + 1 {
            let end = expected.get(..n).and_then(<[_]>::last).map_or(0, |r| r.end);
            let end = if n > expected.len() { units.len() } else { end };
            assert_eq!(truncate(&units, n), end, "{text:?} n={n}");
        }
        true
    }

    /// Each width takes its own path (the Latin-1 fast path for bytes, the rules for the others),
    /// and every one gives the reference's counts and ends.
    #[test]
    fn truncation_and_counting_at_every_width() {
        let texts = [
            "ab\r\ncd",
            "é\r\nÿ\u{85}x",
            "e\u{301}x\r\n각\u{1100}\u{1161}",
            "👍🏽!",
        ];
        let mut checked = [0; 3];
        for text in texts {
            checked[0] += usize::from(truncates_and_counts::<u8>(text));
            checked[1] += usize::from(truncates_and_counts::<u16>(text));
            checked[2] += usize::from(truncates_and_counts::<u32>(text));
        }
        assert_eq!(checked, [2, 3, 4]);
    }

    /// Only a text of bytes is Latin-1, and then it is the text itself.
    #[test]
    fn only_byte_units_are_latin1() {
        let bytes = b"a\r\n\xE9\xFF";
        assert_eq!(u8::latin1(bytes), Some(&bytes[..]));
        assert_eq!(u16::latin1(&[0x61, 0xE9]), None);
        assert_eq!(u32::latin1(&[0x61, 0xE9]), None);
    }

    #[test]
    fn crlf_pairs_are_found_where_they_start() {
        let found: Vec<usize> = crlf_pairs(b"\r\r\nab\r\n\n\r").collect();
        assert_eq!(found, [1, 5]);
        assert_eq!(crlf_pairs(b"").count(), 0);
    }

    #[test]
    fn latin1_truncation_and_counting() {
        // Short texts are scanned byte by byte, long ones with memchr: both are checked.
        let long = "ab\r\ncd\r\r\n\néÿ\u{85}\r".repeat(40);
        for text in ["ab\r\ncd\r\r\n\néÿ\u{85}", long.as_str()] {
            let bytes = units::<u8>(text).unwrap();
            let expected = reference(text);
            assert_eq!(count(&bytes), expected.len());
            for n in 0..=expected.len() + 2 {
                let end = expected.get(..n).and_then(<[_]>::last).map_or(0, |r| r.end);
                let end = if n > expected.len() { bytes.len() } else { end };
                assert_eq!(truncate(&bytes, n), end, "n={n}");
            }
        }
    }
}

/// Every line of the official Unicode conformance file, at every width that can hold it.
#[cfg(test)]
mod conformance {
    use super::{graphemes, CodeUnit};
    use crate::test_support::{grapheme_break_test, Case};

    fn check<U: CodeUnit + TryFrom<u32>>(case: &Case) -> bool {
        let Some(text) = case
            .code_points
            .iter()
            .map(|&c| U::try_from(c).ok())
            .collect::<Option<Vec<U>>>()
        else {
            return false;
        };
        let got: Vec<usize> = graphemes(&text).map(|r| r.end).collect();
        assert_eq!(got, case.ends, "{} bits: {}", 8 * size_of::<U>(), case.line);
        true
    }

    #[test]
    fn grapheme_break_test_17_at_every_width() {
        let mut checked = [0; 3];
        for case in grapheme_break_test() {
            checked[0] += usize::from(check::<u8>(&case));
            checked[1] += usize::from(check::<u16>(&case));
            checked[2] += usize::from(check::<u32>(&case));
        }
        assert!(
            checked[0] > 10 && checked[1] > 300 && checked[2] > 700,
            "{checked:?}"
        );
    }
}
