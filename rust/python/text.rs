//! Text in and out, and the one reader of a Python `str`.
//!
//! Text crosses the boundary as generalized UTF-8 (see [`crate::graphemes`]): a `str` is read
//! through its cached UTF-8 form where it has one, and through Python's `"surrogatepass"` codec
//! where it holds lone surrogates, so nothing a user passes in is altered. A [`Source`] reads a
//! long non-ASCII string in growing windows, so that echoing, truncating or counting the start of
//! a 100 MB prompt neither encodes nor copies the rest of it.

use std::borrow::Cow;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PySlice, PyString};

use crate::shaper::{self, Finish, Options, Shaper};

/// Strings up to this many code points are converted to UTF-8 whole; longer ones only if ASCII
/// (where CPython's UTF-8 form is the string's own storage, so conversion is free).
const WHOLE_LIMIT: usize = 1 << 14;

/// Window sizes (bytes or code points): small first, so a short prefix stays cheap, then
/// doubling, so a long read stays linear.
const FIRST_WINDOW: usize = 256;
const MAX_WINDOW: usize = 1 << 16;

/// A code-point index as CPython's `Py_ssize_t` (a str's length always fits).
pub(super) fn py_index(i: usize) -> isize {
    isize::try_from(i).unwrap_or(isize::MAX)
}

/// The generalized UTF-8 bytes of a `str`: borrowed where CPython has (or can make) its UTF-8
/// form, encoded with `"surrogatepass"` where the string holds lone surrogates.
pub(super) fn text_bytes<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(s) = text.to_str() {
        return Ok(Cow::Borrowed(s.as_bytes()));
    }
    let py = text.py();
    let encoded = text.call_method1(
        intern!(py, "encode"),
        (intern!(py, "utf-8"), intern!(py, "surrogatepass")),
    )?;
    Ok(Cow::Owned(encoded.cast::<PyBytes>()?.as_bytes().to_vec()))
}

/// A `str` from generalized UTF-8 bytes.
pub(super) fn py_text<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(PyString::new(py, s)),
        Err(_) => Ok(PyBytes::new(py, bytes)
            .call_method1(
                intern!(py, "decode"),
                (intern!(py, "utf-8"), intern!(py, "surrogatepass")),
            )?
            .cast_into::<PyString>()?),
    }
}

/// `text` itself when it is an exact `str`, else an exact copy of it.
pub(super) fn exact<'py>(text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyString>> {
    if text.is_exact_instance_of::<PyString>() {
        Ok(text.clone())
    } else {
        py_text(text.py(), &text_bytes(text)?)
    }
}

/// Where a [`Source`] reads from.
#[derive(Clone, Copy, Debug)]
enum Cursor {
    /// The string's whole UTF-8 form is at hand: windows are byte ranges of it.
    Bytes { pos: usize, len: usize },
    /// A long non-ASCII string, or one with lone surrogates: windows are code-point slices.
    CodePoints { pos: usize, len: usize },
}

/// A `str` read in windows that grow, so that reading its start does not convert all of it.
pub(super) struct Source {
    text: Py<PyString>,
    cursor: Cursor,
    window: usize,
}

impl Source {
    pub(super) fn new(text: &Bound<'_, PyString>) -> PyResult<Self> {
        Self::with_first_window(text, FIRST_WINDOW)
    }

    /// A source whose first window is `first` long (at most [`FIRST_WINDOW`]): a caller that
    /// needs only a few graphemes reads only a few code points.
    pub(super) fn with_first_window(text: &Bound<'_, PyString>, first: usize) -> PyResult<Self> {
        let len = text.code_point_len()?;
        let whole = len <= WHOLE_LIMIT
            || text
                .call_method0(intern!(text.py(), "isascii"))?
                .is_truthy()?;
        // Only a short or ASCII string is asked for its UTF-8 form: CPython caches that form on
        // the string, which for a long non-ASCII one would double its memory.
        let bytes = if whole { text.to_str().ok() } else { None };
        let cursor = match bytes {
            Some(s) => Cursor::Bytes {
                pos: 0,
                len: s.len(),
            },
            None => Cursor::CodePoints { pos: 0, len },
        };
        Ok(Self {
            text: text.clone().unbind(),
            cursor,
            window: first.clamp(1, FIRST_WINDOW),
        })
    }

    /// The whole text, when CPython holds it as UTF-8 and nothing has been read yet: then a
    /// caller can work on it in place instead of window by window.
    pub(super) fn whole<'a>(&self, text: &'a Bound<'_, PyString>) -> Option<&'a str> {
        match self.cursor {
            Cursor::Bytes { pos: 0, .. } => text.to_str().ok(),
            _ => None,
        }
    }

    /// Passes the next window to `f`; `None` once the text is exhausted.
    pub(super) fn next_window<R>(
        &mut self,
        py: Python<'_>,
        f: impl FnOnce(&[u8]) -> R,
    ) -> PyResult<Option<R>> {
        let text = self.text.bind(py);
        let window = self.window;
        self.window = (window * 2).min(MAX_WINDOW);
        match &mut self.cursor {
            Cursor::Bytes { pos, len } => {
                if *pos >= *len {
                    return Ok(None);
                }
                let s = text.to_str()?;
                let mut end = (*pos + window).min(*len);
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                let r = f(&s.as_bytes()[*pos..end]);
                *pos = end;
                Ok(Some(r))
            }
            Cursor::CodePoints { pos, len } => {
                if *pos >= *len {
                    return Ok(None);
                }
                let end = (*pos + window).min(*len);
                let slice = PySlice::new(py, py_index(*pos), py_index(end), 1);
                let piece = text.get_item(slice)?.cast_into::<PyString>()?;
                let r = f(&text_bytes(&piece)?);
                *pos = end;
                Ok(Some(r))
            }
        }
    }

    /// Feeds windows to `shaper` until it is done (finishing it at the end of the text), passing
    /// each chunk to `out`.
    pub(super) fn run(
        &mut self,
        py: Python<'_>,
        shaper: &mut Shaper,
        mut out: impl FnMut(&[u8]),
    ) -> PyResult<()> {
        while !shaper.is_done() {
            if self
                .next_window(py, |w| shaper.feed(w, &mut out))?
                .is_none()
            {
                shaper.finish(&mut out);
            }
        }
        Ok(())
    }
}

/// Shapes all of `text` at once: the output (`text` itself when it is all of an exact `str`) and
/// how it ended. Reads `text` only as far as the output needs.
pub(super) fn shape<'py>(
    text: &Bound<'py, PyString>,
    options: &Options,
) -> PyResult<(Bound<'py, PyString>, Finish)> {
    #[cfg(not(any(Py_LIMITED_API, PyPy, GraalPy)))]
    if options.stops.is_none() {
        return budget_in_place(text, options.max_graphemes);
    }
    let py = text.py();
    // At most `max_graphemes` graphemes are read, and the one code point after them.
    let first = options
        .max_graphemes
        .map_or(FIRST_WINDOW, |n| n.saturating_mul(2).saturating_add(16));
    let mut source = Source::with_first_window(text, first)?;
    if let Some(s) = source.whole(text) {
        let (len, finish) = shaper::shape(s.as_bytes(), options);
        let output = if len == s.len() {
            exact(text)?
        } else {
            PyString::new(py, &s[..len])
        };
        return Ok((output, finish));
    }
    let mut shaper = Shaper::new(options.clone());
    let mut out = Vec::new();
    source.run(py, &mut shaper, |c| out.extend_from_slice(c))?;
    let finish = *shaper.finished().expect("Source::run finishes the shaper");
    Ok((py_text(py, &out)?, finish))
}

/// [`shape`] with no stop sequences, in place: the first `max` graphemes, a substring of `text`.
#[cfg(not(any(Py_LIMITED_API, PyPy, GraalPy)))]
fn budget_in_place<'py>(
    text: &Bound<'py, PyString>,
    max: Option<usize>,
) -> PyResult<(Bound<'py, PyString>, Finish)> {
    use super::pep393::PyStringData;
    use crate::codepoints::{count, truncate, CodeUnit};
    use crate::shaper::FinishReason;

    /// Where the output ends, the text's length, and the graphemes in the output.
    fn cut<U: CodeUnit>(units: &[U], max: Option<usize>) -> (usize, usize, usize) {
        let len = units.len();
        match max.map(|n| (n, truncate(units, n))) {
            Some((n, end)) if end < len => (end, len, n),
            _ => (len, len, count(units)),
        }
    }

    let (end, len, graphemes) = match super::pep393::units(text)? {
        PyStringData::Ucs1(units) => cut(units, max),
        PyStringData::Ucs2(units) => cut(units, max),
        PyStringData::Ucs4(units) => cut(units, max),
    };
    let (output, reason) = if end < len {
        let prefix = super::pep393::substring(text, 0, end)?;
        (prefix, FinishReason::Length)
    } else {
        (exact(text)?, FinishReason::Stop)
    };
    let stop = None;
    Ok((
        output,
        Finish {
            reason,
            stop,
            graphemes,
        },
    ))
}
