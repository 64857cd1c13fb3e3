//! What every handler reaches: the services and the settings of the HTTP layer.
use hqdesk_domain::secret::Secret;
use hqdesk_services::Services;

use crate::client_addr::TrustedProxies;
use crate::limits::RequestLimits;

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    /// Shared secret of the signed telephony webhook (`HQDESK_TELEPHONY_SECRET`).
    pub telephony_secret: Option<Secret>,
    /// Where visitors reach this server (`HQDESK_PUBLIC_URL`), for links in mails.
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`HQDESK_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// The bearer token that reads `/metrics` (`HQDESK_METRICS_TOKEN`); without one, only
    /// this machine may.
    pub metrics_token: Option<Secret>,
    /// Turns true when the server is stopping: endless responses (live updates) end then, so
    /// that a graceful shutdown does not wait for browsers to go away.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

/// Settings of the HTTP layer.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    pub telephony_secret: Option<Secret>,
    /// The address visitors use, e.g. `https://hotro.customs.gov.vn`: links in mails start with it.
    pub public_url: Option<String>,
    /// Reverse proxies trusted to name the client in `X-Forwarded-For`; none by default.
    pub trusted_proxies: TrustedProxies,
    /// `HQDESK_METRICS_TOKEN` (see [`AppState::metrics_token`]).
    pub metrics_token: Option<Secret>,
    /// Set to true when the server stops (see [`AppState::stopping`]).
    pub stopping: Option<tokio::sync::watch::Receiver<bool>>,
    /// Body sizes, body deadline, requests at once.
    pub limits: RequestLimits,
}

impl AppState {
    pub(crate) fn new(services: Services, config: WebConfig) -> AppState {
        AppState {
            services,
            telephony_secret: config.telephony_secret,
            public_url: config
                .public_url
                .map(|u| u.trim_end_matches('/').to_string()),
            trusted_proxies: config.trusted_proxies,
            metrics_token: config.metrics_token.filter(|t| !t.expose().is_empty()),
            // Without a stop signal (tests, embedding), a channel whose sender is gone: never stops.
            stopping: config
                .stopping
                .unwrap_or_else(|| tokio::sync::watch::channel(false).1),
        }
    }
}
