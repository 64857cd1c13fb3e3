//! Who contacts the centre: Vietnamese people and businesses, their phones, e-mail addresses and
//! tax codes. Made up; the phones and tax codes are valid (`PhoneE164::parse`,
//! `TaxCode::parse` accept them), the e-mail hosts are real providers.
use hqdesk_domain::requester::TaxCode;
use hqdesk_domain::text::fold;

use crate::Rng;

pub const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Mai",
];
pub const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Minh", "Thanh", "Hữu", "Ngọc", "Đức", "Quang", "Thu", "Kim", "Xuân", "Hoài",
    "Bảo", "Gia",
];
pub const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Lan", "Linh", "Long",
    "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt",
    "Yến", "Khoa", "Đạt", "Huyền", "Giang", "Châu",
];

/// Legal forms of a business, as its name starts.
pub const FIRM_FORMS: &[&str] = &[
    "Công ty TNHH",
    "Công ty Cổ phần",
    "Công ty TNHH MTV",
    "Tập đoàn",
];
/// Trade names.
pub const FIRM_NAMES: &[&str] = &[
    "Tân Phát",
    "Hưng Thịnh",
    "Minh Long",
    "Đại Việt",
    "Sao Mai",
    "Phú Gia",
    "Hoàng Hà",
    "Thành Công",
    "Việt Nhật",
    "Kim Ngân",
    "Trường Sơn",
    "An Khang",
    "Bến Nghé",
    "Đông Á",
    "Hải Long",
    "Phương Nam",
    "Sông Hồng",
    "Thái Bình Dương",
    "Mekong",
    "Lạc Hồng",
];
/// Lines of business.
pub const FIRM_TRADES: &[&str] = &[
    "Xuất nhập khẩu",
    "Thương mại",
    "Logistics",
    "Sản xuất",
    "Giao nhận vận tải",
    "Điện tử",
    "Dệt may",
    "Thủy sản",
    "Nông sản",
];

/// Mail providers of people (businesses write from their own domain).
pub const MAIL_HOSTS: &[&str] = &["gmail.com", "yahoo.com", "outlook.com", "vnn.vn", "fpt.vn"];

/// Mobile network prefixes after the 0 (or +84). 089 is left out: the phone-number metadata
/// behind `PhoneE164::parse` only accepts 0899…, so most random 089 numbers would be refused.
pub const MOBILE_PREFIXES: &[&str] = &[
    "90", "91", "93", "94", "96", "97", "98", "32", "33", "34", "35", "36", "37", "38", "39", "81",
    "82", "83", "84", "85", "86", "88",
];

/// "Family Middle Given".
pub fn person_name(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.pick_str(FAMILY),
        rng.pick_str(MIDDLE),
        rng.pick_str(GIVEN)
    )
}

/// "Công ty TNHH Thương mại Tân Phát": form, line of business, trade name.
pub fn firm_name(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.pick_str(FIRM_FORMS),
        rng.pick_str(FIRM_TRADES),
        rng.pick_str(FIRM_NAMES)
    )
}

/// Words as ASCII letters and digits joined by `sep`, for addresses: "Nguyễn Văn An" with "."
/// → "nguyen.van.an".
pub fn ascii_words(text: &str, sep: &str) -> String {
    fold(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}

/// A mobile number in the national form, "0912345678".
pub fn mobile(rng: &mut Rng) -> String {
    let prefix = rng.pick_str(MOBILE_PREFIXES);
    format!("0{prefix}{:07}", rng.below(10_000_000))
}

/// A valid ten-digit tax code (its check digit computed), or None in the rare case that twenty
/// draws all hit a prefix that has none.
pub fn tax_code(rng: &mut Rng) -> Option<String> {
    for _ in 0..20 {
        let prefix = format!("0{:08}", rng.below(100_000_000));
        if let Some(t) = TaxCode::with_check_digit(&prefix) {
            return Some(t.as_str().to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use hqdesk_domain::requester::PhoneE164;

    #[test]
    fn generated_phones_and_tax_codes_parse() {
        let mut rng = Rng::new(1);
        for _ in 0..2_000 {
            let p = mobile(&mut rng);
            assert!(PhoneE164::parse(&p).is_ok(), "{p}");
            if let Some(t) = tax_code(&mut rng) {
                assert!(TaxCode::parse(&t).is_ok(), "{t}");
            }
        }
    }

    #[test]
    fn addresses_are_ascii() {
        assert_eq!(ascii_words("Nguyễn Văn Đạt", "."), "nguyen.van.dat");
        assert_eq!(ascii_words("Thái Bình Dương", ""), "thaibinhduong");
    }
}
