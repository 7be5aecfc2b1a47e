//! The native core of `langchain-echo`: grapheme segmentation, truncation, stop-sequence scanning
//! and stream shaping, over text as Python holds it.
//!
//! Everything counts in extended grapheme clusters (UAX #29, Unicode
//! [`UNICODE_VERSION`](graphemes::UNICODE_VERSION)), so an emoji, a flag or an accented letter is
//! never split. Text is *generalized UTF-8* (see [`graphemes`]): a lone surrogate from a Python
//! `str` is carried through unchanged, as a grapheme of its own.
//!
//! * [`graphemes`]: lazy segmentation, [`truncate`](graphemes::truncate), [`count`](graphemes::count).
//! * [`codepoints`]: the same over code points, 1, 2 or 4 bytes each, as CPython stores a `str`.
//! * [`stops`]: [`StopSet`](stops::StopSet), the compiled set and its earliest-ending search.
//! * [`shaper`]: [`Shaper`](shaper::Shaper), the incremental engine, and [`shape`](shaper::shape)
//!   for a whole text; the module docs state the exact semantics.
//!
//! ```
//! use std::num::NonZeroUsize;
//! use std::sync::Arc;
//! use langchain_echo::shaper::{Options, Shaper, StopMode};
//! use langchain_echo::stops::StopSet;
//!
//! let mut shaper = Shaper::new(Options {
//!     stops: Some(Arc::new(StopSet::new(["STOP"]).unwrap())),
//!     mode: StopMode::Exclude,
//!     max_graphemes: None,
//!     chunk_size: NonZeroUsize::new(2),
//! });
//! let mut out = Vec::new();
//! for piece in ["Hi 👋🏽 th", "ere ST", "OP and more"] {
//!     shaper.feed(piece.as_bytes(), |c| out.push(String::from_utf8(c.to_vec()).unwrap()));
//! }
//! assert!(shaper.is_done());
//! assert_eq!(out, ["Hi", " 👋🏽", " t", "he", "re", " "]);
//! ```

pub mod codepoints;
pub mod error;
mod grapheme_table;
pub mod graphemes;
pub mod shaper;
pub mod stops;
#[cfg(test)]
mod test_support;

pub use error::{Error, ErrorKind};

#[cfg(feature = "python")]
mod python;
