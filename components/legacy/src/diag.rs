//! Diagnostics: the model's one diagnostic type, re-exported so callers of the legacy
//! importer need not name `ekran_model::diag` themselves.
//!
//! Every finding of the importer is an [`ekran_model::diag::Diagnostic`] with a stable
//! code: one per [`crate::json::RepairKind`] (`missing_comma`, `trailing_comma`, …), one
//! per parse failure ([`crate::json::ParseError::code`]), one per record finding
//! ([`crate::record::Finding::code`]) and the importer's own (`language_detected`,
//! `duplicate_record`, `repairs_not_shown`, `slide_count_differs`, `media_differs`).

pub use ekran_model::diag::*;
