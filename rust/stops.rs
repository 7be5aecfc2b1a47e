//! Stop sequences: an immutable compiled set and its earliest-ending search.
//!
//! A model that checks its output after every token stops at the stop occurrence that *ends*
//! first, which is what Aho-Corasick's standard match semantics report. Among occurrences ending at
//! the same byte, the longest (the one starting earliest) is chosen, so that `exclude` mode removes
//! all of it.

use std::sync::OnceLock;

use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous;
use aho_corasick::{AhoCorasick, Anchored, Input};
use memchr::memmem;

use crate::error::{Error, ErrorKind};

/// One occurrence of a stop sequence: `haystack[start..end]` equals pattern `pattern`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StopMatch {
    /// Byte offset where the occurrence starts.
    pub start: usize,
    /// Byte offset just past the occurrence.
    pub end: usize,
    /// Index of the stop sequence, in the order the set was built from.
    pub pattern: usize,
}

impl StopMatch {
    /// Moves the match `delta` bytes to the left (after its buffer dropped a prefix).
    #[must_use]
    pub(crate) fn shifted(self, delta: usize) -> Self {
        Self {
            start: self.start - delta,
            end: self.end - delta,
            pattern: self.pattern,
        }
    }
}

#[derive(Clone, Debug)]
enum Searcher {
    /// One stop: `memchr`'s SIMD substring search.
    One(Box<memmem::Finder<'static>>),
    /// Several: an Aho-Corasick automaton (with its own SIMD prefilters).
    Many(AhoCorasick),
}

/// An immutable, compiled set of stop sequences. Cheap to share between threads and streams.
///
/// ```
/// use langchain_echo::stops::StopSet;
/// let stops = StopSet::new(["\n\n", "END", "N"]).unwrap();
/// // "N" ends first (at byte 5), although "END" starts earlier.
/// let m = stops.find_earliest(b"say END", 0).unwrap();
/// assert_eq!((m.start, m.end, stops.pattern(m.pattern)), (5, 6, &b"N"[..]));
/// ```
#[derive(Debug)]
pub struct StopSet {
    patterns: Vec<Box<[u8]>>,
    max_len: usize,
    searcher: Searcher,
    /// Built on first use, by `exclude` mode only: answers "is this text the start of a stop?".
    prefixes: OnceLock<Option<contiguous::NFA>>,
}

impl StopSet {
    /// Compiles a set of stop sequences (generalized UTF-8, see [`crate::graphemes`]).
    ///
    /// Errors when the set is empty or a sequence is empty (an empty stop would end every stream
    /// before it starts).
    pub fn new<I, P>(patterns: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        let patterns: Vec<Box<[u8]>> = patterns
            .into_iter()
            .map(|p| Box::<[u8]>::from(p.as_ref()))
            .collect();
        if patterns.is_empty() {
            return Err(Error::new(ErrorKind::NoStops));
        }
        if let Some(index) = patterns.iter().position(|p| p.is_empty()) {
            return Err(Error::new(ErrorKind::EmptyStop { index }));
        }
        let max_len = patterns.iter().map(|p| p.len()).max().unwrap_or(0);
        let searcher = if let [only] = patterns.as_slice() {
            Searcher::One(Box::new(memmem::Finder::new(only).into_owned()))
        } else {
            Searcher::Many(
                AhoCorasick::new(&patterns)
                    .map_err(|e| Error::new(ErrorKind::Build(e.to_string())))?,
            )
        };
        Ok(Self {
            patterns,
            max_len,
            searcher,
            prefixes: OnceLock::new(),
        })
    }

    /// Number of stop sequences.
    #[must_use]
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Always false: a `StopSet` holds at least one sequence.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The `index`-th stop sequence.
    #[must_use]
    pub fn pattern(&self, index: usize) -> &[u8] {
        &self.patterns[index]
    }

    /// Length in bytes of the longest stop sequence.
    #[must_use]
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The occurrence in `haystack` that ends first among those starting at or after `from`; of
    /// several ending at the same byte, the longest.
    #[must_use]
    pub fn find_earliest(&self, haystack: &[u8], from: usize) -> Option<StopMatch> {
        if from >= haystack.len() {
            return None;
        }
        match &self.searcher {
            Searcher::One(finder) => finder.find(&haystack[from..]).map(|i| StopMatch {
                start: from + i,
                end: from + i + finder.needle().len(),
                pattern: 0,
            }),
            Searcher::Many(ac) => {
                let first = ac.find(Input::new(haystack).range(from..))?;
                // Standard semantics report the first match to *end*; others may end at the same
                // byte. Look at every occurrence ending there and keep the longest.
                let end = first.end();
                let lo = end.saturating_sub(self.max_len).max(from);
                ac.find_overlapping_iter(Input::new(haystack).range(lo..end))
                    .filter(|m| m.end() == end)
                    .min_by_key(|m| (m.start(), m.pattern().as_usize()))
                    .map(|m| StopMatch {
                        start: m.start(),
                        end,
                        pattern: m.pattern().as_usize(),
                    })
            }
        }
    }

    /// Start of the longest suffix of `haystack[from..]` that is a proper prefix of some stop
    /// sequence, or `haystack.len()` when there is none: text from there on may still become a
    /// stop, so `exclude` mode holds it back.
    #[must_use]
    pub fn partial_suffix_start(&self, haystack: &[u8], from: usize) -> usize {
        let len = haystack.len();
        let lo = len.saturating_sub(self.max_len.saturating_sub(1)).max(from);
        let Some(nfa) = self
            .prefixes
            .get_or_init(|| contiguous::NFA::new(&self.patterns).ok())
        else {
            return len;
        };
        let Ok(start) = nfa.start_state(Anchored::Yes) else {
            return len;
        };
        (lo..len)
            .find(|&i| {
                !crate::graphemes::is_continuation(haystack[i]) && {
                    let mut sid = start;
                    haystack[i..].iter().all(|&b| {
                        sid = nfa.next_state(Anchored::Yes, sid, b);
                        !nfa.is_dead(sid)
                    })
                }
            })
            .unwrap_or(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::type_complexity)]
    fn earliest_ending_wins() {
        // (stops, haystack, from, expected (start, end, pattern))
        let cases: &[(&[&str], &str, usize, Option<(usize, usize, usize)>)] = &[
            (&["b"], "abc", 0, Some((1, 2, 0))),
            (&["abcd", "b"], "abcdef", 0, Some((1, 2, 1))),
            (&["abc", "bc"], "xabc", 0, Some((1, 4, 0))),
            (&["bc", "abc"], "xabc", 0, Some((1, 4, 1))),
            (&["c", "abc", "bc"], "abc", 0, Some((0, 3, 1))),
            (&["zz"], "abc", 0, None),
            (&["ab", "cd"], "abcd", 1, Some((2, 4, 1))),
            (&["a"], "", 0, None),
            (&["é"], "café!", 0, Some((3, 5, 0))),
        ];
        for &(stops, hay, from, expected) in cases {
            let set = StopSet::new(stops).unwrap();
            let got = set
                .find_earliest(hay.as_bytes(), from)
                .map(|m| (m.start, m.end, m.pattern));
            assert_eq!(got, expected, "stops {stops:?} in {hay:?} from {from}");
        }
    }

    #[test]
    fn partial_suffixes() {
        let cases: &[(&[&str], &str, usize)] = &[
            (&["abc"], "xxab", 2),
            (&["abc"], "xxa", 2),
            (&["abc"], "xxb", 3),
            (&["abc", "bd"], "xxab", 2),
            (&["abc", "b"], "xxab", 2),
            (&["\n\n"], "hello\n", 5),
            (&["ab"], "", 0),
            (&["éa"], "xé", 1),
        ];
        for &(stops, hay, expected) in cases {
            let set = StopSet::new(stops).unwrap();
            assert_eq!(
                set.partial_suffix_start(hay.as_bytes(), 0),
                expected,
                "stops {stops:?} on {hay:?}"
            );
        }
    }

    #[test]
    fn a_set_knows_its_sequences() {
        let set = StopSet::new(["ab", "\n\n\n", "c"]).unwrap();
        assert_eq!((set.len(), set.is_empty(), set.max_len()), (3, false, 3));
        assert_eq!(set.pattern(1), b"\n\n\n");
    }

    #[test]
    fn bad_sets_are_errors() {
        assert_eq!(
            StopSet::new(["a", ""]).unwrap_err().kind(),
            &ErrorKind::EmptyStop { index: 1 }
        );
        assert_eq!(
            StopSet::new(Vec::<&str>::new()).unwrap_err().kind(),
            &ErrorKind::NoStops
        );
    }

    #[test]
    fn many_stops() {
        let stops: Vec<String> = (0..10_000).map(|i| format!("<{i}>")).collect();
        let set = StopSet::new(&stops).unwrap();
        let m = set.find_earliest(b"text <9999> and <1>", 0).unwrap();
        assert_eq!(set.pattern(m.pattern), b"<9999>");
    }
}
