//! The Python module `langchain_echo._core`: the only file that knows about Python.
//!
//! Text crosses the boundary as generalized UTF-8 (see [`crate::graphemes`]): a `str` is read
//! through its cached UTF-8 form where it has one, and through Python's `"surrogatepass"` codec
//! where it holds lone surrogates, so nothing a user passes in is altered. Long non-ASCII strings
//! are read in growing windows, so that echoing the first graphemes of a 100 MB prompt neither
//! encodes nor copies the rest of it.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyInt, PyList, PySlice, PyString, PyTuple};
use pyo3::PyTypeInfo;
use rustc_hash::FxHashMap;

use crate::graphemes::{self as seg, UNICODE_VERSION};
use crate::shaper::{self, Finish, Options, Shaper, StopMode};
use crate::stops::StopSet;

/// Strings up to this many code points are converted to UTF-8 whole; longer ones only if ASCII
/// (where CPython's UTF-8 form is the string's own storage, so conversion is free).
const WHOLE_LIMIT: usize = 1 << 14;
/// A code-point index as CPython's `Py_ssize_t` (a str's length always fits).
fn py_index(i: usize) -> isize {
    isize::try_from(i).unwrap_or(isize::MAX)
}

/// Window sizes (bytes or code points) for reading a source piece by piece: small first, so a
/// short prefix stays cheap, then doubling, so a long read stays linear.
const FIRST_WINDOW: usize = 256;
const MAX_WINDOW: usize = 1 << 16;

// ---------------------------------------------------------------------------------------------
// Text in and out

/// The generalized UTF-8 bytes of a `str`: borrowed where CPython has (or can make) its UTF-8
/// form, encoded with `"surrogatepass"` where the string holds lone surrogates.
fn text_bytes<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, [u8]>> {
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
fn py_text<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
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

/// Where a [`Source`] reads from.
#[derive(Clone, Copy, Debug)]
enum Cursor {
    /// The string's whole UTF-8 form is at hand: windows are byte ranges of it.
    Bytes { pos: usize, len: usize },
    /// A long non-ASCII string, or one with lone surrogates: windows are code-point slices.
    CodePoints { pos: usize, len: usize },
}

/// A `str` read in windows that grow, so that reading its start does not convert all of it.
struct Source {
    text: Py<PyString>,
    cursor: Cursor,
    window: usize,
}

impl Source {
    fn new(text: &Bound<'_, PyString>) -> PyResult<Self> {
        Ok(Self {
            text: text.clone().unbind(),
            cursor: cursor_for(text)?,
            window: FIRST_WINDOW,
        })
    }

    /// Passes the next window to `f`; returns false once the text is exhausted.
    fn next_window<R>(
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
}

fn cursor_for(text: &Bound<'_, PyString>) -> PyResult<Cursor> {
    let len = text.code_point_len()?;
    let whole = len <= WHOLE_LIMIT
        || text
            .call_method0(intern!(text.py(), "isascii"))?
            .is_truthy()?;
    if whole {
        if let Ok(s) = text.to_str() {
            return Ok(Cursor::Bytes {
                pos: 0,
                len: s.len(),
            });
        }
    }
    Ok(Cursor::CodePoints { pos: 0, len })
}

/// Runs `shaper` over all of `text` (or until it is done), passing each chunk to `out`.
fn run_shaper(
    py: Python<'_>,
    text: &Bound<'_, PyString>,
    shaper: &mut Shaper,
    mut out: impl FnMut(&[u8]),
) -> PyResult<()> {
    let mut source = Source::new(text)?;
    while !shaper.is_done() {
        if source
            .next_window(py, |w| shaper.feed(w, &mut out))?
            .is_none()
        {
            shaper.finish(&mut out);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Arguments

fn value_error(field: &str, value: &Bound<'_, PyAny>, why: &str) -> PyErr {
    let shown = value
        .repr()
        .map_or_else(|_| "<unprintable>".to_owned(), |r| r.to_string());
    let type_name = value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
    PyValueError::new_err(format!("{field} {why}, got {shown} ({type_name})"))
}

/// A count: an `int` (not a `bool`) of at least `min`, or `None`. Counts beyond `usize` saturate,
/// since no text is that long.
fn count_arg(
    field: &str,
    value: Option<&Bound<'_, PyAny>>,
    min: usize,
    none_ok: bool,
) -> PyResult<Option<usize>> {
    let value = match value {
        Some(v) if !v.is_none() => v,
        _ if none_ok => return Ok(None),
        _ => {
            return Err(PyValueError::new_err(format!(
                "{field} must be an int, got None"
            )))
        }
    };
    let why = match (min, none_ok) {
        (0, true) => "must be a non-negative int or None",
        (0, false) => "must be a non-negative int",
        (_, true) => "must be a positive int or None",
        (_, false) => "must be a positive int",
    };
    if value.is_instance_of::<pyo3::types::PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(value_error(field, value, why));
    }
    match value.extract::<usize>() {
        Ok(v) if v >= min => Ok(Some(v)),
        // Beyond usize: saturate if positive.
        Err(_) if value.gt(0)? => Ok(Some(usize::MAX)),
        _ => Err(value_error(field, value, why)),
    }
}

/// A count from a model (already validated in Python): saturated to `usize`.
fn model_count(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<usize>> {
    count_arg("n", value, 0, true)
}

fn stop_mode(exclude: bool) -> StopMode {
    if exclude {
        StopMode::Exclude
    } else {
        StopMode::Include
    }
}

/// `stop_mode` as an argument: `"include"` or `"exclude"`, anything else a `ValueError`.
#[derive(Clone, Copy)]
struct ModeArg(StopMode);

impl<'a, 'py> FromPyObject<'a, 'py> for ModeArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let text = obj
            .cast::<PyString>()
            .ok()
            .map(|s| s.to_cow().ok().map(std::borrow::Cow::into_owned));
        match text.flatten().as_deref() {
            Some("include") => Ok(Self(StopMode::Include)),
            Some("exclude") => Ok(Self(StopMode::Exclude)),
            _ => Err(value_error(
                "stop_mode",
                &obj.to_owned(),
                "must be 'include' or 'exclude'",
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// StopSet

/// A compiled, immutable set of stop sequences, shared by every call that uses it.
#[pyclass(frozen, module = "langchain_echo._core", name = "StopSet")]
struct PyStopSet {
    set: Arc<StopSet>,
    stops: Vec<Py<PyString>>,
}

#[pymethods]
impl PyStopSet {
    #[new]
    fn new(stop: &Bound<'_, PyAny>) -> PyResult<Self> {
        let stops: Vec<Bound<'_, PyString>> = if let Ok(one) = stop.cast::<PyString>() {
            vec![one.clone()]
        } else {
            let mut stops = Vec::new();
            // Only a list or a tuple: bytes, dicts and sets would be read as something else.
            if !(stop.is_instance_of::<PyList>() || stop.is_instance_of::<PyTuple>()) {
                return Err(value_error(
                    "stop",
                    stop,
                    "must be a string, a list of strings or None",
                ));
            }
            for (i, item) in stop.try_iter()?.enumerate() {
                let item = item?;
                match item.cast_into::<PyString>() {
                    Ok(s) => stops.push(s),
                    Err(e) => {
                        return Err(value_error(
                            &format!("stop[{i}]"),
                            e.into_inner().as_any(),
                            "must be a string",
                        ))
                    }
                }
            }
            stops
        };
        let bytes: Vec<Cow<'_, [u8]>> = stops.iter().map(text_bytes).collect::<PyResult<_>>()?;
        if let Some(i) = bytes.iter().position(|b| b.is_empty()) {
            return Err(PyValueError::new_err(format!(
                "stop[{i}] is an empty string; stop sequences must be non-empty"
            )));
        }
        if bytes.is_empty() {
            return Err(PyValueError::new_err(
                "stop is an empty list; pass None for no stop sequences",
            ));
        }
        let set = StopSet::new(&bytes).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self {
            set: Arc::new(set),
            stops: stops.into_iter().map(Bound::unbind).collect(),
        })
    }

    /// The occurrence that ends first in `text` (of those ending together, the longest), as
    /// `(start, end, stop)` with `start`/`end` code-point offsets (`text[start:end] == stop`);
    /// `None` when no stop sequence occurs.
    fn find<'py>(
        &self,
        text: &Bound<'py, PyString>,
    ) -> PyResult<Option<(usize, usize, Bound<'py, PyString>)>> {
        let bytes = text_bytes(text)?;
        Ok(self.set.find_earliest(&bytes, 0).map(|m| {
            let start = seg::code_points(&bytes[..m.start]);
            let end = start + seg::code_points(&bytes[m.start..m.end]);
            (start, end, self.stops[m.pattern].bind(text.py()).clone())
        }))
    }

    /// The stop sequences, in the order given.
    #[getter]
    fn stops<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.stops.iter().map(|s| s.bind(py)))
    }

    fn __len__(&self) -> usize {
        self.stops.len()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("StopSet({})", self.stops(py)?.repr()?))
    }
}

fn options(
    stops: Option<&Bound<'_, PyStopSet>>,
    mode: StopMode,
    max_graphemes: Option<usize>,
    chunk_size: Option<usize>,
) -> Options {
    Options {
        stops: stops.map(|s| Arc::clone(&s.get().set)),
        mode,
        max_graphemes,
        chunk_size: chunk_size.and_then(NonZeroUsize::new),
    }
}

/// The stop sequence that ended a stream, as the `str` the caller gave.
fn stop_string<'py>(
    py: Python<'py>,
    stops: Option<&PyStopSet>,
    finish: Option<&Finish>,
) -> Option<Bound<'py, PyString>> {
    let index = finish?.stop?;
    Some(stops?.stops[index].bind(py).clone())
}

// ---------------------------------------------------------------------------------------------
// Echo: one call, a batch, a stream

/// The echo of one text: `(output, finish_reason, stop_sequence, output_graphemes)`.
type Echoed<'py> = (
    Bound<'py, PyString>,
    &'static str,
    Option<Bound<'py, PyString>>,
    usize,
);

fn echo_one<'py>(
    text: &Bound<'py, PyString>,
    stops: Option<&Bound<'py, PyStopSet>>,
    opts: &Options,
) -> PyResult<Echoed<'py>> {
    let py = text.py();
    let (output, finish) = match cursor_for(text)? {
        Cursor::Bytes { .. } => {
            let s = text.to_str()?;
            let (len, finish) = shaper::shape(s.as_bytes(), opts);
            // The caller's own object only when it is an exact str (never a subclass).
            let output = if len == s.len() && text.is_exact_instance_of::<PyString>() {
                text.clone()
            } else {
                PyString::new(py, &s[..len])
            };
            (output, finish)
        }
        Cursor::CodePoints { .. } => {
            let mut shaper = Shaper::new(opts.clone());
            let mut out = Vec::new();
            run_shaper(py, text, &mut shaper, |c| out.extend_from_slice(c))?;
            let finish = *shaper.finished().expect("run_shaper finishes the shaper");
            (py_text(py, &out)?, finish)
        }
    };
    let stop = stop_string(py, stops.map(Bound::get), Some(&finish));
    Ok((output, finish.reason.as_str(), stop, finish.graphemes))
}

/// Echoes `text`: `(output, finish_reason, stop_sequence, output_graphemes)`.
#[pyfunction]
#[pyo3(signature = (text, n, stops, exclude))]
fn echo<'py>(
    text: &Bound<'py, PyString>,
    n: Option<&Bound<'py, PyAny>>,
    stops: Option<&Bound<'py, PyStopSet>>,
    exclude: bool,
) -> PyResult<Echoed<'py>> {
    let mode = stop_mode(exclude);
    echo_one(text, stops, &options(stops, mode, model_count(n)?, None))
}

/// Echoes every text of `texts` in one call: a list of what [`echo`] returns.
#[pyfunction]
#[pyo3(signature = (texts, n, stops, exclude))]
fn echo_batch<'py>(
    texts: &Bound<'py, PyAny>,
    n: Option<&Bound<'py, PyAny>>,
    stops: Option<&Bound<'py, PyStopSet>>,
    exclude: bool,
) -> PyResult<Vec<Echoed<'py>>> {
    let mode = stop_mode(exclude);
    let opts = options(stops, mode, model_count(n)?, None);
    texts
        .try_iter()?
        .map(|t| echo_one(t?.cast::<PyString>()?, stops, &opts))
        .collect()
}

/// The chunks of an echo, one by one. `finish_reason` is set once the last chunk is out.
#[pyclass(module = "langchain_echo._core")]
struct EchoStream {
    source: Source,
    shaper: Shaper,
    stops: Option<Py<PyStopSet>>,
    ready: VecDeque<Py<PyString>>,
}

#[pymethods]
impl EchoStream {
    #[new]
    #[pyo3(signature = (text, n, stops, exclude, chunk_size))]
    fn new(
        text: &Bound<'_, PyString>,
        n: Option<&Bound<'_, PyAny>>,
        stops: Option<&Bound<'_, PyStopSet>>,
        exclude: bool,
        chunk_size: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let chunk_size = count_arg("chunk_size", Some(chunk_size), 1, false)?;
        let mode = stop_mode(exclude);
        Ok(Self {
            source: Source::new(text)?,
            shaper: Shaper::new(options(stops, mode, model_count(n)?, chunk_size)),
            stops: stops.map(|s| s.clone().unbind()),
            ready: VecDeque::new(),
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyString>>> {
        if self.ready.is_empty() {
            self.fill(py)?;
        }
        let chunk = self.ready.pop_front();
        // Look one chunk ahead, so that the last chunk is known as it is handed out.
        if chunk.is_some() && self.ready.is_empty() {
            self.fill(py)?;
        }
        Ok(chunk)
    }

    /// `"stop"` or `"length"` once the last chunk has been returned, else `None`.
    #[getter]
    fn finish_reason(&self) -> Option<&'static str> {
        self.ended().map(|f| f.reason.as_str())
    }

    /// The stop sequence that ended the echo, if one did.
    #[getter]
    fn stop_sequence<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        stop_string(py, self.stops.as_ref().map(Py::get), self.ended())
    }

    /// Graphemes in the whole output, once the last chunk has been returned.
    #[getter]
    fn output_graphemes(&self) -> Option<usize> {
        self.ended().map(|f| f.graphemes)
    }
}

impl EchoStream {
    fn ended(&self) -> Option<&Finish> {
        self.shaper.finished().filter(|_| self.ready.is_empty())
    }

    /// Reads windows until a chunk is ready or the echo has ended.
    fn fill(&mut self, py: Python<'_>) -> PyResult<()> {
        while self.ready.is_empty() && !self.shaper.is_done() {
            let mut chunks: Vec<PyResult<Bound<'_, PyString>>> = Vec::new();
            let shaper = &mut self.shaper;
            let mut push = |c: &[u8]| chunks.push(py_text(py, c));
            if self
                .source
                .next_window(py, |w| shaper.feed(w, &mut push))?
                .is_none()
            {
                shaper.finish(&mut push);
            }
            for chunk in chunks {
                self.ready.push_back(chunk?.unbind());
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The public text API

/// The incremental engine behind both models and behind `shape_stream`.
#[pyclass(module = "langchain_echo._core", name = "StreamShaper")]
struct PyStreamShaper {
    shaper: Shaper,
    stops: Option<Py<PyStopSet>>,
}

#[pymethods]
impl PyStreamShaper {
    #[new]
    #[pyo3(
        signature = (*, stop = None, stop_mode = ModeArg(StopMode::Include), max_graphemes = None, chunk_size = None),
        text_signature = "(*, stop=None, stop_mode='include', max_graphemes=None, chunk_size=None)"
    )]
    fn new(
        py: Python<'_>,
        stop: Option<&Bound<'_, PyAny>>,
        stop_mode: ModeArg,
        max_graphemes: Option<&Bound<'_, PyAny>>,
        chunk_size: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mode = stop_mode.0;
        let max_graphemes = count_arg("max_graphemes", max_graphemes, 0, true)?;
        let chunk_size = count_arg("chunk_size", chunk_size, 1, true)?;
        let stops = match stop.filter(|s| !s.is_none()) {
            Some(s) if s.cast::<PyStopSet>().is_ok() => Some(s.cast::<PyStopSet>()?.clone()),
            // An empty list or tuple means no stop sequences, as it does for the models.
            Some(s) if !s.is_instance_of::<PyString>() && s.len().is_ok_and(|n| n == 0) => None,
            Some(s) => Some(Bound::new(py, PyStopSet::new(s)?)?),
            None => None,
        };
        Ok(Self {
            shaper: Shaper::new(options(stops.as_ref(), mode, max_graphemes, chunk_size)),
            stops: stops.map(Bound::unbind),
        })
    }

    /// Adds `text`; returns the chunks that are now final.
    fn feed<'py>(&mut self, text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyList>> {
        let py = text.py();
        let bytes = text_bytes(text)?;
        let mut chunks = Vec::new();
        self.shaper.feed(&bytes, |c| chunks.push(py_text(py, c)));
        PyList::new(py, chunks.into_iter().collect::<PyResult<Vec<_>>>()?)
    }

    /// Ends the input; returns every chunk still held.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let mut chunks = Vec::new();
        self.shaper.finish(|c| chunks.push(py_text(py, c)));
        PyList::new(py, chunks.into_iter().collect::<PyResult<Vec<_>>>()?)
    }

    /// Whether the stream has ended: by a stop sequence, by `max_graphemes`, or by `finish()`.
    #[getter]
    fn done(&self) -> bool {
        self.shaper.is_done()
    }

    /// `"stop"` or `"length"` once the stream has ended, else `None`.
    #[getter]
    fn finish_reason(&self) -> Option<&'static str> {
        self.shaper.finished().map(|f| f.reason.as_str())
    }

    /// The stop sequence that ended the stream, if one did.
    #[getter]
    fn stop_sequence<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        stop_string(py, self.stops.as_ref().map(Py::get), self.shaper.finished())
    }

    /// Graphemes emitted in the whole stream, once it has ended.
    #[getter]
    fn output_graphemes(&self) -> Option<usize> {
        self.shaper.finished().map(|f| f.graphemes)
    }

    fn __repr__(&self) -> String {
        let o = self.shaper.options();
        let count = |c: Option<usize>| c.map_or_else(|| "None".to_owned(), |c| c.to_string());
        format!(
            "StreamShaper(stop_mode='{}', max_graphemes={}, chunk_size={}, done={})",
            match o.mode {
                StopMode::Include => "include",
                StopMode::Exclude => "exclude",
            },
            count(o.max_graphemes),
            count(o.chunk_size.map(NonZeroUsize::get)),
            if self.shaper.is_done() {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// The one-character strings of ASCII, and CR LF, made once.
static ASCII: PyOnceLock<(Vec<Py<PyString>>, Py<PyString>)> = PyOnceLock::new();

/// The extended grapheme clusters of `text`.
#[pyfunction]
fn graphemes<'py>(text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyList>> {
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

/// `text` itself when it is an exact `str`, else an exact copy of it.
fn exact<'py>(text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyString>> {
    if text.is_exact_instance_of::<PyString>() {
        Ok(text.clone())
    } else {
        py_text(text.py(), &text_bytes(text)?)
    }
}

/// The first `n` graphemes of `text`.
#[pyfunction]
fn truncate_graphemes<'py>(
    text: &Bound<'py, PyString>,
    n: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyString>> {
    let py = text.py();
    let n = count_arg("n", Some(n), 0, false)?.unwrap_or(usize::MAX);
    let len = text.code_point_len()?;
    if n >= len {
        // A grapheme holds at least one code point.
        return exact(text);
    }
    if let Cursor::Bytes { .. } = cursor_for(text)? {
        // Short, or ASCII (whose UTF-8 form is the string itself): read in place.
        let s = text.to_str()?;
        return Ok(PyString::new(py, &s[..seg::truncate(s.as_bytes(), n)]));
    }
    // A long text is read in windows of code points that grow until the n-th grapheme ends
    // inside one (and is so known to be complete).
    let mut window = n.saturating_mul(4).saturating_add(16);
    loop {
        let end = window.min(len);
        let piece = text.get_item(PySlice::new(py, 0, py_index(end), 1))?;
        let bytes = text_bytes(piece.cast::<PyString>()?)?;
        let cut = seg::truncate(&bytes, n);
        if cut < bytes.len() || end == len {
            return py_text(py, &bytes[..cut]);
        }
        window = window.saturating_mul(2);
    }
}

/// Number of graphemes in `text`.
#[pyfunction]
fn count_graphemes(text: &Bound<'_, PyString>) -> PyResult<usize> {
    let py = text.py();
    let len = match cursor_for(text)? {
        Cursor::Bytes { .. } => return Ok(seg::count(text.to_str()?.as_bytes())),
        Cursor::CodePoints { len, .. } => len,
    };
    // Long non-ASCII text, in windows, so that its UTF-8 form is never made whole: each window's
    // last grapheme may continue, so the next window starts where it starts.
    let (mut count, mut pos) = (0, 0);
    while pos < len {
        let end = (pos + MAX_WINDOW).min(len);
        let piece = text.get_item(PySlice::new(py, py_index(pos), py_index(end), 1))?;
        let bytes = text_bytes(piece.cast::<PyString>()?)?;
        let mut last = 0;
        for g in seg::graphemes(&bytes) {
            count += 1;
            last = g.len();
        }
        if end == len {
            break;
        }
        count -= 1;
        pos = end - seg::code_points(&bytes[bytes.len() - last..]);
    }
    Ok(count)
}

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("UNICODE_VERSION", UNICODE_VERSION)?;
    m.add_class::<PyStopSet>()?;
    m.add_class::<PyStreamShaper>()?;
    m.add_class::<EchoStream>()?;
    m.add_function(wrap_pyfunction!(graphemes, m)?)?;
    m.add_function(wrap_pyfunction!(truncate_graphemes, m)?)?;
    m.add_function(wrap_pyfunction!(count_graphemes, m)?)?;
    m.add_function(wrap_pyfunction!(echo, m)?)?;
    m.add_function(wrap_pyfunction!(echo_batch, m)?)?;
    Ok(())
}
