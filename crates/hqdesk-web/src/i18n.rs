//! Translations: Vietnamese first, English second. Catalogues are TOML files of `key = "text"`
//! compiled into the binary; a test checks both have the same keys and every key a template uses.
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    Vi,
    En,
}

impl Locale {
    pub fn parse(s: &str) -> Locale {
        if s.eq_ignore_ascii_case("en") {
            Locale::En
        } else {
            Locale::Vi
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Locale::Vi => "vi",
            Locale::En => "en",
        }
    }
}

// Joined by build.rs from `locales/{vi,en}/*.toml` (one file per area of the product).
pub(crate) const VI: &str = include_str!(concat!(env!("OUT_DIR"), "/vi.toml"));
pub(crate) const EN: &str = include_str!(concat!(env!("OUT_DIR"), "/en.toml"));

fn parse(src: &'static str) -> HashMap<String, String> {
    toml::from_str::<HashMap<String, String>>(src).unwrap_or_default()
}

fn catalogue(locale: Locale) -> &'static HashMap<String, String> {
    static VI_MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN_MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    match locale {
        Locale::Vi => VI_MAP.get_or_init(|| parse(VI)),
        Locale::En => EN_MAP.get_or_init(|| parse(EN)),
    }
}

/// The translator handed to every template.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Locale);

impl Tr {
    /// The text for `key`; the key itself if missing (the completeness test keeps that from shipping).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        catalogue(self.0)
            .get(key)
            .map(String::as_str)
            .unwrap_or(key)
    }
    /// The text for a key built at run time, if the catalogue has it.
    pub fn lookup(&self, key: &str) -> Option<&'static str> {
        catalogue(self.0).get(key).map(String::as_str)
    }
    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn catalogues_parse_and_have_the_same_keys() {
        let vi: BTreeSet<_> = toml::from_str::<HashMap<String, String>>(VI)
            .unwrap()
            .into_keys()
            .collect();
        let en: BTreeSet<_> = toml::from_str::<HashMap<String, String>>(EN)
            .unwrap()
            .into_keys()
            .collect();
        assert!(vi.len() > 50);
        assert_eq!(
            vi.difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in en"
        );
        assert_eq!(
            en.difference(&vi).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in vi"
        );
    }

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
        let vi: HashMap<String, String> = toml::from_str(VI).unwrap();
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
                    vi.contains_key(key),
                    "key {key:?} is used but not translated"
                );
                used += 1;
            }
        }
        assert!(used > 40, "found {used} uses");
    }
}
