use clap::Parser;

use super::*;

const FILE: &str = r#"
listen = "127.0.0.1:7001"
telephony_secret = "file-telephony-secret"
metrics_token = "file-metrics-token"
ami_addr = "pbx.example.vn:5038"
ami_user = "hqdesk"
ami_secret = "file-ami-secret"
"#;

fn cli(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("hqdesk").chain(args.iter().copied())).unwrap()
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn serve(args: &[&str], env: &dyn Fn(&str) -> Option<String>, file: &str) -> ServeSettings {
    let file = FileConfig::parse(file).unwrap();
    Settings::resolve(&cli(args), env, &file)
        .unwrap()
        .serve
        .unwrap()
}

fn refused(args: &[&str], env: &dyn Fn(&str) -> Option<String>, file: &str) -> String {
    let file = FileConfig::parse(file).unwrap();
    format!(
        "{:#}",
        Settings::resolve(&cli(args), env, &file).unwrap_err()
    )
}

/// Flag over file over default (the environment variable of a flag is the parser's: see the
/// integration test `config`).
#[test]
fn a_flag_beats_the_file_which_beats_the_default() {
    assert_eq!(serve(&["serve"], &no_env, "").listen, DEFAULT_LISTEN);
    assert_eq!(serve(&["serve"], &no_env, FILE).listen, "127.0.0.1:7001");
    let flagged = serve(&["serve", "--listen", "127.0.0.1:7002"], &no_env, FILE);
    assert_eq!(flagged.listen, "127.0.0.1:7002");
}

#[test]
fn a_secret_comes_from_the_environment_before_the_file() {
    let none = serve(&["serve"], &no_env, "");
    assert!(none.telephony_secret.is_none() && none.metrics_token.is_none() && none.ami.is_none());
    let from_file = serve(&["serve"], &no_env, FILE);
    assert_eq!(
        from_file.telephony_secret.unwrap().expose(),
        "file-telephony-secret"
    );
    assert_eq!(from_file.ami.unwrap().secret.expose(), "file-ami-secret");
    let env = |name: &str| match name {
        TELEPHONY_SECRET_ENV => Some("env-telephony-secret".to_string()),
        METRICS_TOKEN_ENV => Some(String::new()), // empty: unset, as always
        _ => None,
    };
    let from_env = serve(&["serve"], &env, FILE);
    assert_eq!(
        from_env.telephony_secret.unwrap().expose(),
        "env-telephony-secret"
    );
    assert_eq!(
        from_env.metrics_token.unwrap().expose(),
        "file-metrics-token"
    );
}

#[test]
fn the_secrets_have_no_flag() {
    for flag in ["--telephony-secret", "--ami-secret", "--metrics-token"] {
        assert!(
            Cli::try_parse_from(["hqdesk", "serve", flag, "x"]).is_err(),
            "{flag}"
        );
    }
}

#[test]
fn an_unknown_key_in_the_file_is_refused() {
    let e = FileConfig::parse("listne = \"127.0.0.1:8080\"\n").unwrap_err();
    assert!(format!("{e:#}").contains("unknown field `listne`"), "{e:#}");
}

#[test]
fn debug_of_the_settings_shows_no_secret() {
    let env = |name: &str| (name == METRICS_TOKEN_ENV).then(|| "env-metrics-token".to_string());
    let file = FileConfig::parse(FILE).unwrap();
    let args = [
        "--database",
        "postgres://hqdesk:db-password@db.example.vn/hqdesk",
        "serve",
    ];
    let settings = Settings::resolve(&cli(&args), &env, &file).unwrap();
    let shown = format!("{settings:?} {settings:#?} {file:?}");
    for secret in [
        "file-telephony-secret",
        "file-ami-secret",
        "env-metrics-token",
        "db-password",
    ] {
        assert!(!shown.contains(secret), "{secret} shown in {shown}");
    }
    assert!(shown.contains("[redacted]") && shown.contains("pbx.example.vn:5038"));
}

#[test]
fn values_that_cannot_work_are_refused_by_name() {
    let e = refused(
        &["serve", "--public-url", "hotro.customs.gov.vn"],
        &no_env,
        "",
    );
    assert!(
        e.starts_with("HQDESK_PUBLIC_URL must start with http:// or https://"),
        "{e}"
    );
    let e = refused(&["serve", "--trusted-proxies", "10.0.0.0/33"], &no_env, "");
    assert!(e.starts_with("HQDESK_TRUSTED_PROXIES: "), "{e}");
    let e = refused(&["serve", "--ami-addr", "pbx.example.vn:5038"], &no_env, "");
    assert!(
        e.ends_with("missing: HQDESK_AMI_USER, HQDESK_AMI_SECRET"),
        "{e}"
    );
    let e = refused(&["--log-filter", "info,[", "migrate"], &no_env, "");
    assert!(e.starts_with("HQDESK_LOG "), "{e}");
    let e = refused(&["serve"], &no_env, "max_body_bytes = 10\n");
    assert_eq!(e, "max_body_bytes must be at least 1024");
}

#[test]
fn only_serve_resolves_the_server_settings() {
    let file = FileConfig::parse("public_url = \"not a url\"\n").unwrap();
    let settings = Settings::resolve(&cli(&["migrate"]), &no_env, &file).unwrap();
    assert!(settings.serve.is_none());
    assert_eq!(settings.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
    assert_eq!(
        settings.secret_key_file,
        settings.data_dir.join("secret.key")
    );
}
