//! `ekran map add|list|show|remove`: the region maps of a data directory. A map is
//! added from a GeoJSON FeatureCollection of polygons (projected and simplified by
//! ekran); changes are recorded in the audit log as made from the command line (`cli`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use ekran_core::maps::{self, MapAddOptions, MapInfo, MAX_GEOJSON};
use ekran_core::{Core, CoreError, CLI};
use ekran_model::{Diagnostic, Diagnostics, Lang, Localized, Location, MapId};

use crate::cmd::versions::{one_line, open};
use crate::inputs::{self, Tally};
use crate::DataDir;

#[derive(Subcommand)]
pub enum MapCommand {
    /// Add a map from a GeoJSON file (a FeatureCollection of Polygons and
    /// MultiPolygons in longitude/latitude, each feature with an id). All or nothing:
    /// a problem is reported naming the feature, and nothing is stored.
    Add(AddArgs),
    /// List the maps: id, regions, size, how many nodes show it, name. The built-in
    /// map of Kazakhstan (`kz`) comes first.
    List(ListArgs),
    /// Show one map: its name, then each region's id and names.
    Show(ShowArgs),
    /// Remove a map. Refused while a node of the working copy or of a published
    /// version shows it, and for the built-in `kz`.
    Remove(ShowArgs),
}

#[derive(Args)]
pub struct AddArgs {
    #[command(flatten)]
    data: DataDir,
    /// The GeoJSON file (at most 64 MiB).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The map's name, used for every language not given with --name-kk, --name-ru
    /// or --name-en.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// The map's name in Kazakh.
    #[arg(long, value_name = "NAME")]
    name_kk: Option<String>,
    /// The map's name in Russian.
    #[arg(long, value_name = "NAME")]
    name_ru: Option<String>,
    /// The map's name in English.
    #[arg(long, value_name = "NAME")]
    name_en: Option<String>,
    /// The property holding each feature's id (default: the feature's own `id`, else
    /// `id`, `ISO3166-2`, `iso_3166_2`, `shapeISO`, `ADM1_PCODE` or `code`).
    #[arg(long, value_name = "FIELD")]
    id_field: Option<String>,
    /// The map's id: 1-40 of `a-z`, `0-9`, `-` (default: from the English or another
    /// Latin name, else `map-N`).
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// The source and licence line shown under the map.
    #[arg(long, value_name = "TEXT")]
    attribution: Option<String>,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    data: DataDir,
}

#[derive(Args)]
pub struct ShowArgs {
    #[command(flatten)]
    data: DataDir,
    /// The map's id (see `ekran map list`).
    #[arg(value_name = "ID")]
    id: String,
}

pub fn run(c: MapCommand) -> Result<ExitCode, String> {
    match c {
        MapCommand::Add(a) => add(a),
        MapCommand::List(a) => list(a),
        MapCommand::Show(a) => show(a),
        MapCommand::Remove(a) => remove(a),
    }
}

/// Prints a refusal; exit 1.
fn refused(e: CoreError) -> Result<ExitCode, String> {
    match e {
        CoreError::Invalid(d) => inputs::print(&d, &mut Tally::default()),
        e => eprintln!("error: {e}"),
    }
    eprintln!("nothing changed");
    Ok(ExitCode::from(1))
}

fn map_id(s: &str) -> Result<MapId, String> {
    MapId::new(s).map_err(|e| e.to_string())
}

/// `Алматы / Алматы / Almaty` (the languages it has, kk ru en).
fn names(l: &Localized) -> String {
    let all: Vec<String> = Lang::ALL
        .iter()
        .filter_map(|lang| l.get(*lang))
        .map(one_line)
        .collect();
    all.join(" / ")
}

/// Reads the file (a regular file, at most [`MAX_GEOJSON`]).
fn read(file: &std::path::Path) -> Result<Vec<u8>, Diagnostic> {
    let too_large = || {
        Diagnostic::error(
            "too_large",
            format!("a map's GeoJSON may be at most {} MiB", MAX_GEOJSON >> 20),
        )
        .at(Location::File {
            path: file.display().to_string(),
        })
    };
    if std::fs::metadata(file).is_ok_and(|m| m.is_dir()) {
        return Err(Diagnostic::error(
            "not_a_file",
            "is a folder; `ekran map add` reads one GeoJSON file",
        )
        .at(Location::File {
            path: file.display().to_string(),
        }));
    }
    if std::fs::metadata(file).is_ok_and(|m| m.len() > MAX_GEOJSON as u64) {
        return Err(too_large());
    }
    let bytes = inputs::read(file)?;
    if bytes.len() > MAX_GEOJSON {
        return Err(too_large());
    }
    Ok(bytes)
}

fn add(a: AddArgs) -> Result<ExitCode, String> {
    let id = a.id.as_deref().map(map_id).transpose()?;
    let bytes = match read(&a.file) {
        Ok(b) => b,
        Err(d) => return refused(CoreError::Invalid(Diagnostics(vec![d]))),
    };
    let opts = MapAddOptions {
        name: maps::name_from(
            a.name.as_deref(),
            a.name_kk.as_deref(),
            a.name_ru.as_deref(),
            a.name_en.as_deref(),
        ),
        id,
        id_field: a.id_field,
        name_fields: Vec::new(),
        attribution: a.attribution,
        source: Some(a.file.display().to_string()),
    };
    // Converted before the data directory is opened: a bad file leaves nothing behind.
    let busy = inputs::Busy::start("converting the map");
    let prepared = maps::prepare(&bytes, &opts);
    drop(busy);
    let prepared = match prepared {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    drop(bytes);
    let mut core = Core::open(&a.data.dir).map_err(|e| e.to_string())?;
    match core.store_map(prepared, CLI) {
        Ok(m) => {
            println!(
                "added map {}: {} ({} region(s), {})",
                m.id,
                names(&m.name),
                m.features,
                ekran_core::media::size_text(m.bytes)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refused(e),
    }
}

/// `id  N region(s)  SIZE  used by N node(s)  NAME`, tab-separated.
fn line(m: &MapInfo) -> String {
    let mut used = format!("used by {} node(s)", m.used_by);
    if m.builtin {
        used.push_str(", built in");
    } else if m.published {
        used.push_str(", and by published versions");
    }
    format!(
        "{}\t{} region(s)\t{}\t{used}\t{}\n",
        m.id,
        m.features,
        ekran_core::media::size_text(m.bytes),
        names(&m.name)
    )
}

fn list(a: ListArgs) -> Result<ExitCode, String> {
    let mut core = open(&a.data)?;
    let maps = core.maps().map_err(|e| e.to_string())?;
    let out: String = maps.iter().map(line).collect();
    inputs::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn show(a: ShowArgs) -> Result<ExitCode, String> {
    let id = map_id(&a.id)?;
    let mut core = open(&a.data)?;
    let info = core.map_info(&id).map_err(|e| e.to_string())?;
    let doc = core.map(&id).map_err(|e| e.to_string())?;
    let (Some(info), Some(doc)) = (info, doc) else {
        return Err(format!("map {id} does not exist (see `ekran map list`)"));
    };
    let mut out = line(&info);
    if !doc.attribution.is_empty() {
        out.push_str(&format!("attribution: {}\n", one_line(&doc.attribution)));
    }
    for f in &doc.features {
        out.push_str(&format!("{}\t{}\n", f.id, names(&f.name)));
    }
    inputs::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn remove(a: ShowArgs) -> Result<ExitCode, String> {
    let id = map_id(&a.id)?;
    let mut core = open(&a.data)?;
    match core.remove_map(&id, CLI) {
        Ok(()) => {
            println!("removed map {id}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refused(e),
    }
}
