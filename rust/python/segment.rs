//! The public text API: `graphemes`, `truncate_graphemes`, `count_graphemes`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PySlice, PyString};
use pyo3::PyTypeInfo;
use rustc_hash::FxHashMap;

use super::options;
use super::text::{self, py_index, py_text, text_bytes, Source};
use crate::graphemes as seg;
use crate::shaper::{Options, Shaper};

/// The one-character strings of ASCII, and CR LF, made once.
static ASCII: PyOnceLock<(Vec<Py<PyString>>, Py<PyString>)> = PyOnceLock::new();

/// The extended grapheme clusters of `text`.
#[pyfunction]
pub(super) fn graphemes<'py>(text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyList>> {
    let py = text.py();
    let bytes = text_bytes(text)?;
    let (table, crlf) = ASCII.get_or_init(py, || {
        let table = (0..128u8)
            .map(|b| PyString::new(py, char::from(b).encode_utf8(&mut [0; 4])).unbind())
            .collect();
        (table, PyString::new(py, "\r\n").unbind())
    });
    if bytes.is_ascii() {
        // Without CR, every character is a grapheme: CPython lists them at C speed.
        if memchr::memchr(b'\r', &bytes).is_none() {
            return Ok(PyList::type_object(py)
                .call1((text,))?
                .cast_into::<PyList>()?);
        }
        // One grapheme per character but CR LF: the runs between CR LFs, listed by CPython.
        let list = PyList::empty(py);
        let extend = list.getattr(intern!(py, "extend"))?;
        let mut start = 0;
        for at in memchr::memmem::find_iter(&bytes, b"\r\n").chain([bytes.len()]) {
            if at > start {
                let slice = PySlice::new(py, py_index(start), py_index(at), 1);
                extend.call1((text.get_item(slice)?,))?;
            }
            if at < bytes.len() {
                list.append(crlf.bind(py))?;
            }
            start = at + 2;
        }
        return Ok(list);
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
    let mut source = Source::new(text)?;
    if let Some(s) = source.whole(text) {
        return Ok(seg::count(s.as_bytes()));
    }
    // A shaper with no options passes every grapheme through and counts them, window by window.
    let mut shaper = Shaper::new(Options::default());
    source.run(text.py(), &mut shaper, |_| {})?;
    Ok(shaper.finished().map_or(0, |f| f.graphemes))
}
