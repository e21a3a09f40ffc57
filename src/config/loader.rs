//! The Bevy asset loader for `*.npc.ron`: parse + validate, so an invalid edit fails to load and
//! the last good config stays in `Assets<NpcAsset>`.

use bevy::asset::{AssetLoader, LoadContext, io::Reader};
use bevy::prelude::*;

use super::schema::NpcConfig;
use super::validate::{ConfigErrors, parse_npc};

/// A loaded, validated NPC config.
#[derive(Asset, TypePath, Clone, Debug)]
pub(crate) struct NpcAsset(pub NpcConfig);

/// Loads `*.npc.ron` files.
#[derive(Default, TypePath)]
pub(crate) struct NpcLoader;

/// Why a `.npc.ron` did not load: I/O, or the located config problems.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NpcLoadError {
    #[error("{0}: could not read: {1}")]
    Io(String, std::io::Error),
    #[error("{0}")]
    Invalid(#[from] ConfigErrors),
}

impl AssetLoader for NpcLoader {
    type Asset = NpcAsset;
    type Settings = ();
    type Error = NpcLoadError;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        load_context: &mut LoadContext<'_>,
    ) -> Result<NpcAsset, NpcLoadError> {
        let file = load_context.path().to_string();
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| NpcLoadError::Io(file.clone(), e))?;
        Ok(NpcAsset(parse_npc(&file, &bytes)?))
    }

    fn extensions(&self) -> &[&str] {
        &["npc.ron"]
    }
}
