//! Loading the knowledge-base starter set (articles and procedures) into an installation.
use anyhow::Context;
use hqdesk_services::kb::parse_article;
use hqdesk_services::{Actor, Services};
use serde::Deserialize;

include!(concat!(env!("OUT_DIR"), "/kb_files.rs"));

#[derive(Deserialize)]
struct Catalogue {
    procedure: Vec<ProcedureEntry>,
}

#[derive(Deserialize)]
struct ProcedureEntry {
    code: String,
    title: String,
    legal_basis: String,
    steps: Vec<String>,
    documents: Vec<String>,
    time_limit: String,
    fees: String,
    unit: String,
    /// Code of the national database of administrative procedures, when known.
    #[serde(default)]
    official_code: String,
    /// Where to submit it online: words, then the address.
    #[serde(default)]
    submit_online: String,
    #[serde(default)]
    forms: Vec<hqdesk_services::portal::ProcedureForm>,
}

/// Import articles and procedures: from `dir` (`*.md` and `procedures.toml`) or, without one,
/// the starter set built into the binary. Importing again updates by slug and code.
pub async fn import(
    services: &Services,
    dir: Option<&std::path::Path>,
) -> anyhow::Result<(usize, usize)> {
    let (articles, procedures): (Vec<(String, String)>, String) = match dir {
        Some(d) => {
            let mut list = Vec::new();
            for entry in std::fs::read_dir(d).with_context(|| format!("reading {}", d.display()))? {
                let path = entry?.path();
                if path.extension().and_then(|e| e.to_str()) == Some("md") {
                    list.push((path.display().to_string(), std::fs::read_to_string(&path)?));
                }
            }
            let procs = std::fs::read_to_string(d.join("procedures.toml")).unwrap_or_default();
            (list, procs)
        }
        None => (
            ARTICLES
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect(),
            PROCEDURES.to_string(),
        ),
    };
    for (name, src) in &articles {
        let a = parse_article(src).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        services
            .save_article(&Actor::Cli, &a)
            .await
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    }
    let mut n_proc = 0;
    if !procedures.trim().is_empty() {
        let cat: Catalogue = toml::from_str(&procedures).context("procedures.toml")?;
        for p in &cat.procedure {
            services
                .save_procedure(
                    &Actor::Cli,
                    &p.code,
                    &p.title,
                    &p.legal_basis,
                    &p.steps,
                    &p.documents,
                    &p.time_limit,
                    &p.fees,
                    &p.unit,
                )
                .await
                .map_err(|e| anyhow::anyhow!("procedure {}: {e}", p.code))?;
            services
                .save_procedure_links(
                    &Actor::Cli,
                    &p.code,
                    &p.official_code,
                    &p.submit_online,
                    &p.forms,
                )
                .await
                .map_err(|e| anyhow::anyhow!("procedure {}: {e}", p.code))?;
            n_proc += 1;
        }
    }
    Ok((articles.len(), n_proc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_set_is_complete_and_valid() {
        assert!(ARTICLES.len() >= 20, "{} articles", ARTICLES.len());
        let parsed: Vec<_> = ARTICLES
            .iter()
            .map(|(n, s)| parse_article(s).unwrap_or_else(|e| panic!("{n}: {e}")))
            .collect();
        let slugs: std::collections::HashSet<_> = parsed.iter().map(|a| a.slug.clone()).collect();
        for a in &parsed {
            for r in &a.related {
                assert!(slugs.contains(r), "{} links to missing {r}", a.slug);
            }
        }
        assert!(slugs.contains("dang-ky-tai-khoan-vnaccs"));
        let cat: Catalogue = toml::from_str(PROCEDURES).unwrap();
        assert!(cat.procedure.len() >= 10);
        // Every procedure says where it is submitted online.
        for p in &cat.procedure {
            assert!(!p.submit_online.trim().is_empty(), "{}", p.code);
        }
    }
}
