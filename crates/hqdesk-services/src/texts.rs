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

    /// The catalogue keys among the string literals of `call`, which starts after `(`: up to
    /// its closing parenthesis.
    fn keys_in_call(call: &str, out: &mut Vec<String>) {
        let (mut depth, mut literal, mut in_literal, mut escaped) =
            (1, String::new(), false, false);
        for c in call.chars() {
            if in_literal {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => {
                        in_literal = false;
                        let is_key = literal.contains('.')
                            && literal.chars().all(|c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                            });
                        if is_key {
                            out.push(std::mem::take(&mut literal));
                        }
                        literal.clear();
                    }
                    c => literal.push(c),
                }
                continue;
            }
            match c {
                '"' => in_literal = true,
                '(' => depth += 1,
                ')' if depth == 1 => return,
                ')' => depth -= 1,
                _ => {}
            }
        }
    }

    /// Every key passed to `texts::vi`, `texts::bilingual` or `texts::in_locale` in the
    /// services' sources.
    fn keys_used(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                keys_used(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let src = std::fs::read_to_string(&path).unwrap();
                for part in src.split("texts::").skip(1) {
                    for f in ["vi(", "bilingual(", "in_locale("] {
                        if let Some(call) = part.strip_prefix(f) {
                            keys_in_call(call, out);
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
        assert!(used.len() >= 16, "found {used:?}");
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
