//! Reading legacy TCD content records: a tolerant JSON parser that repairs what editors
//! broke by hand, and the mapping from records to ekran's model. Pure: no file or
//! database access (callers hand in bytes and an existing hall). Every finding is an
//! [`ekran_model::Diagnostic`] with a stable code (see [`diag`]).

pub mod diag;
pub mod dump;
pub mod extjson;
pub mod import;
pub mod json;
pub mod media;
pub mod record;
pub mod shape2;
