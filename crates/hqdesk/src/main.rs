//! The `hqdesk` binary: parse the command line and dispatch. Everything else is library code.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    hqdesk::cli::main().await
}
