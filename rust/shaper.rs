//! The streaming engine: graphemes + stop sequences + a grapheme budget + chunking.
//!
//! # Semantics
//!
//! Let `g1 … gm` be the graphemes of the whole text and `L = min(max_graphemes, m)`. The engine
//! emits `g1 … gL` in order; after `gi`, if `g1 … gi` contains a stop sequence, it ends there. The
//! occurrence that ends first wins; of those ending at the same byte, the longest.
//!
//! * [`StopMode::Include`]: the output is `g1 … gi`, stop included.
//! * [`StopMode::Exclude`]: the output is the longest grapheme-aligned prefix that ends at or
//!   before the occurrence's start.
//! * no stop: `g1 … gL`; the finish reason is [`FinishReason::Stop`] when `L == m` and
//!   [`FinishReason::Length`] when the budget cut the text.
//!
//! Fed in pieces, a [`Shaper`] emits a grapheme only once the text after it shows that it is
//! complete, and in exclude mode it holds back the longest suffix that may still start a stop
//! sequence, and nothing more. Whatever the split of the input into feeds, the concatenated output
//! equals [`shape`] of the whole text.

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::Arc;

use crate::graphemes::{boundary_at_or_after, boundary_at_or_before, count, graphemes, truncate};
use crate::stops::{StopMatch, StopSet};

/// Whether a matched stop sequence stays in the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StopMode {
    /// The output ends with the grapheme that completed the stop sequence.
    #[default]
    Include,
    /// The output ends on the last grapheme boundary at or before the stop sequence's start.
    Exclude,
}

impl StopMode {
    /// `"include"` or `"exclude"`, as the Python API spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Include => "include",
            Self::Exclude => "exclude",
        }
    }

    /// The mode [`as_str`](Self::as_str) spells `name`, if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "include" => Some(Self::Include),
            "exclude" => Some(Self::Exclude),
            _ => None,
        }
    }
}

/// Why a stream ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishReason {
    /// A stop sequence ended it, or the whole text was emitted.
    Stop,
    /// The grapheme budget cut it.
    Length,
}

impl FinishReason {
    /// `"stop"` or `"length"`, as providers report it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stop => "stop",
            Self::Length => "length",
        }
    }
}

/// How a stream ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finish {
    /// Why it ended.
    pub reason: FinishReason,
    /// The index (in its [`StopSet`]) of the stop sequence that ended it, if one did.
    pub stop: Option<usize>,
    /// Graphemes in the whole output.
    pub graphemes: usize,
}

/// What to do with the text. The default passes text through whole graphemes unchanged.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Stop sequences, if any.
    pub stops: Option<Arc<StopSet>>,
    /// Whether a matched stop stays in the output.
    pub mode: StopMode,
    /// At most this many graphemes are emitted.
    pub max_graphemes: Option<usize>,
    /// Graphemes per chunk; `None` emits everything that is final as one chunk per feed.
    pub chunk_size: Option<NonZeroUsize>,
}

/// The engine's state, over a buffer it does not own: positions are byte offsets into it.
#[derive(Clone, Debug)]
struct Core {
    options: Options,
    /// Start of the text not yet in a chunk; always a grapheme boundary.
    emit: usize,
    /// End of the accepted graphemes: those known to be complete, counted in `count`.
    seg: usize,
    /// Stop occurrences ending at or before here have been looked for.
    scanned: usize,
    /// Graphemes accepted since the start.
    count: usize,
    /// With `chunk_size`: the ends of accepted graphemes not yet counted into a chunk.
    bounds: VecDeque<usize>,
    /// With `chunk_size`: graphemes counted into the chunk that starts at `emit`.
    in_chunk: usize,
    /// The first stop occurrence, once seen.
    pending: Option<StopMatch>,
    finish: Option<Finish>,
}

impl Core {
    fn new(options: Options) -> Self {
        Self {
            options,
            emit: 0,
            seg: 0,
            scanned: 0,
            count: 0,
            bounds: VecDeque::new(),
            in_chunk: 0,
            pending: None,
            finish: None,
        }
    }

    /// Advances over `buf` (everything received, from the start or from the last compaction).
    /// `finishing` says no more text will come. Calls `out` with the range of each new chunk.
    fn step(&mut self, buf: &[u8], finishing: bool, out: &mut impl FnMut(Range<usize>)) {
        if self.finish.is_some() {
            return;
        }
        let len = buf.len();
        let max = self.options.max_graphemes;

        // 1. Accept the graphemes known to be complete: all but the last, until the end.
        if max != Some(self.count) {
            for g in graphemes(&buf[self.seg..]) {
                let end = self.seg + g.len();
                if end == len && !finishing {
                    break;
                }
                self.seg = end;
                self.count += 1;
                if self.options.chunk_size.is_some() {
                    self.bounds.push_back(end);
                }
                if max == Some(self.count) || self.pending.is_some_and(|m| end >= m.end) {
                    break;
                }
            }
        }
        // Where the budget ends the output, once it is known.
        let limit = (max == Some(self.count)).then_some(self.seg);

        // 2. Look for the first stop occurrence, only inside the budget.
        if let Some(stops) = &self.options.stops {
            let scan_end = limit.unwrap_or(len);
            if self.pending.is_none() && scan_end > self.scanned {
                let from = self.scanned.saturating_sub(stops.max_len() - 1);
                self.pending = stops.find_earliest(&buf[..scan_end], from);
                self.scanned = scan_end;
            }
        }

        // 3. Has the stream ended, and where?
        let end = if let Some(m) = self.pending {
            // Only exclude mode holds back what may start a stop: include mode may have emitted
            // the first graphemes of this one before its last arrived.
            debug_assert!(
                self.options.mode == StopMode::Include || m.start >= self.emit,
                "a stop was emitted before it was seen"
            );
            match self.options.mode {
                StopMode::Exclude => Some((
                    boundary_at_or_before(buf, self.emit, m.start),
                    FinishReason::Stop,
                )),
                // The output runs to the end of the grapheme that completed the stop, once that
                // grapheme is known to be complete.
                StopMode::Include => (m.end <= self.seg).then(|| {
                    (
                        boundary_at_or_after(buf, self.emit, m.end),
                        FinishReason::Stop,
                    )
                }),
            }
        } else if let Some(limit) = limit {
            if len > limit {
                Some((limit, FinishReason::Length))
            } else {
                finishing.then_some((limit, FinishReason::Stop))
            }
        } else {
            finishing.then_some((len, FinishReason::Stop))
        };

        if let Some((cut, reason)) = end {
            let beyond = if cut < self.seg {
                count(&buf[cut..self.seg])
            } else {
                0
            };
            while self.bounds.back().is_some_and(|&b| b > cut) {
                self.bounds.pop_back();
            }
            self.emit_upto(cut, true, out);
            self.finish = Some(Finish {
                reason,
                stop: self
                    .pending
                    .filter(|_| reason == FinishReason::Stop)
                    .map(|m| m.pattern),
                graphemes: self.count - beyond,
            });
            return;
        }

        // 4. Emit what is final: in exclude mode, not what may still start a stop.
        let upto = match (&self.options.stops, self.options.mode) {
            (Some(stops), StopMode::Exclude) => {
                let held = stops.partial_suffix_start(buf, self.emit);
                if held >= self.seg {
                    self.seg
                } else {
                    boundary_at_or_before(buf, self.emit, held)
                }
            }
            _ => self.seg,
        };
        self.emit_upto(upto, false, out);
    }

    /// Puts accepted graphemes up to the boundary `upto` into chunks; `last` flushes a short one.
    fn emit_upto(&mut self, upto: usize, last: bool, out: &mut impl FnMut(Range<usize>)) {
        if let Some(size) = self.options.chunk_size {
            while let Some(&b) = self.bounds.front() {
                if b > upto {
                    break;
                }
                self.bounds.pop_front();
                self.in_chunk += 1;
                if self.in_chunk == size.get() {
                    out(self.emit..b);
                    self.emit = b;
                    self.in_chunk = 0;
                }
            }
            if !last {
                return;
            }
        }
        if upto > self.emit {
            out(self.emit..upto);
            self.emit = upto;
            self.in_chunk = 0;
        }
    }

    /// The first byte the engine may still need: text before it can be dropped.
    fn keep_from(&self) -> usize {
        match (&self.options.stops, self.pending) {
            (Some(stops), None) => self
                .emit
                .min(self.scanned.saturating_sub(stops.max_len() - 1)),
            _ => self.emit,
        }
    }

    /// Re-bases every position after the buffer dropped its first `delta` bytes.
    fn shift(&mut self, delta: usize) {
        self.emit -= delta;
        self.seg -= delta;
        // Without stops nothing is scanned: `scanned` stays 0.
        self.scanned = self.scanned.saturating_sub(delta);
        for b in &mut self.bounds {
            *b -= delta;
        }
        self.pending = self.pending.map(|m| m.shifted(delta));
    }
}

/// Shapes a whole text at once: returns the byte length of the output (a prefix of `text`) and
/// how it ended. Reads `text` only as far as the output needs.
///
/// ```
/// use std::sync::Arc;
/// use langchain_echo::shaper::{shape, FinishReason, Options, StopMode};
/// use langchain_echo::stops::StopSet;
///
/// let options = Options {
///     stops: Some(Arc::new(StopSet::new(["\n"]).unwrap())),
///     mode: StopMode::Exclude,
///     ..Options::default()
/// };
/// let (len, finish) = shape(b"first line\nsecond", &options);
/// assert_eq!((len, finish.reason, finish.stop), (10, FinishReason::Stop, Some(0)));
/// ```
#[must_use]
pub fn shape(text: &[u8], options: &Options) -> (usize, Finish) {
    if let (None, Some(max)) = (&options.stops, options.max_graphemes) {
        // A budget alone: a truncation, with its ASCII fast path.
        let len = truncate(text, max);
        let (reason, graphemes) = if len < text.len() {
            (FinishReason::Length, max)
        } else {
            (FinishReason::Stop, count(text))
        };
        let stop = None;
        return (
            len,
            Finish {
                reason,
                stop,
                graphemes,
            },
        );
    }
    let mut core = Core::new(Options {
        chunk_size: None,
        ..options.clone()
    });
    let mut len = 0;
    core.step(text, true, &mut |r: Range<usize>| len = r.end);
    let finish = core.finish.unwrap_or(Finish {
        reason: FinishReason::Stop,
        stop: None,
        graphemes: 0,
    });
    (len, finish)
}

/// The incremental engine: feed it text in any pieces, get back the chunks that are final.
///
/// ```
/// use std::num::NonZeroUsize;
/// use langchain_echo::shaper::{Options, Shaper};
///
/// let mut shaper = Shaper::new(Options { chunk_size: NonZeroUsize::new(1), ..Options::default() });
/// let mut chunks = Vec::new();
/// shaper.feed("e".as_bytes(), |c| chunks.push(c.to_vec()));
/// assert!(chunks.is_empty()); // an accent may still follow
/// shaper.feed("\u{301}!".as_bytes(), |c| chunks.push(c.to_vec()));
/// shaper.finish(|c| chunks.push(c.to_vec()));
/// assert_eq!(chunks, ["e\u{301}".as_bytes(), b"!"]);
/// ```
#[derive(Clone, Debug)]
pub struct Shaper {
    core: Core,
    buf: Vec<u8>,
}

/// Compaction drops consumed text once it is at least this long and half the buffer, so that the
/// copying it costs stays linear in the input.
const COMPACT_AT: usize = 4096;

impl Shaper {
    /// A shaper that has seen no text.
    #[must_use]
    pub fn new(options: Options) -> Self {
        Self {
            core: Core::new(options),
            buf: Vec::new(),
        }
    }

    /// Its options.
    #[must_use]
    pub fn options(&self) -> &Options {
        &self.core.options
    }

    /// Adds `text` and calls `out` with each chunk that is now final. Does nothing once done.
    pub fn feed(&mut self, text: &[u8], mut out: impl FnMut(&[u8])) {
        if self.core.finish.is_some() || text.is_empty() {
            return;
        }
        self.buf.extend_from_slice(text);
        let buf = &self.buf;
        self.core.step(buf, false, &mut |r| out(&buf[r]));
        self.settle();
    }

    /// Ends the input: calls `out` with every chunk still held. Afterwards the shaper is done.
    pub fn finish(&mut self, mut out: impl FnMut(&[u8])) {
        let buf = &self.buf;
        self.core.step(buf, true, &mut |r| out(&buf[r]));
        self.settle();
    }

    /// Whether the stream has ended (by a stop sequence, the budget, or [`finish`](Self::finish)).
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.core.finish.is_some()
    }

    /// How the stream ended, once it has.
    #[must_use]
    pub fn finished(&self) -> Option<&Finish> {
        self.core.finish.as_ref()
    }

    /// The text fed but not yet emitted (empty once the stream has ended): the last grapheme,
    /// which the next text may still extend, and in exclude mode what may still start a stop.
    #[must_use]
    pub fn held(&self) -> &[u8] {
        if self.core.finish.is_some() {
            return &[];
        }
        &self.buf[self.core.emit..]
    }

    /// The stop sequence (its index in the [`StopSet`]) already seen in the text but not yet
    /// ending the stream: in include mode the stream ends only once the grapheme that completes
    /// the stop is known to be complete. `None` once the stream has ended.
    #[must_use]
    pub fn pending_stop(&self) -> Option<usize> {
        if self.core.finish.is_some() {
            return None;
        }
        self.core.pending.map(|m| m.pattern)
    }

    fn settle(&mut self) {
        if self.core.finish.is_some() {
            self.buf = Vec::new();
            self.core.bounds = VecDeque::new();
            return;
        }
        let keep = self.core.keep_from();
        if keep >= COMPACT_AT && keep * 2 >= self.buf.len() {
            self.buf.drain(..keep);
            self.core.shift(keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(stops: &[&str], mode: StopMode, max: Option<usize>, chunk: usize) -> Options {
        Options {
            stops: (!stops.is_empty()).then(|| Arc::new(StopSet::new(stops).unwrap())),
            mode,
            max_graphemes: max,
            chunk_size: NonZeroUsize::new(chunk),
        }
    }

    /// The specification, executed literally: emit grapheme by grapheme and check the whole
    /// output for every stop after each one.
    fn reference(text: &str, o: &Options) -> (String, FinishReason, Option<usize>) {
        let gs: Vec<&[u8]> = graphemes(text.as_bytes()).collect();
        let l = o.max_graphemes.map_or(gs.len(), |n| n.min(gs.len()));
        let mut out: Vec<u8> = Vec::new();
        let mut bounds = vec![0];
        for g in &gs[..l] {
            out.extend_from_slice(g);
            bounds.push(out.len());
            if let Some(stops) = &o.stops {
                let mut best: Option<(usize, usize, usize)> = None; // (end, start, pattern)
                for p in 0..stops.len() {
                    let pat = stops.pattern(p);
                    for s in 0..out.len() {
                        if out[s..].starts_with(pat) {
                            let cand = (s + pat.len(), s, p);
                            if best.is_none_or(|b| cand < b) {
                                best = Some(cand);
                            }
                        }
                    }
                }
                if let Some((_, start, p)) = best {
                    let cut = match o.mode {
                        StopMode::Include => out.len(),
                        StopMode::Exclude => *bounds.iter().rfind(|&&b| b <= start).unwrap(),
                    };
                    let text = String::from_utf8(out[..cut].to_vec()).unwrap();
                    return (text, FinishReason::Stop, Some(p));
                }
            }
        }
        let reason = if l == gs.len() {
            FinishReason::Stop
        } else {
            FinishReason::Length
        };
        (String::from_utf8(out).unwrap(), reason, None)
    }

    fn feed_all(pieces: &[&str], o: &Options) -> (Vec<String>, Finish) {
        let mut shaper = Shaper::new(o.clone());
        let mut chunks = Vec::new();
        let mut push = |c: &[u8]| chunks.push(String::from_utf8(c.to_vec()).unwrap());
        for p in pieces {
            shaper.feed(p.as_bytes(), &mut push);
        }
        shaper.finish(&mut push);
        (chunks, *shaper.finished().unwrap())
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn table() {
        use FinishReason::{Length, Stop};
        use StopMode::{Exclude, Include};
        // (text, stops, mode, max, expected output, reason, stop index)
        let cases: &[(
            &str,
            &[&str],
            StopMode,
            Option<usize>,
            &str,
            FinishReason,
            Option<usize>,
        )] = &[
            (
                "This is a foobar thing",
                &[],
                Include,
                Some(5),
                "This ",
                Length,
                None,
            ),
            ("world", &[], Include, Some(5), "world", Stop, None),
            ("hello", &[], Include, Some(0), "", Length, None),
            ("", &[], Include, Some(0), "", Stop, None),
            ("", &["x"], Include, None, "", Stop, None),
            ("a, b. c", &["."], Include, None, "a, b.", Stop, Some(0)),
            ("a, b. c", &["."], Exclude, None, "a, b", Stop, Some(0)),
            ("abcd", &["abcd", "bc"], Include, None, "abc", Stop, Some(1)),
            ("abcd", &["abcd", "bc"], Exclude, None, "a", Stop, Some(1)),
            ("xabc", &["bc", "abc"], Exclude, None, "x", Stop, Some(1)),
            // A stop inside a grapheme: include runs to the grapheme's end; exclude drops it all.
            (
                "ae\u{301}z",
                &["e"],
                Include,
                None,
                "ae\u{301}",
                Stop,
                Some(0),
            ),
            ("ae\u{301}z", &["e"], Exclude, None, "a", Stop, Some(0)),
            (
                "ae\u{301}z",
                &["\u{301}z"],
                Exclude,
                None,
                "a",
                Stop,
                Some(0),
            ),
            // The stop must lie within the budget.
            ("abcdef", &["cd"], Include, Some(3), "abc", Length, None),
            ("abcdef", &["cd"], Include, Some(4), "abcd", Stop, Some(0)),
            ("abcdef", &["cd"], Exclude, Some(4), "ab", Stop, Some(0)),
            ("abcdef", &["cd"], Exclude, Some(3), "abc", Length, None),
            ("👨‍👩‍👧‍👦👨‍👩‍👧‍👦", &["👩"], Include, None, "👨‍👩‍👧‍👦", Stop, Some(0)),
            ("🇫🇷🇩🇪", &["🇷🇩"], Include, None, "🇫🇷🇩🇪", Stop, Some(0)),
            ("🇫🇷🇩🇪", &["🇷🇩"], Exclude, None, "", Stop, Some(0)),
        ];
        for &(text, stops, mode, max, expected, reason, stop) in cases {
            let o = opts(stops, mode, max, 0);
            let (len, finish) = shape(text.as_bytes(), &o);
            let what = format!("{text:?} stops={stops:?} {mode:?} max={max:?}");
            assert_eq!(&text[..len], expected, "{what}");
            assert_eq!((finish.reason, finish.stop), (reason, stop), "{what}");
            assert_eq!(finish.graphemes, count(expected.as_bytes()), "{what}");
            assert_eq!(
                reference(text, &o),
                (expected.to_string(), reason, stop),
                "{what}"
            );
        }
    }

    #[test]
    fn chunks_hold_exactly_chunk_size_graphemes() {
        for size in 1..5 {
            let o = opts(&[], StopMode::Include, Some(7), size);
            let (chunks, _) = feed_all(&["ab", "c👍🏽", "\u{301}e", "fgh"], &o);
            assert_eq!(chunks.concat(), "abc👍🏽\u{301}efg");
            let (last, full) = chunks.split_last().unwrap();
            assert!(full.iter().all(|c| count(c.as_bytes()) == size));
            assert!((1..=size).contains(&count(last.as_bytes())));
        }
    }

    #[test]
    fn graphemes_wait_until_complete() {
        let o = opts(&[], StopMode::Include, None, 1);
        let mut s = Shaper::new(o);
        let mut got = Vec::new();
        s.feed("👨".as_bytes(), |c| got.push(c.to_vec()));
        s.feed("\u{200d}".as_bytes(), |c| got.push(c.to_vec()));
        s.feed("👩".as_bytes(), |c| got.push(c.to_vec()));
        assert!(got.is_empty());
        s.feed(b"!", |c| got.push(c.to_vec()));
        assert_eq!(got, ["👨\u{200d}👩".as_bytes()]);
    }

    #[test]
    fn exclude_holds_back_only_a_possible_stop() {
        let o = opts(&["STOP"], StopMode::Exclude, None, 0);
        let mut s = Shaper::new(o);
        let mut got = Vec::new();
        s.feed(b"abcST", |c| got.push(c.to_vec()));
        // "c" may still be followed by a combining mark? No: "S" follows it, so it is final.
        assert_eq!(got, [b"abc".to_vec()]);
        s.feed(b"x", |c| got.push(c.to_vec()));
        assert_eq!(got.concat(), b"abcST");
        s.feed(b"STO", |c| got.push(c.to_vec()));
        s.feed(b"P tail", |c| got.push(c.to_vec()));
        assert!(s.is_done());
        assert_eq!(got.concat(), b"abcSTx");
        assert_eq!(s.finished().unwrap().stop, Some(0));
    }

    #[test]
    fn done_on_budget_and_further_feeds_are_ignored() {
        let mut s = Shaper::new(opts(&[], StopMode::Include, Some(2), 1));
        let mut got = Vec::new();
        s.feed(b"abc", |c| got.push(c.to_vec()));
        assert!(s.is_done());
        s.feed(b"more", |c| got.push(c.to_vec()));
        s.finish(|c| got.push(c.to_vec()));
        assert_eq!(got, [b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(s.finished().unwrap().reason, FinishReason::Length);
    }

    /// A small deterministic generator, so the exhaustive tests need no extra crate.
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n
        }
    }

    const ALPHABET: &[&str] = &[
        "a", "b", "\r", "\n", "e", "\u{301}", "👍", "🏽", "\u{200d}", "👩", "🇫", "🇷", "क", "्", "ष",
        " ",
    ];

    /// Every split of the input into feeds gives the one-shot output, which is the reference's.
    #[test]
    fn every_split_gives_the_one_shot_output() {
        let mut rng = Lcg(7);
        for case in 0..400 {
            let pieces: Vec<&str> = (0..=rng.below(8))
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect();
            let text: String = pieces.concat();
            let stop_count = rng.below(3);
            let stops: Vec<String> = (0..stop_count)
                .map(|_| {
                    (0..=rng.below(3))
                        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                        .collect()
                })
                .collect();
            let stop_refs: Vec<&str> = stops.iter().map(String::as_str).collect();
            let mode = if rng.below(2) == 0 {
                StopMode::Include
            } else {
                StopMode::Exclude
            };
            let max = [None, Some(0), Some(1), Some(3)][rng.below(4)];
            let chunk = rng.below(3);
            let o = opts(&stop_refs, mode, max, chunk);
            let (len, finish) = shape(text.as_bytes(), &o);
            let (expected, reason, stop) = reference(&text, &o);
            let what =
                format!("case {case}: {text:?} stops={stops:?} {mode:?} max={max:?} chunk={chunk}");
            assert_eq!(&text[..len], expected, "{what}");
            assert_eq!((finish.reason, finish.stop), (reason, stop), "{what}");
            // Every composition of the code-point pieces into feeds.
            let n = pieces.len();
            for mask in 0..(1u32 << (n - 1)) {
                let mut feeds = Vec::new();
                let mut current = String::new();
                for (i, p) in pieces.iter().enumerate() {
                    current.push_str(p);
                    if i + 1 == n || mask & (1 << i) != 0 {
                        feeds.push(std::mem::take(&mut current));
                    }
                }
                let feed_refs: Vec<&str> = feeds.iter().map(String::as_str).collect();
                let (chunks, f) = feed_all(&feed_refs, &o);
                assert_eq!(chunks.concat(), expected, "{what} feeds={feeds:?}");
                assert_eq!(f, finish, "{what} feeds={feeds:?}");
                if let Some(size) = o.chunk_size {
                    if let Some((_, full)) = chunks.split_last() {
                        assert!(
                            full.iter().all(|c| count(c.as_bytes()) == size.get()),
                            "{what}"
                        );
                    }
                }
                assert!(chunks.iter().all(|c| !c.is_empty()), "{what}");
            }
        }
    }

    #[test]
    fn stop_modes_have_their_python_names() {
        for mode in [StopMode::Include, StopMode::Exclude] {
            assert_eq!(StopMode::from_name(mode.as_str()), Some(mode));
        }
        assert_eq!(StopMode::from_name("Include"), None);
        assert_eq!(StopMode::default(), StopMode::Include);
    }

    /// In include mode the first graphemes of a stop may be emitted before its last arrives.
    #[test]
    fn include_mode_emits_a_stop_before_it_is_complete() {
        let o = opts(&["STOP"], StopMode::Include, None, 0);
        let (chunks, f) = feed_all(&["xxST", "OP tail"], &o);
        assert_eq!(chunks, ["xxS", "TOP"]);
        assert_eq!(f.stop, Some(0));
    }

    #[test]
    fn finish_reasons_have_their_provider_names() {
        assert_eq!(FinishReason::Stop.as_str(), "stop");
        assert_eq!(FinishReason::Length.as_str(), "length");
    }

    #[test]
    fn held_is_what_was_fed_and_not_emitted() {
        let mut s = Shaper::new(opts(&["STOP"], StopMode::Exclude, None, 0));
        let mut got = Vec::new();
        s.feed(b"abcST", |c| got.extend_from_slice(c));
        assert_eq!((got.as_slice(), s.held()), (&b"abc"[..], &b"ST"[..]));
        s.feed(b"e", |c| got.extend_from_slice(c));
        // "e" may still take a mark: it is held until the text after it shows it complete.
        assert_eq!(s.held(), b"e");
        s.finish(|c| got.extend_from_slice(c));
        assert_eq!((got.as_slice(), s.held()), (&b"abcSTe"[..], &b""[..]));
        // Across compactions, the held text is still the unemitted tail.
        let mut s = Shaper::new(opts(&[], StopMode::Include, None, 3));
        let text = "héllo 👍🏽 ".repeat(3000);
        let mut out = Vec::new();
        for piece in text.as_bytes().chunks(1000) {
            s.feed(piece, |c| out.extend_from_slice(c));
            let fed = out.len() + s.held().len();
            assert!(text.as_bytes()[..fed].ends_with(s.held()));
        }
    }

    #[test]
    fn a_pending_stop_waits_for_its_grapheme_in_include_mode() {
        let mut s = Shaper::new(opts(&["x", "e"], StopMode::Include, None, 0));
        let mut got = Vec::new();
        s.feed(b"abe", |c| got.extend_from_slice(c));
        // "e" completes a stop, but a mark may still join it: the stream has not ended.
        assert_eq!((s.pending_stop(), s.is_done()), (Some(1), false));
        assert_eq!(s.held(), b"e");
        s.feed("\u{301}z".as_bytes(), |c| got.extend_from_slice(c));
        assert!(s.is_done());
        assert_eq!(s.pending_stop(), None);
        assert_eq!(got, "abe\u{301}".as_bytes());
        // Exclude mode ends at once: nothing is ever pending.
        let mut s = Shaper::new(opts(&["e"], StopMode::Exclude, None, 0));
        s.feed(b"abe", |_| {});
        assert_eq!((s.pending_stop(), s.is_done()), (None, true));
        // No stop seen: nothing pending.
        let mut s = Shaper::new(opts(&["zz"], StopMode::Include, None, 0));
        s.feed(b"abz", |_| {});
        assert_eq!(s.pending_stop(), None);
    }

    #[test]
    fn a_budget_alone_is_a_truncation() {
        for (text, max) in [
            ("ab\r\ncd", 3),
            ("ab", 2),
            ("ab", 5),
            ("e\u{301}x", 1),
            ("", 0),
        ] {
            let o = opts(&[], StopMode::Include, Some(max), 0);
            let (len, finish) = shape(text.as_bytes(), &o);
            let (chunks, streamed) = feed_all(&[text], &o);
            assert_eq!((&text[..len], finish), (chunks.concat().as_str(), streamed));
        }
    }

    /// However long the stream, the buffer holds about `COMPACT_AT` bytes at most: compaction
    /// drops what was emitted (and scanned), and the end of the stream frees it all.
    #[test]
    fn compaction_keeps_the_buffer_bounded() {
        let text = "héllo wörld, 👍🏽 ".repeat(2000);
        for stops in [&[][..], &["zzz", "wörld, 👍🏽 hé!"][..]] {
            let mut s = Shaper::new(opts(stops, StopMode::Exclude, None, 3));
            let mut out = Vec::new();
            let mut most = 0;
            let mut fed = 0;
            for piece in text.split_inclusive(' ') {
                s.feed(piece.as_bytes(), |c| out.push(c.to_vec()));
                fed += piece.len();
                most = most.max(s.buf.len());
                if fed < COMPACT_AT {
                    // Nothing is dropped before the buffer holds `COMPACT_AT` bytes.
                    assert_eq!(s.buf.len(), fed, "{stops:?}");
                }
            }
            s.finish(|c| out.push(c.to_vec()));
            let (last, full) = out.split_last().unwrap();
            assert!(full.iter().all(|c| count(c) == 3), "{stops:?}");
            assert!(count(last) <= 3);
            assert_eq!(out.concat(), text.as_bytes(), "{stops:?}");
            assert!(most < 2 * COMPACT_AT + 100, "{stops:?}: {most} bytes held");
            assert_eq!((s.buf.len(), s.core.bounds.len()), (0, 0), "{stops:?}");
        }
    }

    /// Include mode emits the start of a stop before the stop is complete; compaction still
    /// keeps it, so the stop is found once its end arrives.
    #[test]
    fn a_stop_split_across_a_compaction_is_found() {
        let head = format!("{}ST", "x".repeat(5000));
        let o = opts(&["STOP"], StopMode::Include, None, 0);
        let mut s = Shaper::new(o.clone());
        let mut out = Vec::new();
        s.feed(head.as_bytes(), |c| out.extend_from_slice(c));
        assert!(s.buf.len() < 10, "compacted to {} bytes", s.buf.len());
        s.feed(b"OP tail", |c| out.extend_from_slice(c));
        s.finish(|c| out.extend_from_slice(c));
        assert_eq!(out, format!("{head}OP").as_bytes());
        assert_eq!(s.finished().map(|f| f.stop), Some(Some(0)));
    }

    /// A stop pending across a compaction (include mode, waiting for its grapheme) still ends
    /// the stream where it should.
    #[test]
    fn a_pending_stop_survives_a_compaction() {
        let o = opts(&["é"], StopMode::Include, Some(9000), 0);
        let mut s = Shaper::new(o.clone());
        assert_eq!(s.options().max_graphemes, Some(9000));
        assert_eq!(s.options().stops.as_ref().map(|s| s.len()), Some(1));
        let mut out = Vec::new();
        s.feed(format!("{}é", "x".repeat(5000)).as_bytes(), |c| {
            out.extend_from_slice(c);
        });
        assert_eq!((s.pending_stop(), s.buf.len()), (Some(0), 2));
        s.feed("\u{301}z".as_bytes(), |c| out.extend_from_slice(c));
        assert!(s.is_done());
        assert_eq!(out, format!("{}é\u{301}", "x".repeat(5000)).as_bytes());
    }

    #[test]
    fn long_streams_compact_and_stay_exact() {
        let text = "héllo wörld, 👍🏽 ".repeat(5000);
        let o = opts(&["zzz", "wörld, 👍🏽 h"], StopMode::Exclude, None, 3);
        let pieces: Vec<String> = text.chars().map(String::from).collect();
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        let (chunks, finish) = feed_all(&refs, &o);
        assert_eq!(chunks.concat(), "héllo ");
        assert_eq!(finish.stop, Some(1));
        let o = opts(&["zzz"], StopMode::Exclude, None, 3);
        let (chunks, finish) = feed_all(&refs, &o);
        assert_eq!(chunks.concat(), text);
        assert_eq!(finish.graphemes, count(text.as_bytes()));
    }
}
