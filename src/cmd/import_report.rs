//! `ekran import legacy --report FILE`: the migration report as JSON.

use ekran_core::import::ImportReport;
use ekran_core::Published;
use ekran_legacy::import::FileStats;
use serde_json::{json, Value};

use crate::inputs::Tally;

/// The report: `files` (per file or collection: `path`, `kind`, `records`,
/// `languages`, `repairs`, `duplicates`, `nodes_created`, `nodes_updated`: a node is
/// created by the first file holding its number and updated by each other one), the
/// totals (`nodes_created` and `nodes_updated`, the sums over `files`; `slides`,
/// `screens_created`, `duplicates_discarded`, `shapes_merged`, `repairs`), `media`
/// (`found`, `copied`, and from the warnings shown: `missing` — `media_missing`, one
/// per file —, `refused`, `damaged_names`), `regions_unmapped` (the warnings
/// `region_out_of_range` and `region_not_a_number`: a `map` number the 2018 table does not
/// know, the slide left without a region), `regions_split` (the notes `region_split`: a
/// number whose region was split since 2022, mapped to the part that kept its centre),
/// `replaced` (`demo`, `asked` or null),
/// `remaining_nodes`, `untouched_warnings`, `warnings`, `problems` (warning count per
/// code, most frequent first), and `published` (version number or null).
pub fn json(r: &ImportReport, files: &[FileStats], tally: &Tally) -> String {
    let m = r.migration.clone().unwrap_or_default();
    let count = |codes: &[&str]| {
        r.diagnostics
            .iter()
            .filter(|d| codes.contains(&d.code))
            .count()
    };
    let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
    for d in r
        .diagnostics
        .iter()
        .filter(|d| d.severity == ekran_model::Severity::Warning)
    {
        *by.entry(d.code).or_default() += 1;
    }
    let mut problems: Vec<(&str, usize)> = by.into_iter().collect();
    problems.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let files: Vec<Value> = files
        .iter()
        .map(|f| {
            json!({
                "path": f.path,
                "kind": f.kind,
                "records": f.records,
                "languages": f.languages.iter().map(|(l, n)| (l.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
                "repairs": f.repairs,
                "duplicates": f.duplicates,
                "nodes_created": m.nodes_by_file.get(&f.path).map_or(0, |n| n.0),
                "nodes_updated": m.nodes_by_file.get(&f.path).map_or(0, |n| n.1),
            })
        })
        .collect();
    let per_file = |i: usize| {
        files
            .iter()
            .map(|f| {
                f[["nodes_created", "nodes_updated"][i]]
                    .as_u64()
                    .unwrap_or(0)
            })
            .sum::<u64>()
    };
    let v = json!({
        "files": files,
        "records": files.iter().map(|f| f["records"].as_u64().unwrap_or(0)).sum::<u64>(),
        "languages": r.languages.iter().map(|(l, n)| (l.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "nodes_created": per_file(0),
        "nodes_updated": per_file(1),
        "slides": r.slides,
        "screens_created": r.screens_created,
        "duplicates_discarded": m.duplicates_discarded,
        "shapes_merged": m.shapes_merged,
        "repairs": r.repairs,
        "media": {
            "found": m.media_found,
            "copied": r.media_copied,
            // From the warnings shown, so the counts agree with `problems`.
            "missing": count(&["media_missing"]),
            "refused": count(&["media_web_address", "media_absolute_path", "media_outside", "media_bad_path", "media_link_outside"]),
            "damaged_names": count(&["media_name_damaged"]),
        },
        "regions_unmapped": count(&["region_out_of_range", "region_not_a_number"]),
        "regions_split": count(&["region_split"]),
        "replaced": m.replaced.map(|x| x.code()),
        "remaining_nodes": m.remaining,
        "untouched_warnings": m.untouched_warnings,
        "warnings": tally.warnings,
        "problems": problems.iter().map(|(c, n)| json!({"code": c, "count": n})).collect::<Vec<_>>(),
        "published": match &r.published {
            Some(Published::New(v)) => json!(v.version),
            _ => Value::Null,
        },
    });
    let mut s = serde_json::to_string_pretty(&v).expect("a JSON value");
    s.push('\n');
    s
}
