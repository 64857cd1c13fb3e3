//! The variable parts of one demo case, drawn once so that its subject, body and answers speak
//! of the same declaration, port, goods and error.
use rand::Rng as _;

use crate::customs::{self, Goods, Port};
use crate::Rng;

/// The border gates of the demo's regional units.
const DEMO_REGIONS: &[&str] = &["KV1", "KV2", "KV3", "KV8"];

pub(super) struct Vars {
    tk: String,
    tkx: String,
    port: &'static str,
    /// The regional unit that clears `port`.
    pub(super) unit: &'static str,
    goods: Goods,
    pub(super) date: String,
    err: &'static str,
    err_msg: &'static str,
    ca: &'static str,
    ca2: &'static str,
    bank: &'static str,
    amount: String,
    licence: &'static str,
    country: &'static str,
    conum: String,
    border: &'static str,
    place: &'static str,
}

/// "125.430.000": thousands grouped the Vietnamese way.
pub(super) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .filter_map(|g| std::str::from_utf8(g).ok())
        .collect();
    groups.join(".")
}

impl Vars {
    pub(super) fn random(rng: &mut Rng) -> Vars {
        let ports: Vec<Port> = customs::PORTS
            .iter()
            .filter(|p| DEMO_REGIONS.contains(&p.unit))
            .copied()
            .collect();
        let port = rng.pick(&ports).unwrap_or(customs::PORTS[0]);
        let goods = rng.pick(customs::GOODS).unwrap_or(customs::GOODS[0]);
        let (err, err_msg) = rng
            .pick(customs::ERRORS)
            .unwrap_or(("E1000", "Lỗi hệ thống"));
        let ca = rng.pick(customs::CAS).unwrap_or("VNPT-CA");
        let others: Vec<&'static str> = customs::CAS.iter().copied().filter(|c| *c != ca).collect();
        let ca2 = rng.pick(&others).unwrap_or("Viettel-CA");
        let month: u32 = rng.gen_range(1..=12);
        let day: u32 = rng.gen_range(1..=28);
        let year: u32 = if rng.chance(0.7) { 2025 } else { 2026 };
        let amount = rng.gen_range(2_000u64..900_000) * 1_000;
        let (country, co_code) = rng.pick(customs::COUNTRIES).unwrap_or(("Thái Lan", "TH"));
        Vars {
            tk: format!("10{}", rng.gen_range(5_000_000_000u64..8_000_000_000)),
            tkx: format!("30{}", rng.gen_range(5_000_000_000u64..8_000_000_000)),
            port: port.name,
            unit: port.unit,
            goods,
            date: format!("{day:02}/{month:02}/{year}"),
            err,
            err_msg,
            ca,
            ca2,
            bank: rng.pick_str(customs::BANKS),
            amount: format!("{} đồng", group_thousands(amount)),
            licence: rng.pick_str(customs::LICENCES),
            country,
            conum: format!(
                "{co_code}{}-{:05}",
                year % 100,
                rng.gen_range(1u32..100_000)
            ),
            border: rng.pick_str(customs::BORDERS),
            place: rng.pick_str(customs::PLACES),
        }
    }

    /// `template` with every `{placeholder}` of this case put in.
    pub(super) fn fill(&self, template: &str) -> String {
        template
            .replace("{tk}", &self.tk)
            .replace("{tkx}", &self.tkx)
            .replace("{port}", self.port)
            .replace("{goods_en}", self.goods.english)
            .replace("{goods}", self.goods.name)
            .replace("{hs}", self.goods.hs)
            .replace("{date}", &self.date)
            .replace("{err_msg}", self.err_msg)
            .replace("{err}", self.err)
            .replace("{ca2}", self.ca2)
            .replace("{ca}", self.ca)
            .replace("{bank}", self.bank)
            .replace("{amount}", &self.amount)
            .replace("{licence}", self.licence)
            .replace("{country}", self.country)
            .replace("{conum}", &self.conum)
            .replace("{border}", self.border)
            .replace("{place}", self.place)
    }
}
