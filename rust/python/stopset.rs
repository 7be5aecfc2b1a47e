//! `StopSet`: a compiled, immutable set of stop sequences.

use std::borrow::Cow;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

use super::options;
use super::text::text_bytes;
use crate::graphemes as seg;
use crate::stops::StopSet;

/// A compiled, immutable set of stop sequences, shared by every call that uses it.
#[pyclass(frozen, module = "langchain_echo._core", name = "StopSet")]
pub(super) struct PyStopSet {
    pub(super) set: Arc<StopSet>,
    pub(super) stops: Vec<Py<PyString>>,
}

impl PyStopSet {
    /// Compiles checked, non-empty stop sequences.
    pub(super) fn compile(stops: Vec<Bound<'_, PyString>>) -> PyResult<Self> {
        let bytes: Vec<Cow<'_, [u8]>> = stops.iter().map(text_bytes).collect::<PyResult<_>>()?;
        let set = StopSet::new(&bytes).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self {
            set: Arc::new(set),
            stops: stops.into_iter().map(Bound::unbind).collect(),
        })
    }

    /// The stop sequence of index `index`, as the `str` the caller gave.
    pub(super) fn stop<'py>(&self, py: Python<'py>, index: usize) -> Bound<'py, PyString> {
        self.stops[index].bind(py).clone()
    }
}

#[pymethods]
impl PyStopSet {
    #[new]
    fn new(stop: &Bound<'_, PyAny>) -> PyResult<Self> {
        match options::stops(stop, "stop")? {
            Some(stops) if !stops.is_empty() => Self::compile(stops),
            // A set of no sequences would match nothing: the caller means None.
            _ => Err(options::invalid(
                "stop",
                "a string or a non-empty list of strings",
                stop,
            )),
        }
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
            (start, end, self.stop(text.py(), m.pattern))
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
