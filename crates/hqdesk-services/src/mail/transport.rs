//! Where a mailbox's mail comes from and goes to: `imap://`, `imaps://`, `smtp://` and `smtps://`
//! URLs, checked once when a mailbox is configured and parsed again by each connection.
//!
//! - `imap://USER:PASS@HOST[:143]/FOLDER` and `smtp://[USER:PASS@]HOST[:25]`: STARTTLS, which the
//!   server must offer unless the mailbox allows plain text (`insecure_plain`), and that only to
//!   a loopback host (a relay on the same machine, a test server).
//! - `imaps://…[:993]` and `smtps://…[:465]`: TLS from the first byte.
//!
//! User names and passwords are percent-decoded (`support%40example.vn` for an `@`). The folder
//! defaults to `INBOX`. Passwords never appear in messages: see [`redact`].
use std::fmt;
use std::net::IpAddr;

/// How a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`imaps://`, `smtps://`).
    Tls,
    /// STARTTLS; when the server does not offer it, plain text if `insecure_plain` was allowed
    /// (loopback only), an error otherwise.
    StartTls { allow_plain: bool },
}

#[derive(Clone, PartialEq, Eq)]
pub struct ImapTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password: String,
    pub folder: String,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// User and password, when the server wants authentication.
    pub credentials: Option<(String, String)>,
}

impl fmt::Debug for ImapTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|c| &c.0))
            .finish_non_exhaustive()
    }
}

/// Why a URL is refused; the message is meant for the operator as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UrlError {
    pub code: &'static str,
    pub message: String,
}

fn err(code: &'static str, message: impl Into<String>) -> UrlError {
    UrlError {
        code,
        message: message.into(),
    }
}

/// Whether `host` is this machine: `localhost`, 127.0.0.0/8 or ::1.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") || h.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    h.parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

struct Parts {
    scheme: String,
    host: String,
    port: Option<u16>,
    user: String,
    password: Option<String>,
    path: String,
}

fn decode(s: &str, what: &str) -> Result<String, UrlError> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| {
            err(
                "url_encoding",
                format!("the {what} is not valid UTF-8 once decoded"),
            )
        })
}

fn split(raw: &str, kind: &str) -> Result<Parts, UrlError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(err("url_missing", format!("the {kind} URL is missing")));
    }
    let u = url::Url::parse(raw).map_err(|e| {
        err(
            "url_invalid",
            format!(
                "the {kind} URL is not a valid URL ({e}); expected e.g. {}",
                example(kind)
            ),
        )
    })?;
    let host = u
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            err(
                "url_host",
                format!(
                    "the {kind} URL has no host; expected e.g. {}",
                    example(kind)
                ),
            )
        })?
        .to_string();
    if u.query().is_some() || u.fragment().is_some() {
        return Err(err(
            "url_invalid",
            format!("the {kind} URL must not have a query or fragment"),
        ));
    }
    Ok(Parts {
        scheme: u.scheme().to_ascii_lowercase(),
        host,
        port: u.port(),
        user: decode(u.username(), "user name")?,
        password: u.password().map(|p| decode(p, "password")).transpose()?,
        path: decode(u.path().trim_start_matches('/'), "folder")?,
    })
}

fn example(kind: &str) -> &'static str {
    if kind == "IMAP" {
        "imap://USER:PASSWORD@HOST:143/INBOX or imaps://USER:PASSWORD@HOST:993/INBOX"
    } else {
        "smtp://USER:PASSWORD@HOST:587 or smtps://HOST:465"
    }
}

fn security(tls: bool, host: &str, insecure_plain: bool, kind: &str) -> Result<Security, UrlError> {
    if tls {
        return Ok(Security::Tls);
    }
    if insecure_plain && !is_loopback(host) {
        return Err(err(
            "insecure_plain_remote",
            format!(
                "plain text (--insecure-plain) is allowed only to this machine (localhost, 127.0.0.1, ::1), \
                 not to {host}; use STARTTLS or the {}s:// scheme",
                kind.to_ascii_lowercase()
            ),
        ));
    }
    Ok(Security::StartTls {
        allow_plain: insecure_plain,
    })
}

/// Parse and check an IMAP URL.
pub fn parse_imap(raw: &str, insecure_plain: bool) -> Result<ImapTarget, UrlError> {
    let p = split(raw, "IMAP")?;
    let (tls, default_port) = match p.scheme.as_str() {
        "imap" => (false, 143),
        "imaps" => (true, 993),
        other => {
            return Err(err(
                "url_scheme",
                format!("the IMAP URL must start with imap:// or imaps://, not {other}://"),
            ))
        }
    };
    if p.user.is_empty() {
        return Err(err(
            "url_user",
            format!("the IMAP URL needs a user name: {}", example("IMAP")),
        ));
    }
    let Some(password) = p.password.filter(|s| !s.is_empty()) else {
        return Err(err(
            "url_password",
            format!("the IMAP URL needs a password: {}", example("IMAP")),
        ));
    };
    if p.path.contains('/') && p.path.ends_with('/') {
        return Err(err("url_folder", "the IMAP folder must not end with '/'"));
    }
    if p.path
        .chars()
        .any(|c| c.is_control() || c == '"' || c == '\\')
    {
        return Err(err(
            "url_folder",
            "the IMAP folder must not contain quotes, backslashes or control characters",
        ));
    }
    Ok(ImapTarget {
        security: security(tls, &p.host, insecure_plain, "IMAP")?,
        host: p.host,
        port: p.port.unwrap_or(default_port),
        user: p.user,
        password,
        folder: if p.path.is_empty() {
            "INBOX".into()
        } else {
            p.path
        },
    })
}

/// Parse and check an SMTP URL.
pub fn parse_smtp(raw: &str, insecure_plain: bool) -> Result<SmtpTarget, UrlError> {
    let p = split(raw, "SMTP")?;
    let (tls, default_port) = match p.scheme.as_str() {
        "smtp" => (false, 25),
        "smtps" => (true, 465),
        other => {
            return Err(err(
                "url_scheme",
                format!("the SMTP URL must start with smtp:// or smtps://, not {other}://"),
            ))
        }
    };
    if !p.path.is_empty() {
        return Err(err(
            "url_invalid",
            format!("the SMTP URL has no path: {}", example("SMTP")),
        ));
    }
    let credentials = match (p.user.is_empty(), p.password) {
        (true, None) => None,
        (false, Some(pw)) if !pw.is_empty() => Some((p.user, pw)),
        _ => {
            return Err(err(
                "url_credentials",
                "the SMTP URL needs both a user name and a password, or neither",
            ))
        }
    };
    Ok(SmtpTarget {
        security: security(tls, &p.host, insecure_plain, "SMTP")?,
        host: p.host,
        port: p.port.unwrap_or(default_port),
        credentials,
    })
}

/// A mailbox URL without its password, for pages, logs and messages.
pub fn redact(raw: &str) -> String {
    match url::Url::parse(raw.trim()) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => hqdesk_store::dialect::redact(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imap_urls() {
        let t = parse_imap(
            "imap://support%40example.vn:p%C3%A1ss@mail.example.vn:1143/INBOX",
            false,
        )
        .unwrap();
        assert_eq!(t.host, "mail.example.vn");
        assert_eq!(t.port, 1143);
        assert_eq!(t.user, "support@example.vn");
        assert_eq!(t.password, "páss");
        assert_eq!(t.folder, "INBOX");
        assert_eq!(t.security, Security::StartTls { allow_plain: false });
        let t = parse_imap("imaps://u:p@mail.example.vn", false).unwrap();
        assert_eq!(
            (t.port, t.security, t.folder.as_str()),
            (993, Security::Tls, "INBOX")
        );
        let t = parse_imap("imap://u:p@127.0.0.1:1430/H%E1%BB%97%20tr%E1%BB%A3", true).unwrap();
        assert_eq!(t.security, Security::StartTls { allow_plain: true });
        assert_eq!(t.folder, "Hỗ trợ");
        assert!(parse_imap("imap://u:p@[::1]:1430/INBOX", true).is_ok());
        assert!(parse_imap("imap://u:p@localhost/INBOX", true).is_ok());
    }

    #[test]
    fn bad_imap_urls_say_why() {
        for (url, plain, code) in [
            ("", false, "url_missing"),
            ("mail.example.vn", false, "url_invalid"),
            ("pop3://u:p@mail.example.vn", false, "url_scheme"),
            ("imap://mail.example.vn/INBOX", false, "url_user"),
            ("imap://u@mail.example.vn/INBOX", false, "url_password"),
            (
                "imap://u:p@mail.example.vn/INBOX",
                true,
                "insecure_plain_remote",
            ),
            ("imap://u:p@10.0.0.5/INBOX", true, "insecure_plain_remote"),
            (
                "imap://u:p@mail.example.vn:99999/INBOX",
                false,
                "url_invalid",
            ),
            ("imap://u:p@mail.example.vn/IN%22BOX", false, "url_folder"),
        ] {
            let e = parse_imap(url, plain).unwrap_err();
            assert_eq!(e.code, code, "{url}: {e}");
            assert!(!e.message.contains(":p@"), "{e}");
        }
    }

    #[test]
    fn smtp_urls() {
        let t = parse_smtp("smtp://127.0.0.1:2525", true).unwrap();
        assert_eq!((t.port, t.credentials.clone()), (2525, None));
        let t = parse_smtp("smtps://u%40x.vn:pw@smtp.example.vn", false).unwrap();
        assert_eq!(t.port, 465);
        assert_eq!(t.credentials, Some(("u@x.vn".into(), "pw".into())));
        assert_eq!(
            parse_smtp("smtp://smtp.example.vn", false).unwrap().port,
            25
        );
        for (url, plain, code) in [
            ("http://smtp.example.vn", false, "url_scheme"),
            ("smtp://u@smtp.example.vn", false, "url_credentials"),
            ("smtp://smtp.example.vn/x", false, "url_invalid"),
            ("smtp://smtp.example.vn:25", true, "insecure_plain_remote"),
        ] {
            assert_eq!(parse_smtp(url, plain).unwrap_err().code, code, "{url}");
        }
    }

    #[test]
    fn passwords_are_redacted_and_hidden_from_debug() {
        assert_eq!(
            redact("imap://support:s3cret@mail.example.vn:143/INBOX"),
            "imap://support:***@mail.example.vn:143/INBOX"
        );
        let t = parse_imap("imap://support:s3cret@mail.example.vn/INBOX", false).unwrap();
        assert!(!format!("{t:?}").contains("s3cret"));
        let s = parse_smtp("smtp://support:s3cret@mail.example.vn", false).unwrap();
        assert!(!format!("{s:?}").contains("s3cret"));
    }
}
