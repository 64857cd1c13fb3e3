//! Where a request comes from, for per-address limits (the portal's forms, sign-in throttling).
//!
//! The peer of the TCP connection is the client, unless it is one of the reverse proxies the
//! operator trusts (`HQDESK_TRUSTED_PROXIES`, none by default). Then `X-Forwarded-For` is read
//! from the right, hop by hop, while the hop is a trusted proxy: the first address that is not
//! is the client. Everything left of it was written by the client and could be anything, which
//! is why the leftmost entry is never believed.
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::state::AppState;

/// The reverse proxies whose `X-Forwarded-For` is believed: addresses and networks (CIDR).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list such as `127.0.0.1, ::1, 10.0.0.0/8`; empty means none.
    fn from_str(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{s:?} is neither an IP address nor a network (CIDR)"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }
}

impl TrustedProxies {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`, given the request's `X-Forwarded-For` header(s).
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        // Several headers count as one list, in order (RFC 9110 §5.3).
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                // A trusted proxy wrote something that is not an address: stop at the proxy,
                // which then stands for everyone behind it (stricter, never looser).
                None => break,
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: `203.0.113.9`, `2001:db8::1`, or with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The client's address as the server sees it (see the module's documentation). `None` only
/// for requests that did not come over a socket (in-process tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// The address as a key for per-address counters.
    pub fn key(&self) -> String {
        match self.0 {
            Some(ip) => ip.to_string(),
            None => "unknown".into(),
        }
    }

    pub fn of(parts: &Parts, trusted: &TrustedProxies) -> ClientAddr {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return ClientAddr(None);
        };
        if trusted.is_empty() && peer.is_loopback() && parts.headers.contains_key("x-forwarded-for")
        {
            warn_unconfigured_proxy_once();
        }
        ClientAddr(Some(trusted.client_ip(peer, &parts.headers)))
    }
}

/// A proxy on this host forwards requests but nobody said to trust it: every visitor then
/// shares the proxy's address (and its limits). Say so once, in the log, with the setting.
fn warn_unconfigured_proxy_once() {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "requests from a local proxy carry X-Forwarded-For, which is ignored: set HQDESK_TRUSTED_PROXIES (e.g. 127.0.0.1,::1) so that each visitor is counted by their own address"
        );
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddr, Self::Rejection> {
        Ok(ClientAddr::of(parts, &state.trusted_proxies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn client(trusted: &str, peer: &str, xff: &[&str]) -> String {
        let mut req = Request::builder().uri("/");
        for x in xff {
            req = req.header("x-forwarded-for", *x);
        }
        let mut req = req.body(()).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        let (parts, ()) = req.into_parts();
        ClientAddr::of(&parts, &trusted.parse().unwrap()).key()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        assert_eq!(client("", "127.0.0.1:5000", &["203.0.113.9"]), "127.0.0.1");
        assert_eq!(
            client("", "198.51.100.7:5000", &["203.0.113.9"]),
            "198.51.100.7"
        );
        assert_eq!(client("", "198.51.100.7:5000", &[]), "198.51.100.7");
    }

    #[test]
    fn a_trusted_proxy_names_the_rightmost_address_it_does_not_trust() {
        let local = "127.0.0.1, ::1";
        // nginx's $proxy_add_x_forwarded_for appends the peer it saw to what the client sent.
        assert_eq!(
            client(local, "127.0.0.1:5000", &["1.2.3.4, 203.0.113.9"]),
            "203.0.113.9",
            "the client's own entry (1.2.3.4) is not believed"
        );
        assert_eq!(client(local, "[::1]:5000", &["203.0.113.9"]), "203.0.113.9");
        // Two proxies in a row, both trusted; several headers are one list.
        assert_eq!(
            client(
                "127.0.0.1, 10.0.0.0/8",
                "127.0.0.1:5000",
                &["6.6.6.6, 203.0.113.9", "10.1.2.3"]
            ),
            "203.0.113.9"
        );
        // An untrusted peer cannot name anyone.
        assert_eq!(
            client(local, "198.51.100.7:5000", &["203.0.113.9"]),
            "198.51.100.7"
        );
        // No header, or a hop that is not an address: the proxy itself.
        assert_eq!(client(local, "127.0.0.1:5000", &[]), "127.0.0.1");
        assert_eq!(
            client(local, "127.0.0.1:5000", &["203.0.113.9, unknown"]),
            "127.0.0.1"
        );
        // Ports and IPv4-mapped IPv6 peers (a server listening on [::]).
        assert_eq!(
            client(local, "[::ffff:127.0.0.1]:5000", &["203.0.113.9:4711"]),
            "203.0.113.9"
        );
    }

    #[test]
    fn the_setting_takes_addresses_and_networks_and_refuses_anything_else() {
        let t: TrustedProxies = " 127.0.0.1 ,::1, 10.0.0.0/8,".parse().unwrap();
        assert_eq!(t.0.len(), 3);
        assert!(t.trusts("10.200.0.1".parse().unwrap()));
        assert!(!t.trusts("11.0.0.1".parse().unwrap()));
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
        let e = "127.0.0.1, localhost"
            .parse::<TrustedProxies>()
            .unwrap_err();
        assert!(e.contains("localhost"), "{e}");
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
    }
}
