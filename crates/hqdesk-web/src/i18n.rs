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

pub(crate) const VI: &str = include_str!("../locales/vi.toml");
pub(crate) const EN: &str = include_str!("../locales/en.toml");

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

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let vi: HashMap<String, String> = toml::from_str(VI).unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut sources: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        sources.push(include_str!("console/mod.rs").to_string());
        sources.push(include_str!("console/views.rs").to_string());
        let mut used = 0;
        for src in &sources {
            for part in src.split(".t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
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
