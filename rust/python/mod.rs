//! The Python module `langchain_echo._core`: the only code that knows about Python.
//!
//! * [`text`] reads a `str` (the one windowed reader) and makes one; where the interpreter
//!   exposes its PEP 393 buffer (not under `abi3`), `pep393` reads it in place instead.
//! * [`options`] holds the one validator per option, shared by the models, `StreamShaper` and
//!   `ShapeStream` (exposed to Python as private `check_*` functions).
//! * [`stopset`] is `StopSet`, the compiled stop sequences.
//! * [`echo`] is `echo`, `echo_batch` (returning `EchoResult`) and `EchoStream`.
//! * [`shaper`] is `StreamShaper`.
//! * [`segment`] is `graphemes`, `truncate_graphemes` and `count_graphemes`.

mod echo;
mod options;
#[cfg(not(any(Py_LIMITED_API, PyPy, GraalPy)))]
mod pep393;
mod segment;
mod shaper;
mod stopset;
mod text;

use pyo3::prelude::*;

use crate::graphemes::UNICODE_VERSION;

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("UNICODE_VERSION", UNICODE_VERSION)?;
    m.add_class::<stopset::PyStopSet>()?;
    m.add_class::<shaper::PyStreamShaper>()?;
    m.add_class::<echo::EchoStream>()?;
    m.add_class::<echo::EchoResult>()?;
    m.add_function(wrap_pyfunction!(segment::graphemes, m)?)?;
    m.add_function(wrap_pyfunction!(segment::truncate_graphemes, m)?)?;
    m.add_function(wrap_pyfunction!(segment::count_graphemes, m)?)?;
    m.add_function(wrap_pyfunction!(echo::echo, m)?)?;
    m.add_function(wrap_pyfunction!(echo::echo_batch, m)?)?;
    m.add_function(wrap_pyfunction!(options::check_count, m)?)?;
    m.add_function(wrap_pyfunction!(options::check_stop, m)?)?;
    m.add_function(wrap_pyfunction!(options::check_stop_mode, m)?)?;
    Ok(())
}
