//! The demo of `hqdesk serve --demo`: organisational units, staff accounts and a deterministic
//! bank of realistic cases for the customs contact centre (hotline 1900 9299), with their
//! conversations. Pure data, no I/O: `hqdesk`'s demo loader writes it through the services.
mod bank;
mod canned;
mod requesters;
mod vars;

use hqdesk_domain::unit::UnitLevel;
use rand::Rng as _;

use crate::customs::{Unit, HEADQUARTERS};
use crate::people::mobile;
use crate::Rng;
use bank::{
    internal_note, staff_answer, staff_question, t, DENUNCIATIONS, FOLLOW_UPS, INQUIRIES,
    PERSONAL_INQUIRIES, PROCEDURE_PROBLEMS, RATING_FOLLOW_UPS, SUGGESTIONS, THANKS,
};
pub use canned::{Canned, CANNED_RESPONSES};
use requesters::{businesses, citizen, pick_business, spaced_phone};
use vars::Vars;

/// The demo's units, parents before children: the headquarters, and four regional
/// sub-departments with the team of their main border gate.
pub fn units() -> Vec<Unit> {
    let region = |code, name| Unit {
        code,
        name,
        parent: Some("CHQ"),
        level: UnitLevel::SubDepartment,
    };
    let team = |code, name, parent| Unit {
        code,
        name,
        parent: Some(parent),
        level: UnitLevel::Team,
    };
    let mut units = HEADQUARTERS.to_vec();
    units.extend([
        region("KV1", "Chi cục Hải quan khu vực I"),
        team("KV1-NB", "Hải quan sân bay quốc tế Nội Bài", "KV1"),
        region("KV2", "Chi cục Hải quan khu vực II"),
        team("KV2-CL", "Hải quan cửa khẩu cảng Sài Gòn khu vực I", "KV2"),
        region("KV3", "Chi cục Hải quan khu vực III"),
        team("KV3-HP", "Hải quan cửa khẩu cảng Hải Phòng", "KV3"),
        region("KV8", "Chi cục Hải quan khu vực VIII"),
        team("KV8-MC", "Hải quan cửa khẩu quốc tế Móng Cái", "KV8"),
    ]);
    units
}

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    /// "agent" | "hotline" | "investigator" | "unit_officer" | "supervisor" | "admin" | "custodian"
    pub role: &'static str,
    pub unit: Option<&'static str>,
}

const AGENTS: &[&str] = &["lan.nguyen", "hung.tran", "mai.le", "tuan.pham"];
const HOTLINE: &[&str] = &["thu.hoang", "duc.vu"];
const INVESTIGATORS: &[&str] = &["son.dang", "hai.bui"];
const SUPERVISOR: &str = "binh.phan";

/// Staff accounts.
pub fn users() -> Vec<DemoUser> {
    fn u(
        username: &'static str,
        display_name: &'static str,
        role: &'static str,
        unit: Option<&'static str>,
    ) -> DemoUser {
        DemoUser {
            username,
            display_name,
            role,
            unit,
        }
    }
    vec![
        u("lan.nguyen", "Nguyễn Thị Lan", "agent", Some("HELPDESK")),
        u("hung.tran", "Trần Văn Hùng", "agent", Some("HELPDESK")),
        u("mai.le", "Lê Thị Mai", "agent", Some("HELPDESK")),
        u("tuan.pham", "Phạm Anh Tuấn", "agent", Some("HELPDESK")),
        u("thu.hoang", "Hoàng Thị Thu", "hotline", Some("HELPDESK")),
        u("duc.vu", "Vũ Minh Đức", "hotline", Some("HELPDESK")),
        u("son.dang", "Đặng Văn Sơn", "investigator", Some("DDN")),
        u("hai.bui", "Bùi Quang Hải", "investigator", Some("DDN")),
        u("nga.trinh", "Trịnh Thị Nga", "custodian", Some("DDN")),
        u("ha.do", "Đỗ Thu Hà", "unit_officer", Some("KV1")),
        u("khoa.ngo", "Ngô Đăng Khoa", "unit_officer", Some("KV2")),
        u(
            "long.duong",
            "Dương Thành Long",
            "unit_officer",
            Some("KV3"),
        ),
        u("quynh.ly", "Lý Như Quỳnh", "unit_officer", Some("KV8")),
        u("binh.phan", "Phan Thanh Bình", "supervisor", Some("TTDL")),
        u("admin", "Quản trị hệ thống", "admin", None),
    ]
}

/// The unit officer responsible for a regional sub-department.
fn unit_officer(unit: &str) -> Option<&'static str> {
    match unit {
        "KV1" => Some("ha.do"),
        "KV2" => Some("khoa.ngo"),
        "KV3" => Some("long.duong"),
        "KV8" => Some("quynh.ly"),
        _ => None,
    }
}

/// Someone who contacts the centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRequester {
    pub name: String,
    pub business_name: Option<String>,
    pub tax_code: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One message on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMessage {
    pub from_staff: bool,
    pub internal: bool,
    pub body: String,
}

/// One demo case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCase {
    /// "inquiry" | "procedure_problem" | "denunciation" | "suggestion" | "rating_follow_up" | "callback"
    pub kind: &'static str,
    /// 1 or 2
    pub branch: u8,
    /// "phone" | "email" | "portal" | "api" | "staff"
    pub channel: &'static str,
    pub category: &'static str,
    /// "low" | "normal" | "high" | "urgent"
    pub priority: &'static str,
    pub subject: String,
    pub body: String,
    pub requester: Option<DemoRequester>,
    pub unit: Option<&'static str>,
    pub assignee: Option<&'static str>,
    pub replies: Vec<DemoMessage>,
    /// "new" | "open" | "waiting" | "resolved" | "closed"
    pub status: &'static str,
}

fn greeting(requester: Option<&DemoRequester>) -> &'static str {
    match requester {
        Some(r) if r.business_name.is_some() => "Kính gửi Quý Doanh nghiệp,",
        _ => "Kính gửi Ông/Bà,",
    }
}

fn staff(body: String) -> DemoMessage {
    DemoMessage {
        from_staff: true,
        internal: false,
        body,
    }
}

fn internal(body: String) -> DemoMessage {
    DemoMessage {
        from_staff: true,
        internal: true,
        body,
    }
}

fn customer(body: &str) -> DemoMessage {
    DemoMessage {
        from_staff: false,
        internal: false,
        body: body.to_string(),
    }
}

fn regular_channel(rng: &mut Rng) -> &'static str {
    match rng.gen_range(0..100) {
        0..=44 => "phone",
        45..=79 => "email",
        80..=91 => "portal",
        92..=96 => "staff",
        _ => "api",
    }
}

fn status(rng: &mut Rng) -> &'static str {
    match rng.gen_range(0..100) {
        0..=19 => "new",
        20..=44 => "open",
        45..=59 => "waiting",
        60..=84 => "resolved",
        _ => "closed",
    }
}

/// `count` cases, deterministic for a given `seed`.
pub fn cases(count: usize, seed: u64) -> Vec<DemoCase> {
    let mut rng = Rng::new(seed);
    let pool = businesses(&mut rng, 60);
    (0..count).map(|_| one_case(&mut rng, &pool)).collect()
}

fn one_case(rng: &mut Rng, pool: &[DemoRequester]) -> DemoCase {
    let v = Vars::random(rng);
    let roll = rng.gen_range(0..100);
    let mut status = status(rng);
    let fallback = t("b2.feedback", "Góp ý", "Góp ý.");

    let (kind, branch, tpl) = match roll {
        0..=7 => (
            "denunciation",
            1u8,
            rng.pick(DENUNCIATIONS).unwrap_or(fallback),
        ),
        8..=12 => ("suggestion", 2, rng.pick(SUGGESTIONS).unwrap_or(fallback)),
        13..=19 => ("callback", 2, fallback),
        20..=23 => (
            "rating_follow_up",
            1,
            rng.pick(RATING_FOLLOW_UPS).unwrap_or(fallback),
        ),
        24..=48 => (
            "procedure_problem",
            1,
            rng.pick(PROCEDURE_PROBLEMS).unwrap_or(fallback),
        ),
        _ => {
            if rng.chance(0.1) {
                (
                    "inquiry",
                    2,
                    rng.pick(PERSONAL_INQUIRIES).unwrap_or(fallback),
                )
            } else {
                ("inquiry", 2, rng.pick(INQUIRIES).unwrap_or(fallback))
            }
        }
    };
    let personal = PERSONAL_INQUIRIES.iter().any(|p| p.subject == tpl.subject);

    let (category, channel, priority, subject, body, requester, unit, assignee) = match kind {
        "denunciation" => {
            let requester = if rng.chance(0.5) {
                None
            } else {
                Some(citizen(rng, true))
            };
            let channel = rng
                .pick(&["phone", "phone", "portal", "staff"])
                .unwrap_or("phone");
            let priority = if rng.chance(0.3) { "urgent" } else { "high" };
            let assignee = if status == "new" || rng.chance(0.25) {
                None
            } else {
                Some(rng.pick(INVESTIGATORS).unwrap_or("son.dang"))
            };
            (
                tpl.category,
                channel,
                priority,
                v.fill(tpl.subject),
                v.fill(tpl.body),
                requester,
                Some("DDN"),
                assignee,
            )
        }
        "callback" => {
            let mut r = if rng.chance(0.5) {
                pick_business(rng, pool).unwrap_or_else(|| citizen(rng, true))
            } else {
                citizen(rng, true)
            };
            let number = r.phone.clone().unwrap_or_else(|| mobile(rng));
            r.phone = Some(number.clone());
            let when = format!("{:02}:{:02}", rng.gen_range(7..22), rng.gen_range(0..60));
            let subject = format!("Gọi lại: cuộc gọi nhỡ từ {}", spaced_phone(&number));
            let body = format!(
                "Cuộc gọi nhỡ lúc {when} ngày {} vào tổng đài 1900 9299 (nhánh 2) từ số {number}, người gọi đã chờ quá thời gian và rời máy. Cần gọi lại trong vòng 2 giờ làm việc.",
                v.date
            );
            let assignee = if status == "new" {
                None
            } else {
                Some(rng.pick(HOTLINE).unwrap_or("thu.hoang"))
            };
            (
                "callback",
                "phone",
                "normal",
                subject,
                body,
                Some(r),
                Some("HELPDESK"),
                assignee,
            )
        }
        "suggestion" => {
            let requester = match rng.gen_range(0..3) {
                0 => None,
                1 => Some(citizen(rng, false)),
                _ => pick_business(rng, pool),
            };
            let assignee = if status == "new" || rng.chance(0.4) {
                None
            } else {
                Some(SUPERVISOR)
            };
            (
                "suggestion",
                regular_channel(rng),
                "low",
                v.fill(tpl.subject),
                v.fill(tpl.body),
                requester,
                Some("TTDL"),
                assignee,
            )
        }
        "rating_follow_up" => {
            let assignee = if rng.chance(0.6) {
                Some(SUPERVISOR)
            } else {
                unit_officer(v.unit)
            };
            (
                "rating.follow_up",
                "api",
                "high",
                v.fill(tpl.subject),
                v.fill(tpl.body),
                pick_business(rng, pool),
                Some(v.unit),
                assignee,
            )
        }
        "procedure_problem" => {
            let priority = if tpl.category == "b1.procedure.clearance" && rng.chance(0.4) {
                "urgent"
            } else if rng.chance(0.5) {
                "high"
            } else {
                "normal"
            };
            let assignee = if status != "new" && rng.chance(0.6) {
                unit_officer(v.unit)
            } else {
                None
            };
            (
                tpl.category,
                regular_channel(rng),
                priority,
                v.fill(tpl.subject),
                v.fill(tpl.body),
                pick_business(rng, pool),
                Some(v.unit),
                assignee,
            )
        }
        _ => {
            let requester = if personal {
                Some(citizen(rng, false))
            } else {
                pick_business(rng, pool)
            };
            let priority = match rng.gen_range(0..10) {
                0..=2 => "low",
                3..=8 => "normal",
                _ => "high",
            };
            let assignee = if status == "new" && rng.chance(0.7) {
                None
            } else if rng.chance(0.85) {
                Some(rng.pick(AGENTS).unwrap_or("lan.nguyen"))
            } else {
                None
            };
            (
                tpl.category,
                regular_channel(rng),
                priority,
                v.fill(tpl.subject),
                v.fill(tpl.body),
                requester,
                Some("HELPDESK"),
                assignee,
            )
        }
    };

    // Nobody to ask a question of: an anonymous case cannot wait on the requester.
    if requester.is_none() && status == "waiting" {
        status = "open";
    }

    let hello = greeting(requester.as_ref());
    let mut replies = Vec::new();
    let answer_category = if kind == "callback" {
        "callback"
    } else {
        category
    };
    match status {
        "new" => {
            if requester.is_some() && rng.chance(0.15) {
                replies.push(customer(
                    rng.pick(FOLLOW_UPS).unwrap_or("Mong sớm nhận phản hồi."),
                ));
            }
        }
        "open" => {
            if kind == "denunciation" || rng.chance(0.5) {
                replies.push(internal(internal_note(kind, unit, rng)));
            }
            if kind != "denunciation" && kind != "callback" && rng.chance(0.6) {
                replies.push(staff(format!(
                    "{hello}\n\nChúng tôi đã tiếp nhận yêu cầu và đang phối hợp với đơn vị liên quan để kiểm tra. Kết quả sẽ được phản hồi trong thời gian sớm nhất."
                )));
                if requester.is_some() && rng.chance(0.5) {
                    replies.push(customer(
                        rng.pick(FOLLOW_UPS).unwrap_or("Mong sớm nhận phản hồi."),
                    ));
                }
            }
            if replies.is_empty() {
                replies.push(internal(internal_note(kind, unit, rng)));
            }
        }
        "waiting" => {
            if rng.chance(0.4) {
                replies.push(internal(internal_note(kind, unit, rng)));
            }
            if rng.chance(0.3) {
                replies.push(staff(format!(
                    "{hello}\n\n{}",
                    staff_question(category, &v, rng)
                )));
                replies.push(customer(
                    rng.pick(FOLLOW_UPS).unwrap_or("Đã bổ sung thông tin."),
                ));
            }
            let question = if kind == "callback" {
                "Đã gọi lại hai lần nhưng thuê bao không nghe máy. Đề nghị Ông/Bà gọi lại tổng đài 1900 9299 (nhánh 2) hoặc cho biết thời gian thuận tiện để chúng tôi liên hệ?".to_string()
            } else {
                staff_question(category, &v, rng)
            };
            replies.push(staff(format!("{hello}\n\n{question}")));
        }
        _ => {
            if rng.chance(0.5) {
                replies.push(internal(internal_note(kind, unit, rng)));
            }
            if requester.is_some() && kind != "callback" && rng.chance(0.3) {
                replies.push(staff(format!(
                    "{hello}\n\n{}",
                    staff_question(category, &v, rng)
                )));
                replies.push(customer(
                    rng.pick(FOLLOW_UPS).unwrap_or("Đã bổ sung thông tin."),
                ));
            }
            let answer = staff_answer(answer_category, &subject, &v, rng);
            if kind == "callback" || (kind == "denunciation" && requester.is_none()) {
                // Callbacks are handled by phone; anonymous reports get an internal conclusion.
                replies.push(internal(answer));
            } else {
                replies.push(staff(format!("{hello}\n\n{answer}\n\nTrân trọng.")));
            }
            if status == "closed"
                && requester.is_some()
                && kind != "denunciation"
                && kind != "callback"
            {
                replies.push(customer(rng.pick(THANKS).unwrap_or("Cảm ơn.")));
            }
        }
    }

    let mut subject: String = subject.replace(['\n', '\r'], " ");
    if subject.chars().count() > 200 {
        subject = subject.chars().take(200).collect();
    }

    DemoCase {
        kind,
        branch,
        channel,
        category,
        priority,
        subject,
        body,
        requester,
        unit,
        assignee,
        replies,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::vars::group_thousands;
    use super::*;
    use hqdesk_domain::requester::{Email, PhoneE164, TaxCode};
    use std::collections::HashSet;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(125_430_000), "125.430.000");
        assert_eq!(group_thousands(2_000), "2.000");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(spaced_phone("0912345678"), "0912 345 678");
    }

    #[test]
    fn every_template_has_a_fitting_answer() {
        let mut rng = Rng::new(1);
        let v = Vars::random(&mut rng);
        let banks = [
            INQUIRIES,
            PERSONAL_INQUIRIES,
            PROCEDURE_PROBLEMS,
            DENUNCIATIONS,
            SUGGESTIONS,
            RATING_FOLLOW_UPS,
        ];
        let mut subjects = HashSet::new();
        for tpl in banks.iter().flat_map(|b| b.iter()) {
            assert!(
                subjects.insert(tpl.subject),
                "duplicate template {}",
                tpl.subject
            );
            let a = staff_answer(tpl.category, &v.fill(tpl.subject), &v, &mut rng);
            assert!(
                !a.starts_with("Chúng tôi đã tiếp nhận và xử lý"),
                "no answer for {}",
                tpl.subject
            );
            assert!(!a.contains('{'), "unfilled answer for {}", tpl.subject);
        }
        assert!(subjects.len() >= 40);
    }

    #[test]
    fn phones_and_emails_parse() {
        for c in cases(300, 42) {
            if let Some(r) = &c.requester {
                if let Some(p) = &r.phone {
                    assert!(PhoneE164::parse(p).is_ok(), "bad phone {p}");
                }
                if let Some(e) = &r.email {
                    assert!(Email::parse(e).is_ok(), "bad email {e}");
                }
            }
        }
    }

    const CATEGORIES: &[&str] = &[
        "b1.denunciation.smuggling",
        "b1.denunciation.trade_fraud",
        "b1.denunciation.corruption",
        "suggestion",
        "callback",
        "rating.follow_up",
        "b1.procedure.declaration",
        "b1.procedure.inspection",
        "b1.procedure.clearance",
        "b1.procedure.tax",
        "b2.it.vnaccs_account",
        "b2.it.vnaccs_error",
        "b2.it.digital_signature",
        "b2.it.nsw",
        "b2.it.asw",
        "b2.it.epayment",
        "b2.policy.tariff",
        "b2.policy.origin",
        "b2.policy.procedure",
        "b2.feedback",
    ];

    #[test]
    fn deterministic_for_same_seed() {
        assert_eq!(cases(200, 7), cases(200, 7));
        assert_ne!(cases(50, 7), cases(50, 8));
    }

    #[test]
    fn units_parents_first() {
        let mut seen = HashSet::new();
        for u in units() {
            if let Some(p) = u.parent {
                assert!(seen.contains(p), "{} before parent {p}", u.code);
            }
            // One root; teams always hang below a unit.
            assert_eq!(u.parent.is_none(), u.code == "CHQ", "{}", u.code);
            assert!(u.parent.is_some() || u.level != UnitLevel::Team);
            assert!(seen.insert(u.code), "duplicate unit {}", u.code);
        }
    }

    #[test]
    fn users_are_consistent() {
        let unit_codes: HashSet<_> = units().iter().map(|u| u.code).collect();
        let all = users();
        let mut names = HashSet::new();
        for u in &all {
            assert!(names.insert(u.username));
            assert!(u
                .username
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '.'));
            if let Some(unit) = u.unit {
                assert!(unit_codes.contains(unit));
            }
        }
        let count = |role: &str| all.iter().filter(|u| u.role == role).count();
        assert_eq!(count("agent"), 4);
        assert_eq!(count("hotline"), 2);
        assert_eq!(count("investigator"), 2);
        assert_eq!(count("custodian"), 1);
        assert_eq!(count("unit_officer"), 4);
        assert_eq!(count("supervisor"), 1);
        assert_eq!(count("admin"), 1);
        assert!(all
            .iter()
            .any(|u| u.username == "admin" && u.role == "admin"));
    }

    #[test]
    fn tax_codes_parse() {
        let mut n = 0;
        for c in cases(300, 42) {
            if let Some(tc) = c.requester.as_ref().and_then(|r| r.tax_code.as_ref()) {
                assert!(TaxCode::parse(tc).is_ok(), "bad tax code {tc}");
                n += 1;
            }
        }
        assert!(n > 50);
    }

    #[test]
    fn units_and_assignees_exist() {
        let unit_codes: HashSet<_> = units().iter().map(|u| u.code).collect();
        let all = users();
        for c in cases(300, 42) {
            if let Some(u) = c.unit {
                assert!(unit_codes.contains(u), "unknown unit {u}");
            }
            if let Some(a) = c.assignee {
                let user = all.iter().find(|u| u.username == a);
                assert!(user.is_some(), "unknown assignee {a}");
                if c.kind == "denunciation" {
                    assert_eq!(user.map(|u| u.role), Some("investigator"));
                }
                if c.kind == "inquiry" {
                    assert_eq!(user.map(|u| u.role), Some("agent"));
                }
            }
        }
    }

    #[test]
    fn shape_of_cases() {
        let all = cases(300, 42);
        let subjects: HashSet<_> = all.iter().map(|c| c.subject.as_str()).collect();
        assert!(subjects.len() >= 40, "only {} subjects", subjects.len());
        for c in &all {
            assert!(
                CATEGORIES.contains(&c.category),
                "bad category {}",
                c.category
            );
            assert!(c.subject.chars().count() <= 200 && !c.subject.contains('\n'));
            assert!(
                !c.subject.contains('{') && !c.body.contains('{'),
                "{}",
                c.subject
            );
            let expected_branch = match c.kind {
                "denunciation" | "procedure_problem" | "rating_follow_up" => 1,
                _ => 2,
            };
            assert_eq!(c.branch, expected_branch);
            if c.requester.is_none() {
                assert!(matches!(c.kind, "denunciation" | "suggestion"));
            }
            if c.kind == "callback" {
                assert_eq!(c.channel, "phone");
                let p = c.requester.as_ref().and_then(|r| r.phone.clone());
                assert!(p.is_some_and(|p| c.subject.contains(&spaced_phone(&p))));
            }
            if let Some(p) = c.requester.as_ref().and_then(|r| r.phone.as_ref()) {
                assert_eq!(p.len(), 10);
                assert!(p.bytes().all(|b| b.is_ascii_digit()));
            }
            if let Some(e) = c.requester.as_ref().and_then(|r| r.email.as_ref()) {
                assert!(e.is_ascii() && e.contains('@'));
            }
            let public: Vec<_> = c.replies.iter().filter(|m| !m.internal).collect();
            match c.status {
                "new" => assert!(c.replies.iter().all(|m| !m.from_staff)),
                "waiting" => assert!(public.last().is_some_and(|m| m.from_staff)),
                "resolved" | "closed" => assert!(c.replies.iter().any(|m| m.from_staff)),
                "open" => {}
                other => unreachable!("bad status {other}"),
            }
        }
        let count = |k: &str| all.iter().filter(|c| c.kind == k).count();
        assert!(count("denunciation") > 10);
        assert!(count("procedure_problem") > 50);
        assert!(count("inquiry") > 100);
    }

    #[test]
    fn businesses_recur() {
        let all = cases(300, 42);
        let mut names: Vec<_> = all
            .iter()
            .filter_map(|c| c.requester.as_ref().and_then(|r| r.business_name.clone()))
            .collect();
        let total = names.len();
        names.sort();
        names.dedup();
        assert!(names.len() >= 30 && names.len() < total);
    }
}
