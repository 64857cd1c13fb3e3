//! Translations, from the catalogue shared with the services (`hqdesk-i18n`); a test checks that
//! every key a template or handler uses is translated.
pub use hqdesk_i18n::{Locale, Tr};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir` (recursively) whose name ends with one of `exts`.
    fn sources_under(dir: &std::path::Path, exts: &[&str], out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources_under(&path, exts, out);
            } else if exts
                .iter()
                .any(|e| path.extension().is_some_and(|x| x == *e))
            {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let vi = Tr(Locale::Vi);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        sources_under(&root.join("templates"), &["html", "txt"], &mut sources);
        sources_under(&root.join("src"), &["rs"], &mut sources);
        let mut used = 0;
        for src in &sources {
            for part in src.split(".t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                if key.is_empty() || key.contains('{') {
                    continue;
                }
                assert!(
                    vi.lookup(key).is_some(),
                    "key {key:?} is used but not translated"
                );
                used += 1;
            }
        }
        assert!(used > 40, "found {used} uses");
    }
}
