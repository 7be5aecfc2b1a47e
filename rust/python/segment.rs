//! The public text API: `graphemes`, `truncate_graphemes`, `count_graphemes`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PySlice, PyString};
use pyo3::PyTypeInfo;
use rustc_hash::FxHashMap;

use super::options;
#[cfg(not(any(Py_LIMITED_API, PyPy, GraalPy)))]
use super::pep393;
use super::text::{self, py_index};
#[cfg(any(Py_LIMITED_API, PyPy, GraalPy))]
use super::text::{py_text, text_bytes, Source};
#[cfg(any(Py_LIMITED_API, PyPy, GraalPy))]
use crate::graphemes as seg;
use crate::shaper::Options;
#[cfg(any(Py_LIMITED_API, PyPy, GraalPy))]
use crate::shaper::Shaper;

/// The one-character strings of ASCII, and CR LF, made once.
static ASCII: PyOnceLock<(Vec<Py<PyString>>, Py<PyString>)> = PyOnceLock::new();

/// The one-character strings of ASCII, and CR LF.
fn ascii(py: Python<'_>) -> &(Vec<Py<PyString>>, Py<PyString>) {
    ASCII.get_or_init(py, || {
        let table = (0..128u8)
            .map(|b| PyString::new(py, char::from(b).encode_utf8(&mut [0; 4])).unbind())
            .collect();
        (table, PyString::new(py, "\r\n").unbind())
    })
}

/// The graphemes of a text whose every code point is a grapheme but CR LF (ASCII, Latin-1):
/// CPython lists the characters at C speed, CR LF pairs joined.
fn single_code_points<'py>(
    text: &Bound<'py, PyString>,
    units: &[u8],
) -> PyResult<Bound<'py, PyList>> {
    let py = text.py();
    if memchr::memchr(b'\r', units).is_none() {
        return PyList::type_object(py)
            .call1((text,))?
            .cast_into::<PyList>()
            .map_err(Into::into);
    }
    // The runs between CR LFs, listed by CPython.
    let list = PyList::empty(py);
    let extend = list.getattr(intern!(py, "extend"))?;
    let mut start = 0;
    for at in crate::codepoints::crlf_pairs(units).chain([units.len()]) {
        if at > start {
            let slice = PySlice::new(py, py_index(start), py_index(at), 1);
            extend.call1((text.get_item(slice)?,))?;
        }
        if at < units.len() {
            list.append(ascii(py).1.bind(py))?;
        }
        start = at + 2;
    }
    Ok(list)
}

/// The extended grapheme clusters of `text`, read in place.
#[cfg(not(any(Py_LIMITED_API, PyPy, GraalPy)))]
#[pyfunction]
pub(super) fn graphemes<'py>(text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyList>> {
    use super::pep393::PyStringData;
    use crate::codepoints::{self, CodeUnit};

    /// Each grapheme a substring of `text`; a grapheme seen before in this call is reused.
    fn split<'py, U: CodeUnit + std::hash::Hash + Eq>(
        text: &Bound<'py, PyString>,
        units: &[U],
    ) -> PyResult<Bound<'py, PyList>> {
        let py = text.py();
        let table = &ascii(py).0;
        let mut seen: FxHashMap<&[U], Bound<'py, PyString>> = FxHashMap::default();
        let mut out = Vec::with_capacity(units.len() / 2);
        for r in codepoints::graphemes(units) {
            let g = &units[r.clone()];
            let s = match g {
                [u] if (*u).into() < 0x80 => table[(*u).into() as usize].bind(py).clone(),
                _ => {
                    if let Some(s) = seen.get(g) {
                        s.clone()
                    } else {
                        let s = pep393::substring(text, r.start, r.end)?;
                        seen.insert(g, s.clone());
                        s
                    }
                }
            };
            out.push(s);
        }
        PyList::new(py, out)
    }

    match pep393::units(text)? {
        PyStringData::Ucs1(units) => single_code_points(text, units),
        PyStringData::Ucs2(units) => split(text, units),
        PyStringData::Ucs4(units) => split(text, units),
    }
}

/// The extended grapheme clusters of `text`, read as UTF-8.
#[cfg(any(Py_LIMITED_API, PyPy, GraalPy))]
#[pyfunction]
pub(super) fn graphemes<'py>(text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyList>> {
    let py = text.py();
    let bytes = text_bytes(text)?;
    let table = &ascii(py).0;
    if bytes.is_ascii() {
        return single_code_points(text, &bytes);
    }
    // Text repeats its graphemes: each distinct one becomes a str once per call.
    let mut seen: FxHashMap<&[u8], Bound<'py, PyString>> = FxHashMap::default();
    let mut out = Vec::with_capacity(bytes.len() / 4);
    for g in seg::graphemes(&bytes) {
        let s = match g {
            [b] if b.is_ascii() => table[usize::from(*b)].bind(py).clone(),
            _ => {
                if let Some(s) = seen.get(g) {
                    s.clone()
                } else {
                    let s = py_text(py, g)?;
                    seen.insert(g, s.clone());
                    s
                }
            }
        };
        out.push(s);
    }
    PyList::new(py, out)
}

/// The first `n` graphemes of `text`.
#[pyfunction]
pub(super) fn truncate_graphemes<'py>(
    text: &Bound<'py, PyString>,
    n: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyString>> {
    let n = options::count(Some(n), "n", 0, false)?.unwrap_or(usize::MAX);
    if n >= text.code_point_len()? {
        // A grapheme holds at least one code point.
        return text::exact(text);
    }
    let budget = Options {
        max_graphemes: Some(n),
        ..Options::default()
    };
    Ok(text::shape(text, &budget)?.0)
}

/// Number of graphemes in `text`.
#[pyfunction]
pub(super) fn count_graphemes(text: &Bound<'_, PyString>) -> PyResult<usize> {
    #[cfg(not(any(Py_LIMITED_API, PyPy, GraalPy)))]
    {
        use super::pep393::PyStringData;
        use crate::codepoints::count;
        Ok(match pep393::units(text)? {
            PyStringData::Ucs1(units) => count(units),
            PyStringData::Ucs2(units) => count(units),
            PyStringData::Ucs4(units) => count(units),
        })
    }
    #[cfg(any(Py_LIMITED_API, PyPy, GraalPy))]
    {
        let mut source = Source::new(text)?;
        if let Some(s) = source.whole(text) {
            return Ok(seg::count(s.as_bytes()));
        }
        // A shaper with no options passes every grapheme through and counts them, window by window.
        let mut shaper = Shaper::new(Options::default());
        source.run(text.py(), &mut shaper, |_| {})?;
        Ok(shaper.finished().map_or(0, |f| f.graphemes))
    }
}
