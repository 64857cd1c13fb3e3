//! Translations: Vietnamese first, English second. Catalogues are TOML files of `key = "text"`
//! compiled into the binary, one file per area under `locales/{vi,en}/`; the services (texts
//! written to requesters and into cases) and the web (pages, forms) read the same catalogues.
//! A test checks both have the same keys.
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
pub const VI: &str = include_str!(concat!(env!("OUT_DIR"), "/vi.toml"));
pub const EN: &str = include_str!(concat!(env!("OUT_DIR"), "/en.toml"));

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
    /// The text for `key`; the key itself if missing (the completeness tests keep that from
    /// shipping).
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
    /// The text for `key` with each `{name}` of `args` replaced by its value, in one pass: a
    /// value that contains `{…}` itself (a subject someone typed) is kept as it is. Unknown
    /// placeholders stay.
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args)
    }
    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
}

fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
    fn placeholders_are_filled_once_and_unknown_ones_stay() {
        assert_eq!(
            fill(
                "[{case}] {subject} {due}",
                &[("subject", "{due} {x"), ("due", "9:00")]
            ),
            "[{case}] {due} {x 9:00"
        );
        assert_eq!(fill("{a}{a}}{", &[("a", "1")]), "11}{");
        assert_eq!(fill("Hải {a} quan", &[("a", "ệ")]), "Hải ệ quan");
    }
}
