//! The echo API: one text (`echo`), many (`echo_batch`), a stream (`EchoStream`).

use std::collections::VecDeque;

use pyo3::prelude::*;
use pyo3::types::PyString;

use super::options;
use super::shaper::{engine_options, stop_string};
use super::stopset::PyStopSet;
use super::text::{self, py_text, Source};
use crate::shaper::{Finish, Options, Shaper, StopMode};

/// How the echo of one text came out.
#[pyclass(frozen, get_all, module = "langchain_echo._core")]
pub(super) struct EchoResult {
    /// The output: a prefix of the text, ending on a grapheme boundary.
    text: Py<PyString>,
    /// `"stop"` or `"length"`.
    finish_reason: &'static str,
    /// The stop sequence that ended the echo, if one did.
    stop_sequence: Option<Py<PyString>>,
    /// Graphemes in the output.
    output_graphemes: usize,
}

#[pymethods]
impl EchoResult {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let stop = match &self.stop_sequence {
            Some(s) => s.bind(py).repr()?.to_string(),
            None => "None".to_owned(),
        };
        Ok(format!(
            "EchoResult(text={}, finish_reason='{}', stop_sequence={stop}, output_graphemes={})",
            self.text.bind(py).repr()?,
            self.finish_reason,
            self.output_graphemes,
        ))
    }
}

fn mode(exclude: bool) -> StopMode {
    if exclude {
        StopMode::Exclude
    } else {
        StopMode::Include
    }
}

fn echo_one(
    text: &Bound<'_, PyString>,
    stops: Option<&Bound<'_, PyStopSet>>,
    opts: &Options,
) -> PyResult<EchoResult> {
    let py = text.py();
    let (output, finish) = text::shape(text, opts)?;
    Ok(EchoResult {
        text: output.unbind(),
        finish_reason: finish.reason.as_str(),
        stop_sequence: stop_string(py, stops.map(Bound::get), Some(&finish)).map(Bound::unbind),
        output_graphemes: finish.graphemes,
    })
}

/// Echoes `text`.
#[pyfunction]
#[pyo3(signature = (text, n, stops, exclude))]
pub(super) fn echo(
    text: &Bound<'_, PyString>,
    n: Option<&Bound<'_, PyAny>>,
    stops: Option<&Bound<'_, PyStopSet>>,
    exclude: bool,
) -> PyResult<EchoResult> {
    let n = options::count(n, "n", 0, true)?;
    echo_one(text, stops, &engine_options(stops, mode(exclude), n, None))
}

/// Echoes every text of `texts` in one call.
#[pyfunction]
#[pyo3(signature = (texts, n, stops, exclude))]
pub(super) fn echo_batch(
    texts: &Bound<'_, PyAny>,
    n: Option<&Bound<'_, PyAny>>,
    stops: Option<&Bound<'_, PyStopSet>>,
    exclude: bool,
) -> PyResult<Vec<EchoResult>> {
    let n = options::count(n, "n", 0, true)?;
    let opts = engine_options(stops, mode(exclude), n, None);
    texts
        .try_iter()?
        .map(|t| echo_one(t?.cast::<PyString>()?, stops, &opts))
        .collect()
}

/// The chunks of an echo, one by one. `finish_reason` is set once the last chunk is out.
#[pyclass(module = "langchain_echo._core")]
pub(super) struct EchoStream {
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
        let chunk_size = options::count(Some(chunk_size), "chunk_size", 1, false)?;
        let n = options::count(n, "n", 0, true)?;
        Ok(Self {
            source: Source::new(text)?,
            shaper: Shaper::new(engine_options(stops, mode(exclude), n, chunk_size)),
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
