//! Passes PyO3's interpreter cfgs (`Py_LIMITED_API` for the `abi3` feature, `PyPy`, ...) to the
//! bindings, which read a `str`'s buffer in place only where the interpreter exposes it.

fn main() {
    #[cfg(feature = "python")]
    pyo3_build_config::use_pyo3_cfgs();
}
