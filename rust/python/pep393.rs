//! A `str` read in place: CPython's PEP 393 buffer, one code unit of 1, 2 or 4 bytes per code
//! point, and substrings of it. Built only where the interpreter exposes that layout (not for the
//! limited API, `abi3`, nor `PyPy` or `GraalPy`). The only module that may use `unsafe`.
//!
//! Invariants relied on:
//! * A `str` is immutable once created, and the `&Bound` borrowed here keeps it alive: the buffer
//!   a slice points into neither changes nor moves while the slice lives (the lifetimes tie the
//!   slice to the borrow). That holds in free-threaded builds too, since no thread may mutate it.
//! * `PyString::data` decodes the kind from the string's state bitfield (PyO3 documents that this
//!   is tested on the platforms it supports: the release workflow builds this path only for
//!   CPython, whose layout it reads); strings are always "ready" (canonical) since CPython 3.12,
//!   and PyO3 readies legacy ones before 3.12.
//! * `PyUnicode_Substring` takes code-point indices `0 <= start <= end <= len` (checked here by
//!   the callers' construction, and by CPython, which clamps them) and returns a new reference
//!   or NULL with an exception set.

#![allow(unsafe_code)]

use pyo3::ffi;
use pyo3::prelude::*;
pub(super) use pyo3::types::string::PyStringData;
use pyo3::types::PyString;

use super::text::py_index;

/// The code units of `text`, borrowed from its buffer.
pub(super) fn units<'a>(text: &'a Bound<'_, PyString>) -> PyResult<PyStringData<'a>> {
    // SAFETY: see the module's invariants: `text` is alive and immutable for `'a`.
    unsafe { text.data() }
}

/// `text[start:end]`, in code points: `text` itself when that is all of an exact `str`.
pub(super) fn substring<'py>(
    text: &Bound<'py, PyString>,
    start: usize,
    end: usize,
) -> PyResult<Bound<'py, PyString>> {
    // SAFETY: `text` is a valid str for the call; the result is a new reference (or NULL with an
    // exception set, which `from_owned_ptr_or_err` returns as the error), and always a str.
    unsafe {
        let ptr = ffi::PyUnicode_Substring(text.as_ptr(), py_index(start), py_index(end));
        Ok(Bound::from_owned_ptr_or_err(text.py(), ptr)?.cast_into_unchecked())
    }
}
