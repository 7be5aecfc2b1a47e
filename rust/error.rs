//! The crate's one error type.

use std::fmt;

/// An error from building a stop set or a shaper. Its [`kind`](Error::kind) says what went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A stop set was built from no sequences.
    NoStops,
    /// The stop sequence at `index` is empty.
    EmptyStop {
        /// Its position in the list given.
        index: usize,
    },
    /// The automaton could not be built (for example, the set is too large).
    Build(String),
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self { kind }
    }

    /// What went wrong.
    #[must_use]
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::NoStops => f.write_str("a stop set needs at least one stop sequence"),
            ErrorKind::EmptyStop { index } => write!(
                f,
                "stop[{index}] is an empty string; stop sequences must be non-empty"
            ),
            ErrorKind::Build(why) => write!(f, "cannot compile the stop sequences: {why}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages the Python bindings raise (as `ValueError`) for each kind.
    #[test]
    fn each_kind_has_its_message() {
        let cases = [
            (
                ErrorKind::NoStops,
                "a stop set needs at least one stop sequence",
            ),
            (
                ErrorKind::EmptyStop { index: 2 },
                "stop[2] is an empty string; stop sequences must be non-empty",
            ),
            (
                ErrorKind::Build("too big".into()),
                "cannot compile the stop sequences: too big",
            ),
        ];
        for (kind, message) in cases {
            let error = Error::new(kind.clone());
            assert_eq!(error.kind(), &kind);
            assert_eq!(error.to_string(), message);
        }
    }
}
