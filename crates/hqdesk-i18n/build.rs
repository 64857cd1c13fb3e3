//! Joins the translation catalogues: each area of the product keeps its own file under
//! `locales/{vi,en}/`, and the binary gets one catalogue per language.
// A build script that cannot read its inputs must stop the build.
#![allow(clippy::expect_used)]

use std::fs;
use std::path::Path;

fn main() {
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    for lang in ["vi", "en"] {
        let dir = Path::new("locales").join(lang);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = fs::read_dir(&dir)
            .expect("locales directory")
            .map(|e| e.expect("locale entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        let mut joined = String::new();
        for f in files {
            println!("cargo:rerun-if-changed={}", f.display());
            joined.push_str(&format!("# {}\n", f.display()));
            joined.push_str(&fs::read_to_string(&f).expect("read locale file"));
            joined.push('\n');
        }
        fs::write(Path::new(&out).join(format!("{lang}.toml")), joined).expect("write catalogue");
    }
}
