//! Texts the services write into cases and to requesters, from the catalogue shared with the
//! web (`hqdesk-i18n`). Cases are worked in Vietnamese; mail to a requester whose language is not
//! known carries both languages, Vietnamese first.
use hqdesk_i18n::{Locale, Tr};

/// The text for `key` in `locale`, its `{name}` placeholders filled from `args`.
pub(crate) fn in_locale(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    Tr(locale).fill(key, args)
}

/// The Vietnamese text for `key`.
pub(crate) fn vi(key: &str, args: &[(&str, &str)]) -> String {
    in_locale(Locale::Vi, key, args)
}

/// The Vietnamese text for `key`, `between`, then the English one.
pub(crate) fn bilingual(key: &str, args: &[(&str, &str)], between: &str) -> String {
    format!(
        "{}{between}{}",
        in_locale(Locale::Vi, key, args),
        in_locale(Locale::En, key, args)
    )
}

/// The hotline's number, given in mail to requesters.
pub(crate) const HOTLINE: &str = "1900 9299";

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `texts::…("key"` of the services' sources.
    fn keys_used(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                keys_used(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let src = std::fs::read_to_string(&path).unwrap();
                for call in src.split("texts::").skip(1) {
                    if let Some(key) = call.split('"').nth(1) {
                        if key.contains('.') && !key.contains(' ') {
                            out.push(key.to_string());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_key_the_services_use_is_in_both_catalogues() {
        let mut used = Vec::new();
        keys_used(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut used,
        );
        assert!(used.len() >= 10, "found {used:?}");
        for key in &used {
            for locale in [Locale::Vi, Locale::En] {
                assert!(
                    Tr(locale).lookup(key).is_some(),
                    "{key} missing in {locale:?}"
                );
            }
        }
    }

    #[test]
    fn bilingual_texts_put_vietnamese_first() {
        assert_eq!(
            bilingual("mail.unreadable.subject", &[], " / "),
            "Thư không đọc được / Unreadable mail"
        );
        assert_eq!(
            vi("callback.subject.missed", &[("number", "0912 345 678")]),
            "Gọi lại: cuộc gọi nhỡ từ 0912 345 678"
        );
    }
}
