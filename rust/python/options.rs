//! The one validator per option, with one message style: `"<field> must be <expectation>, got
//! <repr(value)>"`. The models, `StreamShaper`, `EchoStream` and `ShapeStream` all check through
//! these (Python through the private `check_*` functions).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyList, PyString, PyTuple};

use crate::shaper::StopMode;

/// `"{field} must be {expectation}, got {repr(value)}"` as a `ValueError`.
pub(super) fn invalid(field: &str, expectation: &str, value: &Bound<'_, PyAny>) -> PyErr {
    let shown = value
        .repr()
        .map_or_else(|_| "<unprintable>".to_owned(), |r| r.to_string());
    PyValueError::new_err(message(field, expectation, &shown))
}

fn message(field: &str, expectation: &str, shown: &str) -> String {
    format!("{field} must be {expectation}, got {shown}")
}

/// What a count must be: `"a non-negative int"`, `"an int >= 2"`, with `" or None"` if optional.
fn count_expectation(minimum: usize, optional: bool) -> String {
    let base = if minimum == 0 {
        "a non-negative int".to_owned()
    } else {
        format!("an int >= {minimum}")
    };
    if optional {
        base + " or None"
    } else {
        base
    }
}

/// A count: an `int` (never a `bool`) of at least `minimum`, or `None` when `optional`. Counts
/// beyond `usize` saturate, since no text is that long.
pub(super) fn count(
    value: Option<&Bound<'_, PyAny>>,
    field: &str,
    minimum: usize,
    optional: bool,
) -> PyResult<Option<usize>> {
    // The message is made only on an error: counts are checked on every call.
    let bad = |v: &Bound<'_, PyAny>| invalid(field, &count_expectation(minimum, optional), v);
    let value = match value {
        Some(v) if !v.is_none() => v,
        _ if optional => return Ok(None),
        _ => {
            let expectation = count_expectation(minimum, optional);
            return Err(PyValueError::new_err(message(field, &expectation, "None")));
        }
    };
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(bad(value));
    }
    match value.extract::<usize>() {
        Ok(v) if v >= minimum => Ok(Some(v)),
        Err(_) if value.gt(0)? => Ok(Some(usize::MAX)),
        _ => Err(bad(value)),
    }
}

/// Stop sequences: `None` (none), one `str`, or a list or tuple of non-empty `str`. An empty list
/// gives an empty `Vec`.
pub(super) fn stops<'py>(
    value: &Bound<'py, PyAny>,
    field: &str,
) -> PyResult<Option<Vec<Bound<'py, PyString>>>> {
    if value.is_none() {
        return Ok(None);
    }
    if let Ok(one) = value.cast::<PyString>() {
        if one.is_empty()? {
            return Err(invalid(field, "a non-empty string", value));
        }
        return Ok(Some(vec![one.clone()]));
    }
    // Only a list or a tuple: bytes, dicts and sets would be read as something else.
    if !(value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>()) {
        return Err(invalid(field, "a string, a list of strings or None", value));
    }
    let mut out = Vec::new();
    for (i, item) in value.try_iter()?.enumerate() {
        let item = item?;
        match item.cast::<PyString>() {
            Ok(s) if !s.is_empty()? => out.push(s.clone()),
            _ => {
                return Err(invalid(
                    &format!("{field}[{i}]"),
                    "a non-empty string",
                    &item,
                ))
            }
        }
    }
    Ok(Some(out))
}

/// `stop_mode`: `"include"` or `"exclude"`.
pub(super) fn stop_mode(value: &Bound<'_, PyAny>) -> PyResult<StopMode> {
    let name = value.cast::<PyString>().ok().and_then(|s| s.to_str().ok());
    name.and_then(StopMode::from_name)
        .ok_or_else(|| invalid("stop_mode", "'include' or 'exclude'", value))
}

impl<'a, 'py> FromPyObject<'a, 'py> for StopMode {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        stop_mode(&obj.to_owned())
    }
}

/// Checks a count option; returns `value` itself (or `None`).
#[pyfunction]
#[pyo3(signature = (value, field, minimum, optional))]
pub(super) fn check_count<'py>(
    value: &Bound<'py, PyAny>,
    field: &str,
    minimum: usize,
    optional: bool,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(count(Some(value), field, minimum, optional)?.map(|_| value.clone()))
}

/// Checks stop sequences; returns them as a new list (`None` for none).
#[pyfunction]
#[pyo3(signature = (value, field = "stop"))]
pub(super) fn check_stop<'py>(
    value: &Bound<'py, PyAny>,
    field: &str,
) -> PyResult<Option<Bound<'py, PyList>>> {
    stops(value, field)?
        .map(|s| PyList::new(value.py(), s))
        .transpose()
}

/// Checks `stop_mode`; returns `"include"` or `"exclude"`.
#[pyfunction]
pub(super) fn check_stop_mode(value: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    Ok(stop_mode(value)?.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_messages_name_the_expectation() {
        assert_eq!(count_expectation(0, true), "a non-negative int or None");
        assert_eq!(count_expectation(0, false), "a non-negative int");
        assert_eq!(count_expectation(1, false), "an int >= 1");
        assert_eq!(count_expectation(3, true), "an int >= 3 or None");
        assert_eq!(
            message("chunk_size", &count_expectation(1, false), "0"),
            "chunk_size must be an int >= 1, got 0"
        );
    }
}
