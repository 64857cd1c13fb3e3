//! The demo's requesters: a pool of businesses that come back case after case, and citizens.
use std::collections::HashSet;

use rand::seq::SliceRandom;
use rand::Rng as _;

use super::DemoRequester;
use crate::people::{
    ascii_words, mobile, person_name, tax_code, FIRM_FORMS, FIRM_NAMES, FIRM_TRADES, MAIL_HOSTS,
};
use crate::Rng;

/// Mailboxes businesses write from.
const MAIL_BOXES: &[&str] = &["xnk", "info", "ketoan", "chungtu", "logistics", "import"];
const MAIL_TLDS: &[&str] = &["com.vn", "vn", "com"];

/// `count` businesses: every trade name once, then again in a second line of business.
pub(super) fn businesses(rng: &mut Rng, count: usize) -> Vec<DemoRequester> {
    let mut combos: Vec<(&str, &str)> = FIRM_NAMES
        .iter()
        .flat_map(|name| FIRM_TRADES.iter().map(move |trade| (*name, *trade)))
        .collect();
    combos.shuffle(rng);
    let mut named = HashSet::new();
    let mut taken = HashSet::new();
    let mut out = Vec::with_capacity(count);
    for second_pass in [false, true] {
        for &(name, trade) in &combos {
            if out.len() >= count {
                break;
            }
            if named.contains(name) != second_pass || !taken.insert((name, trade)) {
                continue;
            }
            named.insert(name);
            let email = rng.chance(0.85).then(|| {
                let mailbox = rng.pick_str(MAIL_BOXES);
                let tld = rng.pick_str(MAIL_TLDS);
                let domain = format!("{}{}", ascii_words(name, ""), ascii_words(trade, ""));
                format!("{mailbox}@{domain}.{tld}")
            });
            let phone = (email.is_none() || rng.chance(0.7)).then(|| mobile(rng));
            out.push(DemoRequester {
                name: person_name(rng),
                business_name: Some(format!("{} {trade} {name}", rng.pick_str(FIRM_FORMS))),
                tax_code: tax_code(rng),
                email,
                phone,
            });
        }
    }
    out
}

/// A citizen, reachable by phone (always with `with_phone`) or by e-mail.
pub(super) fn citizen(rng: &mut Rng, with_phone: bool) -> DemoRequester {
    let name = person_name(rng);
    let (email, phone) = if with_phone || rng.chance(0.5) {
        (None, Some(mobile(rng)))
    } else {
        let n = rng.gen_range(70u32..100);
        let host = rng.pick_str(MAIL_HOSTS);
        (Some(format!("{}{n}@{host}", ascii_words(&name, ""))), None)
    };
    DemoRequester {
        name,
        business_name: None,
        tax_code: None,
        email,
        phone,
    }
}

/// A business of the pool, skewed so that some reappear across many cases.
pub(super) fn pick_business(rng: &mut Rng, pool: &[DemoRequester]) -> Option<DemoRequester> {
    if pool.is_empty() {
        return None;
    }
    let a = rng.below(pool.len());
    let b = rng.below(pool.len());
    pool.get(a.min(b)).cloned()
}

/// "0912345678" → "0912 345 678"
pub(super) fn spaced_phone(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 2);
    for (i, c) in p.chars().enumerate() {
        if i == 4 || i == 7 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
