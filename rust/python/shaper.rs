//! `StreamShaper`: the incremental engine, for Python.

use std::num::NonZeroUsize;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use super::options;
use super::stopset::PyStopSet;
use super::text::{py_text, text_bytes};
use crate::shaper::{Finish, Options, Shaper, StopMode};

/// The engine's options from checked arguments.
pub(super) fn engine_options(
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
pub(super) fn stop_string<'py>(
    py: Python<'py>,
    stops: Option<&PyStopSet>,
    finish: Option<&Finish>,
) -> Option<Bound<'py, PyString>> {
    Some(stops?.stop(py, finish?.stop?))
}

/// The incremental engine behind both models and behind `shape_stream`.
#[pyclass(module = "langchain_echo._core", name = "StreamShaper")]
pub(super) struct PyStreamShaper {
    shaper: Shaper,
    stops: Option<Py<PyStopSet>>,
}

#[pymethods]
impl PyStreamShaper {
    #[new]
    #[pyo3(
        signature = (*, stop = None, stop_mode = StopMode::Include, max_graphemes = None, chunk_size = None),
        text_signature = "(*, stop=None, stop_mode='include', max_graphemes=None, chunk_size=None)"
    )]
    fn new(
        py: Python<'_>,
        stop: Option<&Bound<'_, PyAny>>,
        stop_mode: StopMode,
        max_graphemes: Option<&Bound<'_, PyAny>>,
        chunk_size: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let max_graphemes = options::count(max_graphemes, "max_graphemes", 0, true)?;
        let chunk_size = options::count(chunk_size, "chunk_size", 1, true)?;
        let stops = match stop {
            Some(s) if s.is_instance_of::<PyStopSet>() => Some(s.cast::<PyStopSet>()?.clone()),
            Some(s) => match options::stops(s, "stop")? {
                // No sequences (None, or an empty list) means no stop, as it does for the models.
                Some(list) if !list.is_empty() => Some(Bound::new(py, PyStopSet::compile(list)?)?),
                _ => None,
            },
            None => None,
        };
        Ok(Self {
            shaper: Shaper::new(engine_options(
                stops.as_ref(),
                stop_mode,
                max_graphemes,
                chunk_size,
            )),
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

    /// A stop sequence seen in the text but not yet ending the stream (include mode waits for
    /// the grapheme that completes it to be complete); `None` once the stream has ended.
    #[getter]
    fn pending_stop<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        let index = self.shaper.pending_stop()?;
        Some(self.stops.as_ref()?.get().stop(py, index))
    }

    /// The text fed but not yet emitted (`""` once the stream has ended).
    #[getter]
    fn held<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        py_text(py, self.shaper.held())
    }

    fn __repr__(&self) -> String {
        let o = self.shaper.options();
        let count = |c: Option<usize>| c.map_or_else(|| "None".to_owned(), |c| c.to_string());
        format!(
            "StreamShaper(stop_mode='{}', max_graphemes={}, chunk_size={}, done={})",
            o.mode.as_str(),
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
