//! Embed the knowledge-base starter set (kb/*.md, kb/procedures.toml) in the binary, so that
//! `serve --demo` and `hqdesk kb import` work wherever the binary is installed.
use std::fmt::Write as _;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kb");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".md"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("/// The knowledge-base starter set: (file name, Markdown with front matter).\npub const ARTICLES: &[(&str, &str)] = &[\n");
    for n in &names {
        let path = dir.join(n);
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            out,
            "    ({n:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let procs = dir.join("procedures.toml");
    println!("cargo:rerun-if-changed={}", procs.display());
    let _ = writeln!(out, "/// The administrative procedures starter catalogue.\npub const PROCEDURES: &str = include_str!({:?});", procs.display().to_string());
    let dest =
        std::path::Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("kb_files.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        println!("cargo:warning=could not write {}: {e}", dest.display());
    }
}
