//! Errors that stop kpic from doing its job (exit code 2), as opposed to findings.

use std::fmt;

/// Something kpic could not do: bad arguments, unreadable config, no spec files, I/O.
#[derive(Debug)]
pub struct Error {
    /// One line saying what went wrong, lowercase.
    pub message: String,
    /// Already-rendered detail (for example a config diagnostic with its snippet).
    pub detail: Option<String>,
}

impl Error {
    /// An error with a one-line message.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            detail: None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Result with kpic's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
