//! The customs vocabulary of the samples: goods, border gates, systems, declaration types,
//! error codes, contraband, certificate authorities, banks, licences, and the organisation's
//! headquarters units. Made up where it names anyone; the systems and codes are the real kinds.
use hqdesk_domain::unit::UnitLevel;

/// Goods as written in messages, with the HS code and the English name the demo's tariff answers
/// quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goods {
    pub name: &'static str,
    pub hs: &'static str,
    pub english: &'static str,
}

const fn goods(name: &'static str, hs: &'static str, english: &'static str) -> Goods {
    Goods { name, hs, english }
}

pub const GOODS: &[Goods] = &[
    goods(
        "linh kiện điện tử",
        "8542.39.00",
        "electronic integrated circuits",
    ),
    goods("máy móc thiết bị", "8479.89.39", "machinery and equipment"),
    goods("hàng may mặc", "6109.10.10", "knitted cotton garments"),
    goods("thủy sản đông lạnh", "0306.17.19", "frozen seafood"),
    goods(
        "gỗ và sản phẩm gỗ",
        "4412.33.00",
        "plywood and wood products",
    ),
    goods("phân bón", "3105.20.00", "mineral fertilisers"),
    goods("ô tô nguyên chiếc", "8703.23.57", "complete passenger cars"),
    goods("thiết bị y tế", "9018.90.90", "medical instruments"),
    goods("hạt nhựa", "3902.10.40", "polypropylene granules"),
    goods("sắt thép", "7208.51.00", "flat-rolled steel"),
    goods("cà phê nhân", "0901.11.10", "green coffee beans"),
    goods("hạt điều", "0801.32.00", "shelled cashew nuts"),
    goods("dược phẩm", "3004.90.99", "medicines"),
    goods("mỹ phẩm", "3304.99.30", "cosmetics"),
    goods("giày dép", "6404.11.10", "sports footwear"),
    goods(
        "nguyên liệu gia công",
        "5407.61.90",
        "synthetic fabric for processing",
    ),
];

/// A border gate (port, airport, land crossing) and the regional sub-department (`KVn`) that
/// clears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    pub name: &'static str,
    pub unit: &'static str,
}

const fn port(name: &'static str, unit: &'static str) -> Port {
    Port { name, unit }
}

pub const PORTS: &[Port] = &[
    port("cảng Cát Lái", "KV2"),
    port("cảng Hải Phòng", "KV3"),
    port("cửa khẩu Móng Cái", "KV8"),
    port("sân bay Nội Bài", "KV1"),
    port("cửa khẩu Hữu Nghị", "KV7"),
    port("cảng Đà Nẵng", "KV12"),
    port("cửa khẩu Mộc Bài", "KV17"),
    port("cảng Cái Mép", "KV18"),
    port("sân bay Tân Sơn Nhất", "KV2"),
    port("cửa khẩu Lào Cai", "KV9"),
    port("cảng Quy Nhơn", "KV13"),
    port("cửa khẩu Cha Lo", "KV11"),
];

/// The e-customs systems requesters ask about.
pub const SYSTEMS: &[&str] = &[
    "VNACCS/VCIS",
    "Cổng thông tin một cửa quốc gia",
    "Cơ chế một cửa ASEAN",
    "hệ thống E-Manifest",
    "nộp thuế điện tử 24/7",
    "hệ thống VASSCM",
    "chữ ký số",
    "Cổng dịch vụ công",
];

/// VNACCS declaration types.
pub const DECLARATIONS: &[&str] = &["IDA", "EDA", "IDC", "EDC", "IDB", "HYS", "OLA", "MIC"];

/// VNACCS error codes and their messages.
pub const ERRORS: &[(&str, &str)] = &[
    ("E1000", "Người sử dụng không có quyền thực hiện nghiệp vụ"),
    ("E0010", "Số tờ khai không tồn tại trong hệ thống"),
    ("E2203", "Mã địa điểm lưu kho không hợp lệ"),
    ("E4031", "Trị giá tính thuế không khớp tổng trị giá hóa đơn"),
    ("W0023", "Tờ khai trùng thông tin với tờ khai đã đăng ký"),
    ("E0505", "Tờ khai đã được cấp phép, không thể khai sửa"),
    ("E1702", "Mã số thuế người khai không khớp với chứng thư số"),
    ("E3001", "Chứng thư số đã hết hiệu lực"),
    ("E0308", "Mã loại hình không phù hợp với mã hàng"),
];

/// What informants report being smuggled.
pub const CONTRABAND: &[&str] = &[
    "thuốc lá điếu",
    "rượu ngoại",
    "đường cát",
    "hàng giả nhãn hiệu",
    "pháo nổ",
    "động vật hoang dã",
    "ma túy",
    "ngoại tệ",
    "vàng",
];

/// Certificate authorities of digital signatures.
pub const CAS: &[&str] = &["VNPT-CA", "Viettel-CA", "FPT-CA", "BKAV-CA", "MISA-CA"];
pub const BANKS: &[&str] = &[
    "Vietcombank",
    "BIDV",
    "VietinBank",
    "Agribank",
    "Techcombank",
    "MB Bank",
];
/// Specialised inspections and licences of the National Single Window.
pub const LICENCES: &[&str] = &[
    "đăng ký kiểm dịch thực vật",
    "kiểm tra an toàn thực phẩm nhập khẩu",
    "giấy phép nhập khẩu thuốc thú y",
    "kiểm tra chất lượng hàng hóa nhóm 2",
    "giấy phép nhập khẩu tiền chất công nghiệp",
];
/// ASEAN countries of origin, with the ISO code e-C/O numbers start with.
pub const COUNTRIES: &[(&str, &str)] = &[
    ("Thái Lan", "TH"),
    ("Indonesia", "ID"),
    ("Malaysia", "MY"),
    ("Singapore", "SG"),
    ("Philippines", "PH"),
];
/// Border places of smuggling reports.
pub const BORDERS: &[&str] = &[
    "xã Hải Sơn, Móng Cái",
    "bến Ka Long, Móng Cái",
    "đường mòn Pò Hèn",
    "khu vực chợ biên giới Bắc Luân",
];
/// Inland places (warehouses, addresses).
pub const PLACES: &[&str] = &[
    "quận Long Biên, Hà Nội",
    "huyện Bình Chánh, TP. Hồ Chí Minh",
    "huyện An Dương, Hải Phòng",
    "phường Ka Long, Móng Cái",
];

/// An organisational unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub code: &'static str,
    pub name: &'static str,
    pub parent: Option<&'static str>,
    pub level: UnitLevel,
}

const fn unit(
    code: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
    level: UnitLevel,
) -> Unit {
    Unit {
        code,
        name,
        parent,
        level,
    }
}

/// The HelpDesk team: most cases of branch 2 go there.
pub const HELPDESK: &str = "HELPDESK";
/// The anti-smuggling task force: denunciations go there.
pub const TASK_FORCE: &str = "DDN";

/// The headquarters, parents before children; the regional sub-departments (`KVn`, named by
/// [`region_name`]) hang below the first.
pub const HEADQUARTERS: &[Unit] = &[
    unit("CHQ", "Cục Hải quan", None, UnitLevel::Department),
    unit(
        "TTDL",
        "Trung tâm Dữ liệu và Công nghệ thông tin",
        Some("CHQ"),
        UnitLevel::Department,
    ),
    unit(HELPDESK, "Bộ phận HelpDesk", Some("TTDL"), UnitLevel::Team),
    unit(
        "DTCBL",
        "Cục Điều tra chống buôn lậu",
        Some("CHQ"),
        UnitLevel::Department,
    ),
    unit(TASK_FORCE, "Đội đặc nhiệm", Some("DTCBL"), UnitLevel::Team),
];

/// The regions' numerals, KV1 to KV20.
pub const ROMAN: [&str; 20] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
    "XVI", "XVII", "XVIII", "XIX", "XX",
];

/// "Chi cục Hải quan khu vực VIII" for region 8 (1 to 20).
pub fn region_name(region: usize) -> String {
    let roman = ROMAN.get(region.wrapping_sub(1)).copied().unwrap_or("?");
    format!("Chi cục Hải quan khu vực {roman}")
}
