//! The built-in demo hall, stored as the first version of a new data directory.

use ekran_model::{Diagnostics, MediaRef};
use ekran_store::MediaSource;

use crate::audit::Actor;
use crate::import::{After, ImportReport, WholeHall};
use crate::{Core, CoreError, Result};

impl Core {
    /// Stores and publishes the demo hall (`ekran-demo`) with its media.
    pub fn seed_demo<'by>(&mut self, by: impl Into<Actor<'by>>) -> Result<ImportReport> {
        let by: Actor<'by> = by.into();
        let hall = ekran_demo::hall().map_err(|e| {
            CoreError::invalid(ekran_model::Diagnostic::error(
                "demo",
                format!("the built-in demo hall: {e}"),
            ))
        })?;
        let tmp = tempfile::tempdir().map_err(|e| {
            CoreError::Store(ekran_store::StoreError::Io {
                path: std::env::temp_dir(),
                source: e,
            })
        })?;
        ekran_demo::write_media(tmp.path()).map_err(|e| {
            CoreError::Store(ekran_store::StoreError::Io {
                path: tmp.path().to_owned(),
                source: e,
            })
        })?;
        let media: Vec<MediaSource> = ekran_demo::media()
            .map(|(path, _)| MediaSource {
                reference: MediaRef::parse(path).expect("demo media paths are valid"),
                file: tmp.path().join(path),
            })
            .collect();
        self.store_whole(
            WholeHall {
                hall,
                diagnostics: Diagnostics::default(),
                source: None,
                media,
                maps: Vec::new(),
                note: "built-in demo".into(),
                action: crate::audit::Action::SeedDemo,
            },
            After::Publish,
            by,
        )
    }
}
