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

use unicode_segmentation::GraphemeCursor;
#[cfg(test)]
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
    // A continuation byte has its top bit set and the next bit clear. Count them eight bytes at a
    // time, as a 0 or 1 in each byte of an accumulator summed every 255 words (before a byte of
    // it could overflow); pure ASCII, the common case, needs no counting at all.
    const TOP_BITS: u64 = 0x8080_8080_8080_8080;
    const LOW_BYTES: u64 = 0x00FF_00FF_00FF_00FF;
    if text.is_ascii() {
        return text.len();
    }
    let mut continuations = 0;
    for block in text.chunks(8 * 255) {
        let words = block.chunks_exact(8);
        let tail = words.remainder();
        let mut counts = 0u64;
        for w in words {
            let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
            counts += (w & !(w << 1) & TOP_BITS) >> 7;
        }
        let pairs = (counts & LOW_BYTES) + ((counts >> 8) & LOW_BYTES);
        continuations += (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize;
        continuations += tail.iter().filter(|&&b| is_continuation(b)).count();
    }
    text.len() - continuations
}

/// The first code point of `text` and its length in bytes, if it is valid UTF-8 (a surrogate or an
/// invalid byte gives `None`).
#[inline]
fn first_char(text: &[u8]) -> Option<(char, usize)> {
    let b0 = *text.first()?;
    if b0 < 0x80 {
        return Some((char::from(b0), 1));
    }
    // Shortest-form checks on the second byte (no overlongs, no surrogates, nothing past
    // U+10FFFF); every further byte must be a continuation byte.
    let cont = |i: usize| text.get(i).copied().filter(|&b| is_continuation(b));
    let (cp, len) = match b0 {
        0xC2..=0xDF => (u32::from(b0 & 0x1F) << 6 | u32::from(cont(1)? & 0x3F), 2),
        0xE0..=0xEF => {
            let b1 = cont(1)?;
            if (b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 >= 0xA0) {
                return None;
            }
            let cp = u32::from(b0 & 0x0F) << 12 | u32::from(b1 & 0x3F) << 6;
            (cp | u32::from(cont(2)? & 0x3F), 3)
        }
        0xF0..=0xF4 => {
            let b1 = cont(1)?;
            if (b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 >= 0x90) {
                return None;
            }
            let cp = u32::from(b0 & 0x07) << 18 | u32::from(b1 & 0x3F) << 12;
            let cp = cp | u32::from(cont(2)? & 0x3F) << 6 | u32::from(cont(3)? & 0x3F);
            (cp, 4)
        }
        _ => return None,
    };
    Some((char::from_u32(cp)?, len))
}

/// Code points outside every `Grapheme_Cluster_Break` class that can join a neighbour (CR, LF,
/// Prepend, Extend, ZWJ, `SpacingMark`, `Regional_Indicator`, and the Hangul jamo L, V and T),
/// judged by blocks known to hold none of them. UAX #29 breaks between any two such code points
/// (a Hangul syllable, LV or LVT, joins only jamo, which are not in these blocks), so no table of
/// the full property is needed there. `quick_blocks_hold_no_joining_class` checks every one.
const QUICK: &[(u32, u32)] = &[
    (0x20, 0x7E),
    (0x80, 0x2FF),
    (0x370, 0x482),
    (0x48A, 0x52F),
    (0x1E00, 0x1FFF),
    (0x2010, 0x206F),
    (0x2070, 0x20CF),
    (0x2100, 0x2BFF),
    (0x3000, 0x3029),
    (0x3030, 0x303F),
    (0x3041, 0x3096),
    (0x30A0, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3),
    (0xF900, 0xFAFF),
    (0xFF01, 0xFF9D),
    (0x1F000, 0x1F1E5),
    (0x1F200, 0x1F3FA),
    (0x1F400, 0x1FAFF),
];

/// Quick code points after which UAX #29 always breaks, even before a mark (GB4): controls.
const CONTROLS: &[(u32, u32)] = &[
    (0x80, 0x9F),
    (0xAD, 0xAD),
    (0x200E, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x206F),
];

/// A few blocks of Extend marks that commonly follow a quick code point: combining diacritics,
/// combining marks for symbols (the keycap), kana voicing marks, variation selectors (emoji
/// presentation), Fitzpatrick skin tones and emoji tag characters.
const MARKS: &[(u32, u32)] = &[
    (0x300, 0x36F),
    (0x20D0, 0x20F0),
    (0x3099, 0x309A),
    (0xFE00, 0xFE0F),
    (0x1F3FB, 0x1F3FF),
    (0xE0020, 0xE007F),
];

/// The main runs of `Extended_Pictographic` emoji, which GB11 joins after a ZWJ that follows
/// another of them (checked for each by `pictographs_join_after_zwj`).
const PICTOGRAPHS: &[(u32, u32)] = &[
    (0x1F266, 0x1F321),
    (0x1F324, 0x1F393),
    (0x1F39E, 0x1F3F0),
    (0x1F3F3, 0x1F3F5),
    (0x1F3F7, 0x1F3FA),
    (0x1F400, 0x1F4FD),
    (0x1F4FF, 0x1F53D),
    (0x1F5FA, 0x1F64F),
    (0x1F680, 0x1F6C5),
    (0x1F90C, 0x1F93A),
    (0x1F947, 0x1F9FF),
    (0x1FA6E, 0x1FAFF),
];

const REGIONAL_INDICATORS: &[(u32, u32)] = &[(0x1F1E6, 0x1F1FF)];

// A code point's flags, from the lists above.
const F_QUICK: u8 = 1;
const F_TAKES_MARKS: u8 = 2;
const F_MARK: u8 = 4;
const F_PICTOGRAPH: u8 = 8;
const F_REGIONAL: u8 = 16;
/// In [`BLOCKS`]: the flags differ within the block, so look the code point up in the lists.
const F_MIXED: u8 = 128;

/// How many code points of `lo..=hi` the ranges hold.
const fn overlap(lo: u32, hi: u32, ranges: &[(u32, u32)]) -> u32 {
    let mut total = 0;
    let mut i = 0;
    while i < ranges.len() {
        let (a, b) = ranges[i];
        let start = if a > lo { a } else { lo };
        let end = if b < hi { b } else { hi };
        if start <= end {
            total += end - start + 1;
        }
        i += 1;
    }
    total
}

/// A code point's flags, from the lists: the source of truth of [`BLOCKS`].
const fn flags_of(cp: u32) -> u8 {
    let mut f = 0;
    if overlap(cp, cp, QUICK) == 1 {
        f |= F_QUICK;
        if overlap(cp, cp, CONTROLS) == 0 {
            f |= F_TAKES_MARKS;
        }
    }
    if overlap(cp, cp, MARKS) == 1 {
        f |= F_MARK;
    }
    if overlap(cp, cp, PICTOGRAPHS) == 1 {
        f |= F_PICTOGRAPH;
    }
    if overlap(cp, cp, REGIONAL_INDICATORS) == 1 {
        f |= F_REGIONAL;
    }
    f
}

/// Code points below this are looked up by block of `1 << BLOCK_BITS`.
const TABLE_END: u32 = 0x2_0000;
const BLOCK_BITS: u32 = 4;

/// Per block of code points: the flags they all share, else [`F_MIXED`].
static BLOCKS: [u8; (TABLE_END >> BLOCK_BITS) as usize] = {
    // Range by range: a block the range covers gets its flag; one it covers in part is mixed.
    const fn mark(table: &mut [u8], ranges: &[(u32, u32)], flag: u8) {
        let mut i = 0;
        while i < ranges.len() {
            let (lo, hi) = ranges[i];
            let mut block = lo >> BLOCK_BITS;
            while block <= hi >> BLOCK_BITS && block < TABLE_END >> BLOCK_BITS {
                let first = block << BLOCK_BITS;
                let last = first + (1 << BLOCK_BITS) - 1;
                table[block as usize] |= if lo <= first && last <= hi {
                    flag
                } else {
                    F_MIXED
                };
                block += 1;
            }
            i += 1;
        }
    }
    const CONTROL: u8 = 64;
    let mut table = [0u8; (TABLE_END >> BLOCK_BITS) as usize];
    mark(&mut table, QUICK, F_QUICK | F_TAKES_MARKS);
    mark(&mut table, CONTROLS, CONTROL);
    mark(&mut table, MARKS, F_MARK);
    mark(&mut table, PICTOGRAPHS, F_PICTOGRAPH);
    mark(&mut table, REGIONAL_INDICATORS, F_REGIONAL);
    let mut block = 0;
    while block < table.len() {
        let f = table[block];
        table[block] = if f & F_MIXED != 0 {
            F_MIXED
        } else if f & CONTROL != 0 {
            f & !(CONTROL | F_TAKES_MARKS)
        } else {
            f
        };
        block += 1;
    }
    table
};

/// A code point's flags: one table load for most, the lists for the rest.
#[inline]
fn flags(c: char) -> u8 {
    let cp = u32::from(c);
    if cp < TABLE_END {
        let f = BLOCKS[(cp >> BLOCK_BITS) as usize];
        if f != F_MIXED {
            return f;
        }
    }
    flags_of(cp)
}

#[cfg(test)]
fn is_quick(c: char) -> bool {
    flags(c) & F_QUICK != 0
}

#[cfg(test)]
fn takes_marks(c: char) -> bool {
    flags(c) & F_TAKES_MARKS != 0
}

#[cfg(test)]
fn is_common_mark(c: char) -> bool {
    flags(c) & F_MARK != 0
}

#[cfg(test)]
fn is_pictograph(c: char) -> bool {
    flags(c) & F_PICTOGRAPH != 0
}

#[cfg(test)]
fn is_regional_indicator(c: char) -> bool {
    flags(c) & F_REGIONAL != 0
}

/// Length of the grapheme at the start of `text` when a few code points decide it: a quick code
/// point with any common marks after it (ASCII, Latin with combining accents, CJK, Hangul
/// syllables, emoji with skin tones or VS16, keycaps, tag sequences), emoji ZWJ sequences of
/// pictographs, and flags (pairs of regional indicators). `None` leaves the grapheme to the full
/// rules. `text` ends where the text ends.
#[inline]
fn quick_len(text: &[u8]) -> Option<usize> {
    const ZWJ: char = '\u{200D}';
    let (c, mut len) = first_char(text)?;
    if c < ' ' || c == '\x7f' {
        // CR LF is one grapheme; a control character, CR and LF break after (GB4, GB5).
        return Some(if c == '\r' && text.get(1) == Some(&b'\n') {
            2
        } else {
            1
        });
    }
    let f = flags(c);
    if f & F_REGIONAL != 0 {
        // At a boundary, two regional indicators pair (GB12).
        let (d, d_len) = first_char(&text[len..])?;
        if flags(d) & F_REGIONAL == 0 {
            return None;
        }
        len += d_len;
    } else if f & F_QUICK == 0 {
        return None;
    }
    // Whether the last code point that was not a mark is a pictograph (for GB11).
    let after_pictograph = f & F_PICTOGRAPH != 0;
    let takes_marks = f & (F_TAKES_MARKS | F_REGIONAL) != 0;
    loop {
        // A grapheme surely ends at the end of the text, or before a code point that cannot
        // join what precedes it here (no ZWJ or mark precedes it: GB9 to GB13 do not apply).
        let Some(&b) = text.get(len) else {
            return Some(len);
        };
        if b < 0x80 {
            return Some(len);
        }
        let (next, next_len) = first_char(&text[len..])?;
        let g = flags(next);
        if g & (F_QUICK | F_REGIONAL) != 0 {
            return Some(len);
        }
        if !takes_marks {
            return None;
        }
        if g & F_MARK != 0 {
            len += next_len; // GB9
        } else if next == ZWJ {
            len += next_len; // GB9
            match text.get(len) {
                // After a ZWJ, only a pictograph can join (GB11), and ASCII never is one.
                None => return Some(len),
                Some(&b) if b < 0x80 => return Some(len),
                Some(_) => {
                    let (pict, pict_len) = first_char(&text[len..])?;
                    if !(after_pictograph && flags(pict) & F_PICTOGRAPH != 0) {
                        return None; // GB11 may apply to code points not known here
                    }
                    len += pict_len; // GB11
                }
            }
        } else {
            return None;
        }
    }
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
    /// The full rules, over `block`.
    cursor: GraphemeCursor,
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
        cursor: GraphemeCursor::new(0, 0, true),
        next_size: FIRST_BLOCK,
    }
}

impl<'a> Graphemes<'a> {
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
        self.cursor = GraphemeCursor::new(0, valid.len(), true);
        None
    }

    /// Returns a standalone unit (a lone surrogate or an invalid byte) as a grapheme.
    fn unit(&mut self, start: usize, len: usize) -> &'a [u8] {
        let end = (start + len).min(self.text.len());
        self.pos = end;
        self.block = "";
        self.block_start = end;
        &self.text[start..end]
    }
}

impl<'a> Iterator for Graphemes<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        let rest = self.text.get(start..).filter(|r| !r.is_empty())?;
        // Two ASCII bytes: a grapheme of one byte, but CR LF.
        if let [b0, b1, ..] = *rest {
            if b0 < 0x80 && b1 < 0x80 {
                let len = if b0 == b'\r' && b1 == b'\n' { 2 } else { 1 };
                self.pos = start + len;
                return Some(&rest[..len]);
            }
        }
        if let Some(len) = quick_len(rest) {
            self.pos = start + len;
            return Some(&rest[..len]);
        }
        let block_end = self.block_start + self.block.len();
        if !(self.block_start..block_end).contains(&start) {
            if let Some(unit) = self.load_block(0) {
                return Some(self.unit(start, unit));
            }
        }
        loop {
            // Segmenting from a boundary needs no earlier context, so the cursor can be placed
            // anywhere the quick path stopped.
            self.cursor.set_cursor(start - self.block_start);
            let end = match self.cursor.next_boundary(self.block, 0) {
                Ok(Some(b)) => self.block_start + b,
                _ => self.block_start + self.block.len(),
            };
            let block_end = self.block_start + self.block.len();
            if end < block_end || self.block_is_final {
                self.pos = end;
                return Some(&self.text[start..end]);
            }
            // The grapheme touches the end of a partial block and may continue past it:
            // segment again from its start with a larger block.
            if let Some(unit) = self.load_block((end - start) * 2) {
                return Some(self.unit(start, unit));
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
    if let Some(end) = ascii_prefix_graphemes(text, n) {
        return end;
    }
    let mut it = graphemes(text);
    for _ in 0..n {
        if it.next().is_none() {
            break;
        }
    }
    it.offset()
}

/// Where `n` graphemes end when they and the byte after them are ASCII: one grapheme per byte,
/// but CR LF is one (and no mark can follow an ASCII byte that is followed by ASCII).
fn ascii_prefix_graphemes(text: &[u8], n: usize) -> Option<usize> {
    // Where they end if they are ASCII; then whether they, and the byte after them, are.
    let end = crate::codepoints::latin1_truncate(text, n);
    match text.get(..=end) {
        Some(head) => head.is_ascii().then_some(end),
        None => text.is_ascii().then_some(text.len()),
    }
}

/// Number of graphemes in `text`.
#[must_use]
pub fn count(text: &[u8]) -> usize {
    if text.is_ascii() {
        // Every byte is a grapheme, but CR LF is one.
        return text.len() - crate::codepoints::crlf_pairs(text).count();
    }
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
    fn code_points_count_like_python() {
        for text in [
            "",
            "a",
            "héllo wörld",
            "👨‍👩‍👧‍👦🇫🇷 and more text after it",
            "中文字符串很长很长很长",
        ] {
            for cut in 0..=text.len() {
                if text.is_char_boundary(cut) {
                    assert_eq!(
                        code_points(&text.as_bytes()[..cut]),
                        text[..cut].chars().count()
                    );
                }
            }
        }
        let mut surrogate = b"ab".to_vec();
        surrogate.extend_from_slice(SURROGATE_D800);
        assert_eq!(code_points(&surrogate), 3);
    }

    #[test]
    fn invalid_bytes_never_panic() {
        let parts = split(&[b'a', 0xFF, 0xC3, b'b', 0xE2, 0x82]);
        assert_eq!(parts.concat(), vec![b'a', 0xFF, 0xC3, b'b', 0xE2, 0x82]);
        assert!(parts.iter().all(|p| !p.is_empty()));
    }

    /// The quick path's decoder reads every code point as `std` encodes it, whatever follows, and
    /// nothing that is not UTF-8: overlong forms, surrogates, code points past U+10FFFF, cut or
    /// broken sequences, stray continuation bytes.
    #[test]
    fn first_char_decodes_exactly_utf8() {
        for c in (0..=0x0010_FFFF).filter_map(char::from_u32) {
            let mut text = [0xBF; 5];
            let len = c.encode_utf8(&mut text).len();
            assert_eq!(
                first_char(&text[..=len]),
                Some((c, len)),
                "{c:?} + continuation"
            );
            text[len] = b'x';
            assert_eq!(first_char(&text[..=len]), Some((c, len)), "{c:?} + x");
        }
        let invalid: &[&[u8]] = &[
            &[],
            &[0x80],
            &[0xBF, b'a'],
            &[0xC0, 0x80],
            &[0xC1, 0xBF],
            &[0xC3],
            &[0xC3, b'a'],
            &[0xE0, 0x80, 0x80],
            &[0xE0, 0x9F, 0xBF],
            &[0xED, 0xA0, 0x80],
            &[0xED, 0xBF, 0xBF],
            &[0xE4, 0xB8],
            &[0xE4, b'a', 0xAD],
            &[0xE4, 0xB8, b'a'],
            &[0xF0, 0x80, 0x80, 0x80],
            &[0xF0, 0x8F, 0xBF, 0xBF],
            &[0xF4, 0x90, 0x80, 0x80],
            &[0xF5, 0x80, 0x80, 0x80],
            &[0xF0, 0x9F, 0x91],
            &[0xF0, 0x9F, b'a', 0x8D],
            &[0xF0, 0x9F, 0x91, b'a'],
            &[0xF8, 0x88, 0x80, 0x80, 0x80],
            &[0xFF],
        ];
        for bytes in invalid {
            assert_eq!(first_char(bytes), None, "{bytes:X?}");
        }
    }

    /// An overlong form (here of `@`) is not UTF-8: each of its bytes is a grapheme of its own,
    /// also where the quick path would otherwise decode it as the character.
    #[test]
    fn overlong_forms_are_invalid_bytes() {
        for (overlong, after) in [
            (&[0xC1, 0x80][..], b'a'),
            (&[0xE0, 0x81, 0x80][..], b'a'),
            (&[0xF0, 0x80, 0x81, 0x80][..], b'b'),
        ] {
            let mut text = overlong.to_vec();
            text.push(after);
            let parts = split(&text);
            let bytes: Vec<&[u8]> = text.chunks(1).collect();
            assert_eq!(parts, bytes, "{text:X?}");
        }
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

    /// Long runs of graphemes only the full rules decide (conjuncts, spacing marks, jamo, a
    /// Prepend) put block edges at every offset: inside a code point, inside a grapheme, on a
    /// boundary; the segmentation stays `unicode-segmentation`'s.
    #[test]
    fn block_edges_inside_code_points_and_graphemes() {
        let runs = [
            "क्षि",
            "a\u{903}",
            "\u{1100}\u{1161}\u{11A8}",
            "\u{600}b",
            "क्ष्क",
        ];
        for prefix in 0..12 {
            for run in runs {
                let text = format!("{}{}", "x".repeat(prefix), run.repeat(300));
                let ours: Vec<&[u8]> = split(text.as_bytes());
                let reference: Vec<&[u8]> = text.graphemes(true).map(str::as_bytes).collect();
                assert_eq!(ours, reference, "{prefix} + {run:?}");
            }
        }
        // One grapheme longer than many blocks, at the start and after a few bytes.
        let long = format!("a{}", "\u{903}".repeat(1000));
        for prefix in ["", "x", "क्षि"] {
            let text = format!("{prefix}{long}क्षि");
            let ours: Vec<&[u8]> = split(text.as_bytes());
            let reference: Vec<&[u8]> = text.graphemes(true).map(str::as_bytes).collect();
            assert_eq!(ours, reference, "{prefix:?} + a long grapheme");
        }
        // Invalid bytes and surrogates end a run of valid text inside a block.
        let mut text = "क्षि".repeat(100).into_bytes();
        text.extend_from_slice(SURROGATE_D800);
        text.extend_from_slice("\u{301}क्षि".repeat(100).as_bytes());
        text.push(0xFF);
        text.extend_from_slice("a\u{903}".repeat(200).as_bytes());
        let parts = split(&text);
        assert_eq!(parts.concat(), text);
        assert_eq!(parts.len(), 100 + 1 + 1 + 100 + 1 + 200);
        // A run of stray continuation bytes longer than a block: no code point to back up to.
        let mut text = vec![0x80; 300];
        text.extend_from_slice("क्षि".as_bytes());
        let parts = split(&text);
        assert_eq!(parts.len(), 301);
        assert_eq!(parts[300], "क्षि".as_bytes());
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

    /// Every code point the quick path accepts is outside the classes that join a neighbour.
    #[test]
    fn quick_blocks_hold_no_joining_class() {
        let breaks = |text: String| text.graphemes(true).count() == 2;
        let mut checked = 0;
        for c in (0..=0x0010_FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| is_quick(c))
        {
            // Not Extend, ZWJ or SpacingMark; not Prepend; not a Regional_Indicator.
            assert!(
                breaks(format!("x{c}")),
                "{:04X} joins what precedes it",
                u32::from(c)
            );
            assert!(
                breaks(format!("{c}x")),
                "{:04X} joins what follows it",
                u32::from(c)
            );
            assert!(
                breaks(format!("\u{1F1E6}{c}")),
                "{:04X} pairs with a flag",
                u32::from(c)
            );
            let marked = !breaks(format!("{c}\u{301}"));
            assert_eq!(
                marked,
                takes_marks(c),
                "{:04X} and a following mark",
                u32::from(c)
            );
            if (0xAC00..=0xD7A3).contains(&u32::from(c)) {
                // A Hangul syllable (LV or LVT) joins only jamo, which are never quick.
                assert!(
                    !breaks(format!("\u{1100}{c}")),
                    "{:04X} is not LV/LVT",
                    u32::from(c)
                );
            } else {
                // Not L, V, T, LV or LVT.
                assert!(
                    breaks(format!("\u{1100}{c}")),
                    "{:04X} is a jamo",
                    u32::from(c)
                );
                assert!(
                    breaks(format!("{c}\u{11A8}")),
                    "{:04X} is a jamo",
                    u32::from(c)
                );
            }
            checked += 1;
        }
        assert_eq!(checked, 47_146, "every code point of the quick blocks");
    }

    /// The common marks are Extend marks (GB9: nothing breaks before them, and they are not
    /// spacing marks, prepends or ZWJ), and none of them is quick.
    #[test]
    fn common_marks_are_extend() {
        let mut checked = 0;
        for m in (0..=0x0010_FFFF)
            .filter_map(char::from_u32)
            .filter(|&m| is_common_mark(m))
        {
            let u = u32::from(m);
            assert!(!is_quick(m) && !is_regional_indicator(m), "{u:04X}");
            assert_eq!(
                format!("a{m}").graphemes(true).count(),
                1,
                "{u:04X} joins a base"
            );
            // An Extend mark after ZWJ keeps an emoji ZWJ sequence open; a SpacingMark does not.
            assert_eq!(
                format!("\u{1F468}{m}\u{200D}\u{1F469}")
                    .graphemes(true)
                    .count(),
                1,
                "{u:04X}"
            );
            checked += 1;
        }
        assert_eq!(checked, 112 + 33 + 2 + 16 + 5 + 96, "every common mark");
    }

    /// Every code point treated as a pictograph joins a ZWJ sequence (GB11), as only an
    /// `Extended_Pictographic` code point does.
    #[test]
    fn pictographs_join_after_zwj() {
        let mut checked = 0;
        for c in (0..=0x0010_FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| is_pictograph(c))
        {
            let u = u32::from(c);
            assert!(is_quick(c) && takes_marks(c), "{u:04X}");
            assert_eq!(
                format!("\u{1F468}\u{200D}{c}").graphemes(true).count(),
                1,
                "{u:04X}"
            );
            checked += 1;
        }
        assert_eq!(
            checked,
            188 + 112 + 83 + 3 + 4 + 254 + 63 + 86 + 70 + 47 + 185 + 146,
            "every pictograph"
        );
    }

    /// The block table gives every code point the flags its lists give it.
    #[test]
    fn the_block_table_agrees_with_the_lists() {
        for cp in 0..=0x0010_FFFF_u32 {
            if let Some(c) = char::from_u32(cp) {
                assert_eq!(flags(c), flags_of(cp), "{cp:04X}");
            }
        }
    }

    /// The quick path decides the graphemes its doc lists (ASCII and controls, Latin with
    /// combining accents, CJK, emoji with skin tones or VS16, keycaps, tag sequences, ZWJ
    /// sequences of pictographs, flags), with the length the full rules give, and leaves the
    /// rest to them (`None`).
    #[test]
    fn quick_len_decides_the_common_graphemes() {
        let cases: &[(&str, Option<&str>)] = &[
            ("ab", Some("a")),
            ("\r\n\u{301}", Some("\r\n")),
            ("\r\u{301}", Some("\r")),
            ("\t©", Some("\t")),
            ("\x7f\u{301}", Some("\x7f")),
            ("é", Some("é")),
            ("é\n", Some("é")),
            ("©\u{7f}", Some("©")),
            ("é\u{301}\u{302}x", Some("é\u{301}\u{302}")),
            ("e\u{301}中", Some("e\u{301}")),
            ("中文", Some("中")),
            ("中\u{1F1EB}", Some("中")),
            ("각\u{1100}", None),
            ("👍🏽!", Some("👍🏽")),
            ("❤\u{FE0F}x", Some("❤\u{FE0F}")),
            ("1\u{FE0F}\u{20E3}#", Some("1\u{FE0F}\u{20E3}")),
            (
                "🏴\u{E0067}\u{E0062}\u{E007F}",
                Some("🏴\u{E0067}\u{E0062}\u{E007F}"),
            ),
            ("👨\u{200D}👩\u{200D}👧x", Some("👨\u{200D}👩\u{200D}👧")),
            ("👨\u{1F3FD}\u{200D}👩é", Some("👨\u{1F3FD}\u{200D}👩")),
            ("a\u{200D}", Some("a\u{200D}")),
            ("é\u{200D}b", Some("é\u{200D}")),
            ("é\u{200D}中", None),
            ("👨\u{200D}©", None),
            ("🇫🇷🇩🇪", Some("🇫🇷")),
            ("🇫🇷\u{301}a", Some("🇫🇷\u{301}")),
            ("🇫", None),
            ("🇫a", None),
            ("\u{85}\u{301}", None),
            ("\u{85}中", Some("\u{85}")),
            ("a\u{903}", None),
            ("a\u{94D}", None),
            ("क", None),
            ("\u{301}", None),
            ("\u{600}a", None),
        ];
        for &(text, expected) in cases {
            let got = quick_len(text.as_bytes());
            assert_eq!(got, expected.map(str::len), "{text:?}");
            if let Some(g) = expected {
                assert_eq!(text.graphemes(true).next(), Some(g), "{text:?}");
            }
        }
    }

    /// A block is marked mixed (looked up in the lists, slowly) exactly where a range of the
    /// lists starts or ends inside it: every other block answers with one table load.
    #[test]
    fn blocks_are_mixed_only_where_a_range_is_cut() {
        let lists = [QUICK, CONTROLS, MARKS, PICTOGRAPHS, REGIONAL_INDICATORS];
        let mut mixed = 0;
        for block in 0..TABLE_END >> BLOCK_BITS {
            let first = block << BLOCK_BITS;
            let last = first + (1 << BLOCK_BITS) - 1;
            let cut = lists
                .iter()
                .flat_map(|l| l.iter())
                .any(|&(lo, hi)| lo <= last && first <= hi && !(lo <= first && last <= hi));
            let expected = if cut { F_MIXED } else { flags_of(first) };
            assert_eq!(BLOCKS[block as usize], expected, "block {first:04X}");
            mixed += usize::from(cut);
        }
        assert!(mixed < 100, "{mixed} mixed blocks");
    }

    /// The quick path and the full rules agree on random text mixing both.
    #[test]
    fn quick_path_matches_the_full_rules() {
        let alphabet = [
            "a",
            "Z",
            " ",
            "\r",
            "\n",
            "\t",
            "é",
            "e",
            "\u{301}",
            "\u{20DD}",
            "中",
            "한",
            "\u{1100}",
            "\u{1161}",
            "\u{11A8}",
            "👍",
            "\u{1F3FD}",
            "\u{200D}",
            "👩",
            "\u{FE0F}",
            "🇫",
            "🇷",
            "क",
            "\u{94D}",
            "ष",
            "\u{600}",
            "1",
            "\u{20E3}",
            "\u{E0061}",
            "©",
            "ｱ",
            "\u{FF9E}",
            "\u{85}",
            "\u{AD}",
            "\u{2028}",
            "\u{1F1E6}",
            "🏴",
            "\u{E007F}",
            "\u{A8}",
            "\u{903}",
        ];
        for text in crate::test_support::random_texts(&alphabet, 12_345_u64, 100_000, 12) {
            let ours: Vec<&[u8]> = split(text.as_bytes());
            let reference: Vec<&[u8]> = text.graphemes(true).map(str::as_bytes).collect();
            assert_eq!(ours, reference, "{text:?}");
        }
    }

    /// The ASCII fast path answers where the graphemes and the byte after them are ASCII, and
    /// only there.
    #[test]
    fn ascii_prefixes_take_the_fast_path() {
        let cases: &[(&str, usize, Option<usize>)] = &[
            ("", 0, Some(0)),
            ("", 3, Some(0)),
            ("ab\r\ncd", 3, Some(4)),
            ("ab\r\ncd", 9, Some(6)),
            ("ab\r\ncé", 3, Some(4)),
            ("ab\r\nc\u{301}", 4, None),
            ("abé", 1, Some(1)),
            ("abé", 2, None),
            ("éa", 0, None),
        ];
        for &(text, n, expected) in cases {
            assert_eq!(
                ascii_prefix_graphemes(text.as_bytes(), n),
                expected,
                "{text:?} n={n}"
            );
            assert_eq!(
                truncate(text.as_bytes(), n),
                text.graphemes(true).take(n).map(str::len).sum::<usize>()
            );
        }
    }

    #[test]
    fn ascii_truncation_counts_crlf_once() {
        let text = "ab\r\ncd\r\r\n\ne";
        for n in 0..=12 {
            let reference: usize = text.graphemes(true).take(n).map(str::len).sum();
            assert_eq!(truncate(text.as_bytes(), n), reference, "n={n}");
        }
        // The byte after the n-th grapheme decides: a mark joins it.
        assert_eq!(truncate("ab\r\ne\u{301}x".as_bytes(), 4), 7);
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
    use crate::test_support::grapheme_break_test;

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
        for case in grapheme_break_test() {
            // Byte offsets of the code points, and the text.
            let mut text = Vec::new();
            let mut offsets = vec![0];
            for &cp in &case.code_points {
                encode(cp, &mut text);
                offsets.push(text.len());
            }
            let expected: Vec<&[u8]> = case
                .ends
                .iter()
                .scan(0, |start, &end| {
                    let g = &text[offsets[*start]..offsets[end]];
                    *start = end;
                    Some(g)
                })
                .collect();
            let got: Vec<&[u8]> = graphemes(&text).collect();
            assert_eq!(got, expected, "{}", case.line);
        }
    }
}
