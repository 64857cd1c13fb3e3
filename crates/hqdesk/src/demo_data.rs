//! Demo data for the hqdesk demo loader: organisational units, staff accounts and a
//! deterministic bank of realistic cases for the customs contact centre (hotline 1900 9299).
//!
//! Pure data, no I/O. Branch 1 handles denunciations and problems met during customs
//! procedures; branch 2 supports e-customs (VNACCS/VCIS, National Single Window, ASEAN Single
//! Window, digital signatures, e-payment) and policy/procedure guidance.

use hqdesk_domain::requester::TaxCode;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// An organisational unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUnit {
    pub code: &'static str,
    pub name: &'static str,
    pub parent: Option<&'static str>,
    /// "department" | "sub_department" | "team"
    pub level: &'static str,
}

/// Units, parents before children.
pub fn units() -> Vec<DemoUnit> {
    fn u(
        code: &'static str,
        name: &'static str,
        parent: Option<&'static str>,
        level: &'static str,
    ) -> DemoUnit {
        DemoUnit {
            code,
            name,
            parent,
            level,
        }
    }
    vec![
        u("CHQ", "Cục Hải quan", None, "department"),
        u(
            "TTDL",
            "Trung tâm Dữ liệu và Công nghệ thông tin",
            Some("CHQ"),
            "department",
        ),
        u("HELPDESK", "Bộ phận HelpDesk", Some("TTDL"), "team"),
        u(
            "DTCBL",
            "Cục Điều tra chống buôn lậu",
            Some("CHQ"),
            "department",
        ),
        u("DDN", "Đội đặc nhiệm", Some("DTCBL"), "team"),
        u(
            "KV1",
            "Chi cục Hải quan khu vực I",
            Some("CHQ"),
            "sub_department",
        ),
        u(
            "KV1-NB",
            "Hải quan sân bay quốc tế Nội Bài",
            Some("KV1"),
            "team",
        ),
        u(
            "KV2",
            "Chi cục Hải quan khu vực II",
            Some("CHQ"),
            "sub_department",
        ),
        u(
            "KV2-CL",
            "Hải quan cửa khẩu cảng Sài Gòn khu vực I",
            Some("KV2"),
            "team",
        ),
        u(
            "KV3",
            "Chi cục Hải quan khu vực III",
            Some("CHQ"),
            "sub_department",
        ),
        u(
            "KV3-HP",
            "Hải quan cửa khẩu cảng Hải Phòng",
            Some("KV3"),
            "team",
        ),
        u(
            "KV8",
            "Chi cục Hải quan khu vực VIII",
            Some("CHQ"),
            "sub_department",
        ),
        u(
            "KV8-MC",
            "Hải quan cửa khẩu quốc tế Móng Cái",
            Some("KV8"),
            "team",
        ),
    ]
}

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    /// "agent" | "hotline" | "investigator" | "unit_officer" | "supervisor" | "admin"
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

// ---------------------------------------------------------------------------------------------
// Variable parts
// ---------------------------------------------------------------------------------------------

/// (port as written in messages, responsible sub-department)
const PORTS: &[(&str, &str)] = &[
    ("cảng Cát Lái", "KV2"),
    ("cảng Hải Phòng", "KV3"),
    ("cửa khẩu quốc tế Móng Cái", "KV8"),
    ("sân bay quốc tế Nội Bài", "KV1"),
];

/// (goods in Vietnamese, HS code, goods in English)
const GOODS: &[(&str, &str, &str)] = &[
    ("máy tính xách tay", "8471.30.20", "laptop computers"),
    (
        "áo phông cotton dệt kim",
        "6109.10.10",
        "knitted cotton T-shirts",
    ),
    ("tôm đông lạnh", "0306.17.19", "frozen shrimp"),
    ("điện thoại di động", "8517.13.00", "mobile phones"),
    ("túi nhựa PE", "3923.21.99", "PE plastic bags"),
    (
        "khung thép tiền chế",
        "7308.90.99",
        "prefabricated steel frames",
    ),
    ("xoài tươi", "0804.50.20", "fresh mangoes"),
    (
        "linh kiện điện tử",
        "8542.39.00",
        "electronic integrated circuits",
    ),
    (
        "hạt nhựa PP nguyên sinh",
        "3902.10.40",
        "polypropylene granules",
    ),
    ("gỗ dán công nghiệp", "4412.33.00", "plywood"),
    ("thức ăn chăn nuôi", "2309.90.19", "animal feed"),
    ("phụ tùng ô tô", "8708.29.99", "auto parts"),
];

const ERRORS: &[(&str, &str)] = &[
    ("E1001", "Người sử dụng không có quyền thực hiện nghiệp vụ"),
    ("E1004", "Mã số thuế người khai không khớp với chứng thư số"),
    ("E0015", "Số tờ khai không tồn tại trong hệ thống"),
    ("E2031", "Mã địa điểm lưu kho không hợp lệ"),
    ("E3050", "Trị giá tính thuế không khớp tổng trị giá hóa đơn"),
    ("E0419", "Tờ khai đã được cấp phép, không thể khai sửa"),
];

const CAS: &[&str] = &["VNPT-CA", "Viettel-CA", "FPT-CA", "BKAV-CA", "MISA-CA"];
const BANKS: &[&str] = &[
    "Vietcombank",
    "BIDV",
    "VietinBank",
    "Agribank",
    "Techcombank",
    "MB Bank",
];
const LICENCES: &[&str] = &[
    "đăng ký kiểm dịch thực vật",
    "kiểm tra an toàn thực phẩm nhập khẩu",
    "giấy phép nhập khẩu thuốc thú y",
    "kiểm tra chất lượng hàng hóa nhóm 2",
    "giấy phép nhập khẩu tiền chất công nghiệp",
];
const COUNTRIES: &[&str] = &[
    "Thái Lan",
    "Indonesia",
    "Malaysia",
    "Singapore",
    "Philippines",
];
const BORDERS: &[&str] = &[
    "xã Hải Sơn, Móng Cái",
    "bến Ka Long, Móng Cái",
    "đường mòn Pò Hèn",
    "khu vực chợ biên giới Bắc Luân",
];
const PLACES: &[&str] = &[
    "quận Long Biên, Hà Nội",
    "huyện Bình Chánh, TP. Hồ Chí Minh",
    "huyện An Dương, Hải Phòng",
    "phường Ka Long, Móng Cái",
];

struct Vars {
    tk: String,
    tkx: String,
    port: &'static str,
    unit: &'static str,
    goods: &'static str,
    hs: &'static str,
    goods_en: &'static str,
    date: String,
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

fn pick<T: Copy>(rng: &mut StdRng, items: &[T], default: T) -> T {
    items.choose(rng).copied().unwrap_or(default)
}

fn group_thousands(n: u64) -> String {
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
    fn random(rng: &mut StdRng) -> Vars {
        let (port, unit) = pick(rng, PORTS, ("cảng Cát Lái", "KV2"));
        let (goods, hs, goods_en) = pick(
            rng,
            GOODS,
            ("máy tính xách tay", "8471.30.20", "laptop computers"),
        );
        let (err, err_msg) = pick(rng, ERRORS, ("E1001", "Lỗi hệ thống"));
        let ca = pick(rng, CAS, "VNPT-CA");
        let ca2 = CAS
            .iter()
            .copied()
            .filter(|c| *c != ca)
            .collect::<Vec<_>>()
            .choose(rng)
            .copied()
            .unwrap_or("Viettel-CA");
        let month: u32 = rng.gen_range(1..=12);
        let day: u32 = rng.gen_range(1..=28);
        let year: u32 = if rng.gen_bool(0.7) { 2025 } else { 2026 };
        let amount = rng.gen_range(2_000u64..900_000) * 1_000;
        let country = pick(rng, COUNTRIES, "Thái Lan");
        let co_code = match country {
            "Thái Lan" => "TH",
            "Indonesia" => "ID",
            "Malaysia" => "MY",
            "Singapore" => "SG",
            _ => "PH",
        };
        Vars {
            tk: format!("10{}", rng.gen_range(5_000_000_000u64..8_000_000_000)),
            tkx: format!("30{}", rng.gen_range(5_000_000_000u64..8_000_000_000)),
            port,
            unit,
            goods,
            hs,
            goods_en,
            date: format!("{day:02}/{month:02}/{year}"),
            err,
            err_msg,
            ca,
            ca2,
            bank: pick(rng, BANKS, "Vietcombank"),
            amount: format!("{} đồng", group_thousands(amount)),
            licence: pick(rng, LICENCES, "đăng ký kiểm dịch thực vật"),
            country,
            conum: format!(
                "{co_code}{}-{:05}",
                year % 100,
                rng.gen_range(1u32..100_000)
            ),
            border: pick(rng, BORDERS, "xã Hải Sơn, Móng Cái"),
            place: pick(rng, PLACES, "huyện An Dương, Hải Phòng"),
        }
    }

    fn fill(&self, template: &str) -> String {
        template
            .replace("{tk}", &self.tk)
            .replace("{tkx}", &self.tkx)
            .replace("{port}", self.port)
            .replace("{goods_en}", self.goods_en)
            .replace("{goods}", self.goods)
            .replace("{hs}", self.hs)
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

// ---------------------------------------------------------------------------------------------
// Template bank
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Tpl {
    category: &'static str,
    subject: &'static str,
    body: &'static str,
}

const fn t(category: &'static str, subject: &'static str, body: &'static str) -> Tpl {
    Tpl {
        category,
        subject,
        body,
    }
}

const INQUIRIES: &[Tpl] = &[
    // --- VNACCS accounts
    t(
        "b2.it.vnaccs_account",
        "Đăng ký tài khoản VNACCS lần đầu cho doanh nghiệp mới thành lập",
        "Công ty chúng tôi mới được cấp mã số thuế và chuẩn bị nhập khẩu lô hàng đầu tiên qua {port}. Xin hướng dẫn thủ tục đăng ký người sử dụng trên hệ thống VNACCS/VCIS. Chúng tôi có phải đến Chi cục Hải quan hay đăng ký trực tuyến được không?",
    ),
    t(
        "b2.it.vnaccs_account",
        "Không đăng nhập được tài khoản VNACCS, báo sai mật khẩu dù đã đổi",
        "Từ sáng ngày {date} nhân viên khai báo của công ty không đăng nhập được vào hệ thống, báo sai mật khẩu dù đã đổi mật khẩu hai lần. Chúng tôi đang có lô hàng {goods} cần khai gấp tại {port}. Đề nghị bộ phận hỗ trợ kiểm tra và mở khóa tài khoản giúp.",
    ),
    t(
        "b2.it.vnaccs_account",
        "Bổ sung người sử dụng mới trên VNACCS do nhân viên khai báo nghỉ việc",
        "Nhân viên phụ trách khai hải quan của công ty đã nghỉ việc từ ngày {date}. Chúng tôi cần hủy tài khoản người sử dụng cũ và đăng ký thêm người sử dụng mới. Xin cho biết hồ sơ cần chuẩn bị và thời gian xử lý.",
    ),
    t(
        "b2.it.vnaccs_account",
        "dang ky tai khoan vnaccs bi tu choi, khong ro ly do",
        "Cong ty toi dang ky tai khoan nguoi su dung VNACCS tu ngay {date} nhung trang thai bao bi tu choi, khong ghi ly do. Nho hai quan kiem tra giup, bao gio co the dang ky lai duoc. Cam on.",
    ),
    t(
        "b2.it.vnaccs_account",
        "How to register a VNACCS user ID for a foreign-invested company",
        "We are a newly established foreign-invested company and will import {goods_en} through {port}. Could you explain how to register VNACCS user IDs and terminal IDs for our declaration staff? Is a Vietnamese digital signature mandatory for the registration?",
    ),
    // --- VNACCS errors
    t(
        "b2.it.vnaccs_error",
        "Lỗi {err} khi khai báo tờ khai nhập khẩu số {tk}",
        "Khi gửi nghiệp vụ IDC cho tờ khai nhập khẩu số {tk}, hệ thống trả về lỗi {err} - {err_msg}. Chúng tôi đã kiểm tra lại thông tin nhưng vẫn không gửi được. Hàng đang nằm tại {port}, đề nghị hỗ trợ gấp.",
    ),
    t(
        "b2.it.vnaccs_error",
        "Không gửi được tờ khai IDA, hệ thống báo lỗi {err}",
        "Doanh nghiệp khai thông tin nhập khẩu (IDA) cho lô hàng {goods} nhưng hệ thống báo lỗi {err}: {err_msg}. Phần mềm khai báo đã cập nhật phiên bản mới nhất. Xin hướng dẫn cách khắc phục.",
    ),
    t(
        "b2.it.vnaccs_error",
        "Tờ khai xuất khẩu {tkx} đã gửi EDA nhưng không nhận được phản hồi",
        "Chúng tôi đã gửi nghiệp vụ EDA cho tờ khai xuất khẩu {tkx} từ chiều ngày {date} nhưng đến nay chưa nhận được thông điệp phản hồi. Tàu dự kiến chạy trong hai ngày tới tại {port}. Đề nghị kiểm tra giúp tình trạng tờ khai trên hệ thống.",
    ),
    t(
        "b2.it.vnaccs_error",
        "loi {err} khi truyen to khai EDC, can ho tro gap",
        "To khai xuat khau {tkx} truyen EDC bi loi {err}. Hang da ha bai tai {port}, chieu nay phai thanh ly. Nho ho tro gap giup.",
    ),
    t(
        "b2.it.vnaccs_error",
        "Phần mềm khai báo không kết nối được tới hệ thống VNACCS từ ngày {date}",
        "Từ ngày {date} phần mềm khai hải quan của công ty liên tục báo mất kết nối khi gửi thông điệp. Các máy khác dùng cùng đường truyền vẫn truy cập Internet bình thường. Xin cho biết hệ thống có đang bảo trì hay cần cấu hình lại địa chỉ kết nối.",
    ),
    t(
        "b2.it.vnaccs_error",
        "Không in được tờ khai {tk} sau khi đã thông quan",
        "Tờ khai nhập khẩu {tk} đã được thông quan nhưng khi in tờ khai và mã vạch trên Cổng thông tin điện tử thì báo không tìm thấy dữ liệu. Chúng tôi cần bản in để làm thủ tục qua khu vực giám sát tại {port}. Mong được hướng dẫn.",
    ),
    t(
        "b2.it.vnaccs_error",
        "Error {err} when submitting import declaration {tk}",
        "Our broker receives error {err} when submitting the IDC message for declaration {tk}. The goods ({goods_en}) are waiting at {port}. Please advise what data needs to be corrected.",
    ),
    // --- digital signatures
    t(
        "b2.it.digital_signature",
        "Chữ ký số {ca} hết hạn ngày {date}, có phải đăng ký lại với Hải quan không?",
        "Chứng thư số {ca} của công ty sẽ hết hạn vào ngày {date} và đã được gia hạn với nhà cung cấp. Xin hỏi sau khi gia hạn chúng tôi có phải đăng ký lại chữ ký số với hệ thống Hải quan không. Nếu có thì thực hiện ở đâu?",
    ),
    t(
        "b2.it.digital_signature",
        "Đăng ký chữ ký số mới với Hải quan báo lỗi chứng thư không hợp lệ",
        "Công ty vừa mua chữ ký số {ca} mới nhưng khi đăng ký trên Cổng thông tin điện tử Hải quan thì báo chứng thư không hợp lệ. Chúng tôi đã cài đặt đầy đủ driver của nhà cung cấp. Đề nghị hướng dẫn cách xử lý.",
    ),
    t(
        "b2.it.digital_signature",
        "chu ky so het han, khong ky duoc to khai {tk}",
        "Chu ky so cong ty het han hom qua, da gia han roi nhung van khong ky duoc to khai {tk}. Phan mem bao chung thu chua dang ky. Can lam gi de khai tiep?",
    ),
    t(
        "b2.it.digital_signature",
        "Đổi nhà cung cấp chữ ký số từ {ca} sang {ca2}",
        "Công ty dự định chuyển từ chữ ký số {ca} sang {ca2} từ tháng tới. Xin hỏi trong thời gian chuyển đổi các tờ khai đang xử lý có bị ảnh hưởng không. Chúng tôi cần thực hiện những bước nào trên hệ thống Hải quan?",
    ),
    // --- National Single Window
    t(
        "b2.it.nsw",
        "Không nộp được hồ sơ {licence} trên Cổng thông tin một cửa quốc gia",
        "Doanh nghiệp nộp hồ sơ {licence} cho lô hàng {goods} trên Cổng thông tin một cửa quốc gia nhưng bấm gửi thì không có phản hồi. Chúng tôi đã thử trên nhiều trình duyệt khác nhau. Xin hướng dẫn cách khắc phục để kịp làm thủ tục tại {port}.",
    ),
    t(
        "b2.it.nsw",
        "Hồ sơ một cửa quốc gia chờ xử lý quá lâu (mặt hàng {goods})",
        "Hồ sơ {licence} cho mặt hàng {goods} nộp trên Cổng một cửa quốc gia từ ngày {date} vẫn ở trạng thái chờ tiếp nhận. Hàng đã về {port} và đang phát sinh chi phí lưu bãi. Đề nghị kiểm tra hồ sơ đã được chuyển tới cơ quan cấp phép chưa.",
    ),
    t(
        "b2.it.nsw",
        "Cổng một cửa quốc gia báo lỗi khi đính kèm chứng từ dung lượng lớn",
        "Khi đính kèm hợp đồng và hóa đơn thương mại dạng PDF cho hồ sơ {licence}, Cổng một cửa quốc gia báo lỗi vượt quá dung lượng. File của chúng tôi chỉ khoảng 6MB. Xin cho biết giới hạn dung lượng và định dạng được chấp nhận.",
    ),
    t(
        "b2.it.nsw",
        "NSW portal: cannot submit licence application for {goods_en}",
        "We cannot submit the application for {licence} on the National Single Window portal; the page stays on loading after we sign. Our shipment of {goods_en} arrives at {port} next week. Please let us know if there is a known issue.",
    ),
    // --- ASEAN Single Window
    t(
        "b2.it.asw",
        "C/O mẫu D điện tử từ {country} chưa hiển thị trên Cơ chế một cửa ASEAN",
        "Nhà cung cấp tại {country} cho biết đã cấp e-C/O mẫu D số {conum} và truyền qua ASEAN Single Window. Tuy nhiên khi khai tờ khai {tk} chúng tôi không tra cứu được C/O này. Đề nghị kiểm tra giúp dữ liệu đã được nhận chưa.",
    ),
    t(
        "b2.it.asw",
        "Tra cứu e-C/O form D qua ASEAN Single Window cho tờ khai {tk}",
        "Công ty nhập khẩu {goods} từ {country}, có e-C/O form D số {conum}. Xin hướng dẫn cách khai số tham chiếu e-C/O trên tờ khai {tk} để hệ thống tự động đối chiếu. Chúng tôi có cần nộp bản giấy không?",
    ),
    t(
        "b2.it.asw",
        "eCO form D tu {country} bi tu choi khi doi chieu tren ASW",
        "e-C/O so {conum} tu {country} bi bao tu choi khi doi chieu, ly do thong tin khong khop. Hang dang cho thong quan tai {port}. Xin huong dan xu ly.",
    ),
    // --- e-payment
    t(
        "b2.it.epayment",
        "Đã nộp thuế điện tử qua {bank} nhưng tờ khai {tk} chưa được thông quan",
        "Công ty đã nộp thuế điện tử số tiền {amount} qua ngân hàng {bank} cho tờ khai {tk} từ sáng ngày {date}. Ngân hàng đã trừ tiền nhưng hệ thống Hải quan vẫn báo chưa nộp thuế. Đề nghị kiểm tra để thông quan hàng.",
    ),
    t(
        "b2.it.epayment",
        "Nộp thuế điện tử 24/7 ngoài giờ hành chính có được ghi nhận ngay không?",
        "Chúng tôi thường phải nộp thuế vào buổi tối và cuối tuần để kịp lấy hàng. Xin hỏi khi nộp thuế điện tử 24/7 qua {bank} thì bao lâu hệ thống Hải quan ghi nhận. Có cần thông báo cho Chi cục không?",
    ),
    t(
        "b2.it.epayment",
        "Nộp nhầm số tờ khai khi nộp thuế điện tử, số tiền {amount}",
        "Kế toán công ty nộp thuế điện tử số tiền {amount} nhưng ghi nhầm số tờ khai thành {tk}. Xin hướng dẫn thủ tục điều chỉnh chứng từ nộp thuế sang tờ khai đúng. Việc này có bị tính chậm nộp không?",
    ),
    t(
        "b2.it.epayment",
        "Đăng ký nộp thuế điện tử 24/7 với ngân hàng {bank}",
        "Công ty muốn đăng ký dịch vụ nộp thuế điện tử và thông quan 24/7 với ngân hàng {bank}. Xin cho biết các bước đăng ký và mẫu văn bản cần gửi cơ quan Hải quan.",
    ),
    // --- tariff
    t(
        "b2.policy.tariff",
        "Phân loại mã HS cho mặt hàng {goods}",
        "Công ty chuẩn bị nhập khẩu {goods} và đang phân vân giữa mã HS {hs} và một mã khác trong cùng chương. Xin cho biết cách phân loại đúng và thuế suất nhập khẩu ưu đãi tương ứng. Chúng tôi có thể gửi catalogue nếu cần.",
    ),
    t(
        "b2.policy.tariff",
        "Xin xác nhận mã HS {hs} và thuế suất nhập khẩu ưu đãi",
        "Lô hàng {goods} nhập khẩu qua {port} dự kiến khai mã HS {hs}. Xin xác nhận mã này có phù hợp không và thuế suất MFN, thuế GTGT hiện hành là bao nhiêu. Chúng tôi có cần xác định trước mã số không?",
    ),
    t(
        "b2.policy.tariff",
        "hoi ma HS hang {hs} co phai kiem tra chuyen nganh khong",
        "Cong ty nhap hang ma HS {hs}, xin hoi mat hang nay co thuoc danh muc kiem tra chuyen nganh khong va co can giay phep gi truoc khi mo to khai. Cam on.",
    ),
    t(
        "b2.policy.tariff",
        "HS code and import duty for {goods_en}",
        "We plan to import {goods_en} into Vietnam through {port}. Could you confirm whether HS code {hs} is correct and what the preferential import duty rate is? We would also like to know whether an advance ruling is available.",
    ),
    // --- origin
    t(
        "b2.policy.origin",
        "C/O mẫu D có sai sót nhỏ có được hưởng thuế suất ưu đãi đặc biệt không?",
        "C/O mẫu D số {conum} cho lô hàng nhập từ {country} bị ghi sai một ký tự trong mô tả hàng hóa so với hóa đơn. Xin hỏi sai sót này có làm mất quyền hưởng thuế suất ATIGA không. Chúng tôi cần bổ sung chứng từ gì?",
    ),
    t(
        "b2.policy.origin",
        "Nộp bổ sung C/O sau khi thông quan tờ khai {tk}",
        "Tờ khai {tk} đã thông quan với thuế suất MFN do chưa có C/O. Nay công ty đã nhận được C/O bản gốc. Xin hướng dẫn thủ tục nộp bổ sung và hoàn lại số thuế chênh lệch.",
    ),
    t(
        "b2.policy.origin",
        "Tự chứng nhận xuất xứ theo CPTPP cho hàng xuất khẩu {goods}",
        "Công ty xuất khẩu {goods} sang Canada và muốn sử dụng chứng từ tự chứng nhận xuất xứ theo Hiệp định CPTPP. Xin hướng dẫn các thông tin bắt buộc và điều kiện về nhà xuất khẩu. Tờ khai xuất khẩu dự kiến số {tkx}.",
    ),
    // --- procedure guidance
    t(
        "b2.policy.procedure",
        "Thủ tục khai bổ sung tờ khai {tk} sau thông quan",
        "Sau khi thông quan tờ khai {tk}, công ty phát hiện khai sai trọng lượng và trị giá một dòng hàng. Xin hướng dẫn thủ tục khai bổ sung, thời hạn và hồ sơ cần nộp. Trường hợp này có bị xử phạt không?",
    ),
    t(
        "b2.policy.procedure",
        "Thủ tục hoàn thuế nhập khẩu cho hàng tái xuất theo tờ khai {tk}",
        "Công ty nhập khẩu {goods} theo tờ khai {tk} nhưng do hàng không đúng hợp đồng nên phải tái xuất trả lại người bán. Xin hướng dẫn hồ sơ hoàn thuế nhập khẩu đã nộp {amount}. Thời hạn giải quyết hoàn thuế là bao lâu?",
    ),
    t(
        "b2.policy.procedure",
        "Hủy tờ khai xuất khẩu {tkx} do hàng không xuất được",
        "Do đối tác hủy đơn hàng nên lô hàng theo tờ khai {tkx} không xuất được. Xin hướng dẫn thủ tục hủy tờ khai và thời hạn phải thực hiện. Hàng hiện vẫn ở kho của công ty.",
    ),
    t(
        "b2.policy.procedure",
        "Thủ tục nhập khẩu hàng mẫu không thanh toán qua {port}",
        "Đối tác nước ngoài gửi cho công ty một số hàng mẫu {goods} không thanh toán qua {port}. Xin hỏi hàng mẫu có được miễn thuế không và khai báo theo loại hình nào. Chúng tôi có cần giấy phép chuyên ngành không?",
    ),
    t(
        "b2.policy.procedure",
        "thu tuc tam nhap tai xuat may moc thi cong",
        "Cong ty can tam nhap may moc thi cong cho du an trong 12 thang roi tai xuat. Xin hoi thu tuc, ma loai hinh va co phai bao lanh thue khong. Cam on.",
    ),
    // --- feedback
    t(
        "b2.feedback",
        "Cảm ơn cán bộ HelpDesk đã hỗ trợ xử lý lỗi tờ khai {tk}",
        "Công ty xin cảm ơn cán bộ tổng đài đã hỗ trợ nhiệt tình khi chúng tôi gặp lỗi tờ khai {tk}. Nhờ hướng dẫn kịp thời, lô hàng đã được thông quan đúng hạn. Mong bộ phận tiếp tục duy trì chất lượng hỗ trợ.",
    ),
    t(
        "b2.feedback",
        "Phản ánh tổng đài 1900 9299 khó kết nối vào giờ cao điểm",
        "Trong tuần qua, nhân viên công ty gọi tổng đài 1900 9299 nhiều lần vào khoảng 9h-11h sáng nhưng phải chờ rất lâu hoặc bị ngắt máy. Đề nghị bố trí thêm nhân sự vào giờ cao điểm hoặc có kênh hỗ trợ trực tuyến.",
    ),
];

const PERSONAL_INQUIRIES: &[Tpl] = &[
    t(
        "b2.policy.procedure",
        "Thủ tục nhận quà biếu gửi từ nước ngoài qua {port}",
        "Tôi có người thân ở nước ngoài gửi quà biếu gồm {goods} về qua {port}. Xin hỏi hàng quà biếu có giới hạn trị giá miễn thuế không và tôi cần làm thủ tục gì để nhận hàng. Cảm ơn.",
    ),
    t(
        "b2.policy.tariff",
        "Hỏi thuế khi mua {goods} từ nước ngoài về dùng cá nhân",
        "Tôi mua {goods} qua trang thương mại điện tử nước ngoài, hàng chuyển phát nhanh về Việt Nam. Xin hỏi tôi có phải nộp thuế nhập khẩu không và mức thuế tính thế nào.",
    ),
    t(
        "b2.policy.procedure",
        "hanh ly mang theo khi nhap canh qua {port} co phai khai bao khong",
        "Toi sap ve nuoc qua {port}, mang theo it do dien tu va ngoai te. Xin hoi muc nao thi phai khai bao hai quan. Cam on.",
    ),
];

const PROCEDURE_PROBLEMS: &[Tpl] = &[
    // --- declaration
    t(
        "b1.procedure.declaration",
        "Chi cục yêu cầu khai bổ sung tờ khai {tk} nhưng không nêu rõ lý do",
        "Tờ khai nhập khẩu {tk} tại {port} nhận được thông báo yêu cầu khai bổ sung nhưng không nêu rõ nội dung cần sửa. Công ty đã liên hệ trực tiếp nhưng chưa được giải thích. Đề nghị Cục Hải quan xem xét, hướng dẫn để doanh nghiệp thực hiện.",
    ),
    t(
        "b1.procedure.declaration",
        "Không được chấp nhận hủy tờ khai xuất khẩu {tkx} tại {port}",
        "Công ty đã gửi yêu cầu hủy tờ khai xuất khẩu {tkx} từ ngày {date} kèm văn bản giải trình nhưng chưa được chấp nhận. Lô hàng đã không xuất do đối tác hủy hợp đồng. Việc tờ khai chưa được hủy ảnh hưởng đến quyết toán của công ty.",
    ),
    t(
        "b1.procedure.declaration",
        "yeu cau sua to khai {tk} da 5 ngay chua duoc phan hoi",
        "Cong ty gui yeu cau khai sua to khai {tk} tai {port} tu ngay {date} nhung chua duoc phe duyet, hang van nam o cang. Nho hai quan kiem tra thuc day giup.",
    ),
    t(
        "b1.procedure.declaration",
        "Tờ khai {tk} bị từ chối tiếp nhận hồ sơ giấy dù đã khai điện tử đầy đủ",
        "Khi làm thủ tục tại {port}, công chức yêu cầu nộp thêm bộ hồ sơ giấy cho tờ khai {tk} mặc dù chứng từ đã đính kèm điện tử đầy đủ. Doanh nghiệp đề nghị được giải thích căn cứ của yêu cầu này.",
    ),
    // --- inspection
    t(
        "b1.procedure.inspection",
        "Chậm kiểm tra thực tế hàng hóa tờ khai {tk} tại {port}",
        "Tờ khai {tk} bị phân luồng đỏ từ ngày {date}, doanh nghiệp đã đăng ký kiểm hóa nhưng đến nay chưa được bố trí công chức kiểm tra. Hàng {goods} đang lưu container tại {port}, chi phí phát sinh mỗi ngày rất lớn. Đề nghị xem xét giải quyết sớm.",
    ),
    t(
        "b1.procedure.inspection",
        "Hàng {goods} bị lấy mẫu phân tích phân loại quá 10 ngày chưa có kết quả",
        "Lô hàng {goods} theo tờ khai {tk} bị lấy mẫu gửi phân tích phân loại từ ngày {date}. Đã quá thời hạn nhưng doanh nghiệp chưa nhận được kết quả và chưa được giải phóng hàng. Đề nghị Cục Hải quan đôn đốc.",
    ),
    t(
        "b1.procedure.inspection",
        "Container tờ khai {tk} phải soi chiếu lại lần hai tại {port}",
        "Container của tờ khai {tk} đã qua máy soi và không có nghi vấn nhưng vẫn bị yêu cầu soi lại lần hai và kiểm tra thủ công. Công ty không được thông báo lý do. Đề nghị làm rõ.",
    ),
    t(
        "b1.procedure.inspection",
        "Delayed physical inspection at {port} for declaration {tk}",
        "Our declaration {tk} was assigned to the red channel on {date} and we registered for inspection the same day. No customs officer has been assigned yet and storage charges keep increasing. We kindly request your support.",
    ),
    // --- clearance
    t(
        "b1.procedure.clearance",
        "Hàng đông lạnh tờ khai {tk} chưa được thông quan, phát sinh phí lưu container",
        "Lô hàng {goods} (container lạnh) theo tờ khai {tk} tại {port} đã nộp đủ hồ sơ nhưng chưa được thông quan sau 4 ngày. Phí cắm điện và lưu container tăng hàng ngày, hàng có nguy cơ giảm chất lượng. Đề nghị hỗ trợ khẩn.",
    ),
    t(
        "b1.procedure.clearance",
        "Không được giải phóng hàng dù đã nộp đủ thuế tờ khai {tk}",
        "Công ty đã nộp đủ thuế {amount} cho tờ khai {tk} từ ngày {date}, ngân hàng đã xác nhận nhưng hàng vẫn chưa được giải phóng tại {port}. Đề nghị kiểm tra lý do và xử lý.",
    ),
    t(
        "b1.procedure.clearance",
        "hang da thong quan nhung khong qua duoc khu vuc giam sat {port}",
        "To khai {tk} da thong quan nhung khi xe ra cong {port} thi bao chua co thong tin xac nhan qua khu vuc giam sat. Xe dang cho o cong, nho ho tro gap.",
    ),
    t(
        "b1.procedure.clearance",
        "Hàng xuất khẩu tờ khai {tkx} bị giữ lại tại {port} không rõ lý do",
        "Lô hàng {goods} theo tờ khai xuất khẩu {tkx} đã được phân luồng xanh nhưng bị giữ lại tại {port} từ ngày {date}. Công ty không nhận được quyết định hay thông báo nào. Tàu sắp rời cảng, đề nghị xem xét giải quyết.",
    ),
    // --- tax
    t(
        "b1.procedure.tax",
        "Hồ sơ hoàn thuế tờ khai {tk} quá hạn giải quyết",
        "Công ty nộp hồ sơ hoàn thuế {amount} cho tờ khai {tk} từ ngày {date}. Đến nay đã quá thời hạn theo quy định nhưng chưa nhận được quyết định hoàn thuế hoặc thông báo bổ sung hồ sơ. Đề nghị kiểm tra, đôn đốc.",
    ),
    t(
        "b1.procedure.tax",
        "Không đồng ý quyết định ấn định thuế tờ khai {tk} do bác bỏ trị giá khai báo",
        "Tờ khai {tk} bị bác bỏ trị giá khai báo và ấn định thuế tăng thêm {amount}. Doanh nghiệp đã cung cấp đầy đủ hợp đồng, chứng từ thanh toán nhưng không được tham vấn lại. Đề nghị xem xét lại quyết định.",
    ),
    t(
        "b1.procedure.tax",
        "Tờ khai bị cưỡng chế do nợ thuế dù đã nộp tiền ngày {date}",
        "Công ty bị áp dụng biện pháp cưỡng chế dừng làm thủ tục hải quan do nợ thuế tờ khai {tk}, mặc dù đã nộp đủ {amount} qua {bank} ngày {date}. Hiện công ty không mở được tờ khai mới tại {port}. Đề nghị xử lý gấp.",
    ),
];

const DENUNCIATIONS: &[Tpl] = &[
    t(
        "b1.denunciation.smuggling",
        "Tố giác vận chuyển hàng lậu qua đường mòn khu vực {border}",
        "Tôi thường xuyên thấy nhóm người dùng xe máy chở hàng hóa không rõ nguồn gốc qua khu vực {border} vào ban đêm, khoảng 22h đến 2h sáng. Hàng được tập kết tại một căn nhà gần đó rồi chuyển lên xe tải. Đề nghị cơ quan chức năng kiểm tra.",
    ),
    t(
        "b1.denunciation.smuggling",
        "Phản ánh kho tập kết hàng nghi nhập lậu tại {place}",
        "Tại một kho ở {place} có nhiều xe tải ra vào vận chuyển {goods} không có nhãn phụ tiếng Việt. Tôi nghi ngờ đây là hàng nhập lậu. Tôi có thể cung cấp thêm biển số xe nếu cần.",
    ),
    t(
        "b1.denunciation.smuggling",
        "to giac buon lau thuoc la dieu qua bien gioi",
        "Co nhom nguoi chuyen thuoc la dieu tu ben kia bien gioi qua khu vuc {border}, sau do cat giau tren xe khach di Ha Noi. Toi khong muon de lai ten.",
    ),
    t(
        "b1.denunciation.trade_fraud",
        "Tố giác doanh nghiệp khai sai xuất xứ hàng {goods} để hưởng ưu đãi",
        "Tôi được biết một công ty nhập khẩu {goods} từ nước thứ ba nhưng làm C/O mẫu D từ {country} để hưởng thuế suất ưu đãi. Hàng được chuyển tải qua {port}. Đề nghị cơ quan Hải quan kiểm tra xuất xứ các lô hàng của doanh nghiệp này.",
    ),
    t(
        "b1.denunciation.trade_fraud",
        "Nghi vấn khai thấp trị giá lô hàng nhập khẩu qua {port}",
        "Một doanh nghiệp nhập khẩu {goods} qua {port} khai giá chỉ bằng khoảng một phần ba giá thị trường. Tôi có thông tin về hợp đồng thật có giá cao hơn nhiều. Đề nghị cơ quan chức năng xác minh.",
    ),
    t(
        "b1.denunciation.trade_fraud",
        "Tố giác bán nguyên liệu gia công vào thị trường nội địa",
        "Một công ty gia công tại khu công nghiệp nhập nguyên liệu miễn thuế nhưng bán lại một phần ra thị trường nội địa, sau đó làm báo cáo quyết toán khống. Tôi từng làm việc tại đó và có thể cung cấp thêm chứng cứ.",
    ),
    t(
        "b1.denunciation.corruption",
        "Phản ánh cán bộ gợi ý chi phí ngoài khi làm thủ tục tại {port}",
        "Khi làm thủ tục cho tờ khai {tk} tại {port}, tôi bị một cán bộ gợi ý phải có chi phí bôi trơn thì mới được kiểm hóa sớm. Sự việc xảy ra ngày {date}. Đề nghị làm rõ và xử lý nghiêm.",
    ),
    t(
        "b1.denunciation.corruption",
        "Tố giác hành vi nhũng nhiễu tại bộ phận kiểm hóa {port}",
        "Nhiều doanh nghiệp làm thủ tục tại {port} phản ánh bộ phận kiểm hóa cố tình kéo dài thời gian kiểm tra để gây khó khăn. Tôi đề nghị cơ quan có thẩm quyền xác minh, thông tin của tôi cần được giữ bí mật.",
    ),
];

const SUGGESTIONS: &[Tpl] = &[
    t(
        "suggestion",
        "Kiến nghị mở rộng thời gian hỗ trợ của tổng đài ngoài giờ hành chính",
        "Nhiều lô hàng phải làm thủ tục vào buổi tối và cuối tuần nhưng tổng đài chỉ hỗ trợ trong giờ hành chính. Doanh nghiệp kiến nghị bố trí trực hỗ trợ kỹ thuật 24/7 cho các lỗi hệ thống VNACCS.",
    ),
    t(
        "suggestion",
        "Đề xuất tăng dung lượng file đính kèm trên hệ thống khai báo",
        "Giới hạn dung lượng file đính kèm hiện nay quá thấp so với bộ chứng từ thực tế, doanh nghiệp phải chia nhỏ rất mất thời gian. Đề nghị nâng giới hạn và cho phép đính kèm nhiều file một lần.",
    ),
    t(
        "suggestion",
        "Góp ý đơn giản hóa thủ tục khai bổ sung sau thông quan",
        "Thủ tục khai bổ sung sau thông quan hiện vẫn yêu cầu nhiều chứng từ trùng lặp với hồ sơ đã nộp. Chúng tôi kiến nghị hệ thống tự động lấy lại chứng từ từ tờ khai gốc.",
    ),
    t(
        "suggestion",
        "Suggestion: publish an English user guide for VNACCS",
        "Many foreign-invested companies rely on expatriate staff who find the Vietnamese-only guides hard to follow. We suggest publishing an English version of the VNACCS user guide and common error codes.",
    ),
    t(
        "suggestion",
        "de nghi thong bao truoc lich bao tri he thong",
        "Nhieu lan he thong bao tri dot xuat vao gio lam viec ma khong thong bao truoc. De nghi dang lich bao tri tren cong thong tin it nhat 3 ngay.",
    ),
];

const RATING_FOLLOW_UPS: &[Tpl] = &[
    t(
        "rating.follow_up",
        "Theo dõi đánh giá \"Không hài lòng\": tờ khai {tk}",
        "Doanh nghiệp đánh giá \"Không hài lòng\" sau khi được hỗ trợ về tờ khai số {tk} tại {port}, kèm nhận xét: \"Hướng dẫn chung chung, phải gọi lại nhiều lần mới xử lý được\". Đề nghị liên hệ lại doanh nghiệp để làm rõ và khắc phục.",
    ),
    t(
        "rating.follow_up",
        "Đánh giá không hài lòng về xử lý tờ khai {tk} tại {port}",
        "Kết quả khảo sát sau xử lý: doanh nghiệp chọn mức \"Không hài lòng\" đối với việc giải quyết tờ khai {tk}, nhận xét \"thời gian chờ kiểm hóa quá lâu, không ai thông báo\". Cần xác minh với đơn vị và phản hồi doanh nghiệp.",
    ),
    t(
        "rating.follow_up",
        "Phản hồi đánh giá Không hài lòng - tờ khai xuất khẩu {tkx}",
        "Doanh nghiệp đánh giá \"Không hài lòng\" cho phiếu hỗ trợ liên quan đến tờ khai xuất khẩu {tkx}: \"Tổng đài chuyển qua nhiều bộ phận, cuối cùng vẫn chưa có câu trả lời\". Đề nghị giám sát viên liên hệ lại trong 2 ngày làm việc.",
    ),
];

// ---------------------------------------------------------------------------------------------
// Requesters
// ---------------------------------------------------------------------------------------------

/// (trade name, ascii slug for e-mail domains)
const BUSINESS_CORES: &[(&str, &str)] = &[
    ("Tân Phát", "tanphat"),
    ("Minh Long", "minhlong"),
    ("Hoàng Gia", "hoanggia"),
    ("Phú Thịnh", "phuthinh"),
    ("Sao Việt", "saoviet"),
    ("Đại Dương Xanh", "daiduongxanh"),
    ("An Khang", "ankhang"),
    ("Thành Đạt", "thanhdat"),
    ("Hưng Thịnh", "hungthinh"),
    ("Việt Hàn", "viethan"),
    ("Nam Á", "nama"),
    ("Bảo Long", "baolong"),
    ("Kim Ngân", "kimngan"),
    ("Trường Sơn", "truongson"),
    ("Hải Âu", "haiau"),
    ("Đông Bắc", "dongbac"),
    ("Phương Nam", "phuongnam"),
    ("Thái Bình Dương", "tbd"),
    ("Quốc Tế Sông Hồng", "songhong"),
    ("Mekong Star", "mekongstar"),
    ("Cát Tường", "cattuong"),
    ("Vạn Xuân", "vanxuan"),
    ("Hà Thành", "hathanh"),
    ("Kinh Bắc", "kinhbac"),
    ("Lạc Hồng", "lachong"),
    ("Nhật Minh", "nhatminh"),
    ("Sài Gòn Xanh", "saigonxanh"),
    ("Hòa Bình", "hoabinh"),
    ("Thiên Ân", "thienan"),
    ("Phúc Lộc", "phucloc"),
    ("Á Châu", "achau"),
    ("Toàn Cầu", "toancau"),
];

/// (business line, ascii slug suffix)
const SECTORS: &[(&str, &str)] = &[
    ("Xuất nhập khẩu", ""),
    ("Thương mại và Dịch vụ", "trading"),
    ("Logistics", "logistics"),
    ("Sản xuất và Thương mại", "group"),
    ("Thủy sản", "seafood"),
    ("Điện tử", "tech"),
    ("Dệt may", "textile"),
];

const MAIL_BOXES: &[&str] = &["xnk", "info", "ketoan", "chungtu", "logistics", "import"];
const MAIL_TLDS: &[&str] = &["com.vn", "vn", "com"];

/// (full name with diacritics, ascii for e-mail)
const PEOPLE: &[(&str, &str)] = &[
    ("Nguyễn Văn An", "nguyenvanan"),
    ("Trần Thị Bích", "tranthibich"),
    ("Lê Hoàng Nam", "lehoangnam"),
    ("Phạm Thị Hương", "phamthihuong"),
    ("Hoàng Minh Quân", "hoangminhquan"),
    ("Vũ Thị Ngọc", "vuthingoc"),
    ("Đặng Quốc Bảo", "dangquocbao"),
    ("Bùi Thị Hạnh", "buithihanh"),
    ("Đỗ Văn Thắng", "dovanthang"),
    ("Ngô Thị Thảo", "ngothithao"),
    ("Dương Văn Phúc", "duongvanphuc"),
    ("Lý Thị Hoa", "lythihoa"),
    ("Trịnh Công Sơn", "trinhcongson"),
    ("Mai Anh Thư", "maianhthu"),
    ("Phan Văn Lợi", "phanvanloi"),
    ("Võ Thị Kim Chi", "vothikimchi"),
    ("Huỳnh Tấn Phát", "huynhtanphat"),
    ("Đinh Thị Yến", "dinhthiyen"),
];

/// Mobile prefixes. 089 is left out: the phone-number metadata used by `PhoneE164::parse`
/// only accepts 0899…, so most random 089 numbers would be rejected by the loader.
const PHONE_PREFIXES: &[&str] = &[
    "090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035", "036", "037",
    "038", "039", "081", "082", "083", "084", "085", "086", "088",
];

const MAIL_PROVIDERS: &[&str] = &["gmail.com", "yahoo.com", "outlook.com"];

fn phone(rng: &mut StdRng) -> String {
    let prefix = pick(rng, PHONE_PREFIXES, "090");
    format!("{prefix}{:07}", rng.gen_range(0u32..10_000_000))
}

/// "0912345678" → "0912 345 678"
fn spaced_phone(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 2);
    for (i, c) in p.chars().enumerate() {
        if i == 4 || i == 7 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn tax_code(rng: &mut StdRng) -> Option<String> {
    for _ in 0..64 {
        let head = pick(rng, &["01", "02", "03", "57"], "01");
        let prefix = format!("{head}{:07}", rng.gen_range(0u32..10_000_000));
        if let Some(tc) = TaxCode::with_check_digit(&prefix) {
            return Some(tc.as_str().to_string());
        }
    }
    None
}

fn businesses(rng: &mut StdRng, count: usize) -> Vec<DemoRequester> {
    let mut combos: Vec<(usize, usize)> = (0..BUSINESS_CORES.len())
        .flat_map(|c| (0..SECTORS.len()).map(move |s| (c, s)))
        .collect();
    combos.shuffle(rng);
    let mut used_cores = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(count);
    // First pass: one business per trade name; second pass allows a second sector.
    for pass in 0..2 {
        for &(c, s) in &combos {
            if out.len() >= count {
                break;
            }
            if pass == 0 && used_cores.contains(&c) {
                continue;
            }
            if pass == 1 && !used_cores.contains(&c) {
                continue;
            }
            let (Some(&(core, slug)), Some(&(sector, sector_slug))) =
                (BUSINESS_CORES.get(c), SECTORS.get(s))
            else {
                continue;
            };
            let full_slug = format!("{slug}{sector_slug}");
            if pass == 1
                && out.iter().any(|b: &DemoRequester| {
                    b.email
                        .as_deref()
                        .is_some_and(|e| e.contains(&format!("@{full_slug}.")))
                })
            {
                continue;
            }
            if pass == 0 {
                used_cores.insert(c);
            }
            let form = if rng.gen_bool(0.55) {
                "Công ty TNHH"
            } else {
                "Công ty Cổ phần"
            };
            let business_name = format!("{form} {sector} {core}");
            let (contact, _) = pick(rng, PEOPLE, ("Nguyễn Văn An", "nguyenvanan"));
            let email = if rng.gen_bool(0.85) {
                let mailbox = pick(rng, MAIL_BOXES, "info");
                let tld = pick(rng, MAIL_TLDS, "com.vn");
                Some(format!("{mailbox}@{full_slug}.{tld}"))
            } else {
                None
            };
            let phone = if email.is_none() || rng.gen_bool(0.7) {
                Some(phone(rng))
            } else {
                None
            };
            out.push(DemoRequester {
                name: contact.to_string(),
                business_name: Some(business_name),
                tax_code: tax_code(rng),
                email,
                phone,
            });
        }
    }
    out
}

fn citizen(rng: &mut StdRng, with_phone: bool) -> DemoRequester {
    let (name, ascii) = pick(rng, PEOPLE, ("Nguyễn Văn An", "nguyenvanan"));
    let (email, phone) = if with_phone || rng.gen_bool(0.5) {
        (None, Some(phone(rng)))
    } else {
        let provider = pick(rng, MAIL_PROVIDERS, "gmail.com");
        let n = rng.gen_range(70u32..100);
        (Some(format!("{ascii}{n}@{provider}")), None)
    };
    DemoRequester {
        name: name.to_string(),
        business_name: None,
        tax_code: None,
        email,
        phone,
    }
}

/// Pick a business, skewed so that some businesses reappear across many cases.
fn pick_business(rng: &mut StdRng, pool: &[DemoRequester]) -> Option<DemoRequester> {
    if pool.is_empty() {
        return None;
    }
    let a = rng.gen_range(0..pool.len());
    let b = rng.gen_range(0..pool.len());
    pool.get(a.min(b)).cloned()
}

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

fn greeting(requester: Option<&DemoRequester>) -> &'static str {
    match requester {
        Some(r) if r.business_name.is_some() => "Kính gửi Quý Doanh nghiệp,",
        _ => "Kính gửi Ông/Bà,",
    }
}

/// Canned answers per category as (subject keywords separated by `|`, text). An answer whose
/// keywords match the (lower-cased) subject wins; otherwise one without keywords is used.
const ANSWERS: &[(&str, &str, &str)] = &[
    ("b2.it.vnaccs_account", "đăng ký tài khoản|register|dang ky",
        "Doanh nghiệp đăng ký người sử dụng VNACCS trực tuyến tại Cổng thông tin điện tử Hải quan (mục Đăng ký tham gia hệ thống VNACCS), ký số bằng chữ ký số đã đăng ký của doanh nghiệp. Sau khi hồ sơ được phê duyệt, thông tin tài khoản được gửi về email đăng ký trong vòng 1 ngày làm việc. Doanh nghiệp không cần đến trực tiếp Chi cục Hải quan."),
    ("b2.it.vnaccs_account", "đăng nhập|mật khẩu",
        "Chúng tôi đã kiểm tra và mở khóa tài khoản người sử dụng của Quý Doanh nghiệp. Đề nghị đăng nhập lại và đổi mật khẩu ngay lần đầu; lưu ý tài khoản sẽ bị khóa tạm thời nếu nhập sai mật khẩu 5 lần liên tiếp."),
    ("b2.it.vnaccs_account", "bổ sung người",
        "Quý Doanh nghiệp đăng nhập Cổng thông tin điện tử Hải quan bằng chữ ký số của doanh nghiệp, chọn Sửa thông tin đăng ký VNACCS để hủy người sử dụng cũ và thêm người sử dụng mới. Hồ sơ được xử lý trong 1 ngày làm việc, không cần nộp bản giấy."),
    ("b2.it.vnaccs_error", "",
        "Lỗi {err} ({err_msg}) phát sinh do thông tin khai báo không khớp với dữ liệu trên hệ thống. Đề nghị Quý Doanh nghiệp kiểm tra lại mã người sử dụng, mã máy trạm và các chỉ tiêu liên quan trong phần mềm khai báo rồi gửi lại nghiệp vụ. Nếu vẫn phát sinh lỗi, vui lòng gửi ảnh chụp màn hình thông điệp lỗi qua email hỗ trợ."),
    ("b2.it.vnaccs_error", "kết nối|không nhận được phản hồi",
        "Hệ thống đã ghi nhận thông điệp của Quý Doanh nghiệp. Sự cố do gián đoạn đường truyền trong thời gian bảo trì và đã được khắc phục; Quý Doanh nghiệp vui lòng lấy lại kết quả phản hồi (nghiệp vụ IEX) rồi tiếp tục khai báo."),
    ("b2.it.vnaccs_error", "không in",
        "Dữ liệu tờ khai {tk} đã có trên hệ thống. Quý Doanh nghiệp vào mục Tra cứu tờ khai trên Cổng thông tin điện tử Hải quan, nhập đúng mã số thuế và số tờ khai để in danh sách container/hàng hóa đủ điều kiện qua khu vực giám sát; nếu trình duyệt chặn cửa sổ in, vui lòng cho phép cửa sổ bật lên."),
    ("b2.it.digital_signature", "hết hạn|het han",
        "Khi gia hạn chứng thư số mà số serial không thay đổi, doanh nghiệp không phải đăng ký lại. Trường hợp chứng thư số mới có serial khác, Quý Doanh nghiệp đăng ký bổ sung trên Cổng thông tin điện tử Hải quan, mục Đăng ký chữ ký số, trước khi ký tờ khai. Thông tin được cập nhật sau khoảng 30 phút."),
    ("b2.it.digital_signature", "không hợp lệ",
        "Lỗi chứng thư không hợp lệ thường do chưa cài đặt chứng thư gốc của nhà cung cấp {ca} hoặc máy tính chưa cập nhật bộ công cụ ký số. Đề nghị cài lại bộ công cụ ký số mới nhất của Hải quan, khởi động lại trình duyệt và đăng ký lại."),
    ("b2.it.digital_signature", "đổi nhà cung cấp",
        "Quý Doanh nghiệp đăng ký bổ sung chứng thư số {ca2} trên Cổng thông tin điện tử Hải quan trước khi chứng thư {ca} hết hiệu lực; hai chứng thư có thể dùng song song. Các tờ khai đã gửi không bị ảnh hưởng, các thông điệp tiếp theo ký bằng chứng thư mới."),
    ("b2.it.nsw", "",
        "Chúng tôi đã kiểm tra hồ sơ {licence} trên Cổng thông tin một cửa quốc gia: hồ sơ đã được chuyển tới cơ quan cấp phép và đang chờ xử lý. Đề nghị Quý Doanh nghiệp theo dõi trạng thái trên Cổng; nếu quá thời hạn, vui lòng liên hệ trực tiếp cơ quan cấp phép."),
    ("b2.it.nsw", "đính kèm|dung lượng",
        "Cổng thông tin một cửa quốc gia giới hạn mỗi file đính kèm tối đa 5MB, định dạng PDF, JPG hoặc PNG. Đề nghị Quý Doanh nghiệp nén file hoặc tách chứng từ thành nhiều file rồi gửi lại hồ sơ."),
    ("b2.it.asw", "tra cứu",
        "Quý Doanh nghiệp khai số tham chiếu e-C/O {conum} tại ô Số giấy phép của tờ khai, mã loại giấy phép tương ứng với C/O mẫu D; hệ thống sẽ tự động đối chiếu dữ liệu nhận qua Cơ chế một cửa ASEAN nên không cần nộp bản giấy."),
    ("b2.it.asw", "chưa hiển thị",
        "e-C/O số {conum} chưa được truyền sang Việt Nam. Đề nghị Quý Doanh nghiệp yêu cầu nhà xuất khẩu tại {country} liên hệ cơ quan cấp C/O để kiểm tra việc truyền dữ liệu; trong thời gian chờ, doanh nghiệp có thể khai báo nộp bổ sung C/O theo quy định."),
    ("b2.it.asw", "tu choi|từ chối",
        "e-C/O bị từ chối do thông tin trên C/O (số hóa đơn, mã HS, số lượng) không khớp với tờ khai. Đề nghị Quý Doanh nghiệp đối chiếu và khai sửa tờ khai nếu sai, hoặc đề nghị nhà xuất khẩu xin cấp lại e-C/O nếu sai sót nằm trên C/O."),
    ("b2.it.epayment", "chưa được thông quan",
        "Khoản nộp {amount} qua {bank} đã được ghi nhận trên hệ thống kế toán thuế tập trung. Do dữ liệu ngân hàng truyền chậm nên tờ khai {tk} chưa được cập nhật kịp thời; hiện tờ khai đã được cập nhật trạng thái đã nộp thuế, đề nghị doanh nghiệp lấy lại thông tin để thông quan."),
    ("b2.it.epayment", "ngoài giờ",
        "Khi nộp thuế điện tử 24/7, chứng từ được truyền tự động sang hệ thống Hải quan và ghi nhận trong vòng vài phút, kể cả ngoài giờ hành chính. Doanh nghiệp không cần thông báo cho Chi cục. Trường hợp sau 30 phút chưa cập nhật, vui lòng gửi số chứng từ nộp thuế để chúng tôi kiểm tra."),
    ("b2.it.epayment", "đăng ký nộp thuế",
        "Quý Doanh nghiệp ký thỏa thuận sử dụng dịch vụ nộp thuế điện tử và thông quan 24/7 trực tiếp với ngân hàng {bank}, sau đó đăng nhập Cổng thanh toán điện tử hải quan bằng chữ ký số để kích hoạt tài khoản. Doanh nghiệp không phải gửi văn bản giấy tới cơ quan Hải quan."),
    ("b2.it.epayment", "nhầm",
        "Quý Doanh nghiệp gửi văn bản đề nghị điều chỉnh thông tin chứng từ nộp thuế tới Chi cục Hải quan nơi mở tờ khai, kèm giấy nộp tiền có xác nhận của ngân hàng. Sau khi điều chỉnh, số tiền được hạch toán cho tờ khai đúng theo ngày nộp ban đầu."),
    ("b2.policy.tariff", "",
        "Căn cứ Danh mục hàng hóa xuất khẩu, nhập khẩu Việt Nam và 6 quy tắc tổng quát phân loại, mặt hàng {goods} có thể tham khảo mã {hs}. Việc phân loại chính xác phụ thuộc vào cấu tạo, chức năng thực tế của hàng hóa; Quý Doanh nghiệp có thể đề nghị xác định trước mã số trước khi nhập khẩu để được cơ quan Hải quan xác nhận."),
    ("b2.policy.tariff", "thuế suất|duty|chuyen nganh",
        "Thuế suất áp dụng cho mã {hs} được tra cứu tại Biểu thuế xuất khẩu, nhập khẩu hiện hành trên Cổng thông tin điện tử Hải quan (mục Tra cứu biểu thuế). Về quản lý chuyên ngành, Quý Doanh nghiệp đối chiếu các danh mục do Bộ quản lý chuyên ngành ban hành; mã số nêu trên cần được xác nhận theo thực tế hàng hóa."),
    ("b2.policy.tariff", "cá nhân",
        "Hàng gửi qua dịch vụ chuyển phát nhanh có trị giá nhỏ được xem xét miễn thuế theo định mức quy định; trường hợp vượt định mức, Ông/Bà nộp thuế nhập khẩu và thuế GTGT trên toàn bộ trị giá lô hàng. Doanh nghiệp chuyển phát nhanh sẽ thay mặt Ông/Bà khai báo và thông báo số thuế phải nộp."),
    ("b2.policy.origin", "sai sót",
        "Theo quy định, sai sót nhỏ trên C/O không làm thay đổi xuất xứ hàng hóa thì vẫn được chấp nhận. Quý Doanh nghiệp cung cấp giải trình và chứng từ liên quan cho Chi cục Hải quan nơi làm thủ tục để được xem xét áp dụng thuế suất ưu đãi đặc biệt."),
    ("b2.policy.origin", "bổ sung c/o",
        "Doanh nghiệp được nộp bổ sung C/O trong thời hạn hiệu lực của C/O và khai bổ sung tờ khai để áp dụng thuế suất ưu đãi đặc biệt; số tiền thuế nộp thừa sẽ được xử lý hoàn hoặc bù trừ theo quy định của Luật Quản lý thuế."),
    ("b2.policy.origin", "cptpp",
        "Chứng từ tự chứng nhận xuất xứ theo CPTPP có thể thể hiện trên hóa đơn hoặc chứng từ thương mại khác, gồm các thông tin tối thiểu theo Phụ lục 3-B của Hiệp định (nhà xuất khẩu, nhà sản xuất, mô tả và mã HS hàng hóa, tiêu chí xuất xứ, ngày chứng nhận, chữ ký). Doanh nghiệp cần lưu giữ hồ sơ chứng minh xuất xứ ít nhất 5 năm."),
    ("b2.policy.procedure", "khai bổ sung",
        "Doanh nghiệp được khai bổ sung trong thời hạn 60 ngày kể từ ngày thông quan và trước khi cơ quan Hải quan quyết định kiểm tra sau thông quan. Quý Doanh nghiệp thực hiện nghiệp vụ AMA trên hệ thống VNACCS, kèm chứng từ chứng minh nội dung khai bổ sung."),
    ("b2.policy.procedure", "hoàn thuế",
        "Hồ sơ hoàn thuế gồm công văn đề nghị hoàn thuế, hợp đồng, chứng từ thanh toán và tờ khai tái xuất. Thời hạn giải quyết là 6 ngày làm việc với hồ sơ hoàn trước, kiểm tra sau và 40 ngày với hồ sơ kiểm tra trước, hoàn thuế sau."),
    ("b2.policy.procedure", "hủy tờ khai",
        "Quý Doanh nghiệp gửi đề nghị hủy tờ khai {tkx} trên hệ thống kèm văn bản giải trình lý do không xuất khẩu. Chi cục Hải quan nơi đăng ký tờ khai xem xét và phản hồi trong 08 giờ làm việc; hàng chưa đưa vào khu vực giám sát hải quan nên không phát sinh thủ tục kiểm tra."),
    ("b2.policy.procedure", "",
        "Hàng mẫu, quà biếu có trị giá trong định mức được xét miễn thuế; Quý khách khai báo theo loại hình phù hợp (hàng phi mậu dịch) và xuất trình văn bản của bên gửi. Trường hợp hàng thuộc danh mục quản lý chuyên ngành, vẫn phải đáp ứng giấy phép hoặc kiểm tra chuyên ngành tương ứng."),
    ("b2.policy.procedure", "tam nhap",
        "Máy móc tạm nhập tái xuất phục vụ dự án được khai theo loại hình tạm nhập (G12), phải nộp thuế hoặc bảo lãnh số thuế khi tạm nhập và được hoàn/giải tỏa bảo lãnh khi tái xuất trong thời hạn đã đăng ký."),
    ("b2.policy.procedure", "hanh ly",
        "Hành khách nhập cảnh mang theo ngoại tệ tiền mặt trên 5.000 USD (hoặc tương đương), hoặc hành lý vượt định mức miễn thuế, phải khai báo hải quan tại cửa khẩu. Đồ dùng cá nhân trong định mức không phải khai báo và được đi luồng xanh."),
    ("b2.feedback", "",
        "Trung tâm Dữ liệu và Công nghệ thông tin trân trọng cảm ơn ý kiến của Quý Doanh nghiệp. Chúng tôi đã ghi nhận và sẽ chuyển bộ phận liên quan để tiếp tục nâng cao chất lượng hỗ trợ."),
    ("b1.procedure", "",
        "Cục Hải quan đã chuyển phản ánh tới Chi cục Hải quan phụ trách {port}. Đơn vị đã kiểm tra và bố trí công chức xử lý tờ khai liên quan trong ngày; Quý Doanh nghiệp vui lòng liên hệ đội thủ tục tại {port} để hoàn tất. Nếu tiếp tục gặp vướng mắc, đề nghị phản ánh lại qua đường dây nóng 1900 9299."),
    ("b1.procedure", "",
        "Qua xác minh với Chi cục, việc chậm xử lý do hồ sơ còn thiếu chứng từ chứng minh trị giá. Doanh nghiệp đã được hướng dẫn bổ sung; sau khi nhận đủ hồ sơ, Chi cục sẽ giải quyết trong 08 giờ làm việc theo quy định."),
    ("b1.procedure", "hoàn thuế|ấn định|cưỡng chế",
        "Chi cục đã rà soát hồ sơ thuế của tờ khai liên quan. Số tiền doanh nghiệp đã nộp được hạch toán đúng; biện pháp/quyết định liên quan đã được xem xét lại và đơn vị sẽ gửi văn bản trả lời chính thức cho doanh nghiệp trong 03 ngày làm việc."),
    ("b1.denunciation", "",
        "Cục Hải quan cảm ơn Ông/Bà đã cung cấp thông tin. Thông tin đã được chuyển đơn vị chức năng xác minh, xử lý theo quy định; danh tính người cung cấp thông tin được giữ bí mật theo Luật Tố cáo."),
    ("rating.follow_up", "",
        "Giám sát viên đã liên hệ lại doanh nghiệp, xin lỗi về trải nghiệm chưa tốt và phối hợp với Chi cục xử lý dứt điểm vướng mắc. Doanh nghiệp xác nhận đã được giải quyết."),
    ("callback", "",
        "Đã gọi lại cho người gọi, hướng dẫn tra cứu trạng thái tờ khai trên Cổng thông tin điện tử Hải quan. Người gọi không có yêu cầu thêm."),
    ("callback", "",
        "Đã gọi lại, người gọi hỏi về thủ tục nhận hàng quà biếu; đã hướng dẫn định mức miễn thuế và hồ sơ cần thiết."),
    ("suggestion", "",
        "Cảm ơn Quý Ông/Bà đã góp ý. Kiến nghị đã được tổng hợp, báo cáo lãnh đạo Cục để nghiên cứu trong kế hoạch nâng cấp hệ thống và cải cách thủ tục."),
];

fn staff_answer(category: &str, subject: &str, v: &Vars, rng: &mut StdRng) -> String {
    let subject = subject.to_lowercase();
    let in_category: Vec<&(&str, &str, &str)> = ANSWERS
        .iter()
        .filter(|(c, _, _)| category == *c || category.starts_with(&format!("{c}.")))
        .collect();
    let matching: Vec<&str> = in_category
        .iter()
        .filter(|(_, k, _)| !k.is_empty() && k.split('|').any(|w| subject.contains(w)))
        .map(|(_, _, text)| *text)
        .collect();
    let options: Vec<&str> = if matching.is_empty() {
        let general: Vec<&str> = in_category
            .iter()
            .filter(|(_, k, _)| k.is_empty())
            .map(|(_, _, text)| *text)
            .collect();
        if general.is_empty() {
            in_category.iter().map(|(_, _, text)| *text).collect()
        } else {
            general
        }
    } else {
        matching
    };
    let text = pick(
        rng,
        &options,
        "Chúng tôi đã tiếp nhận và xử lý yêu cầu. Nếu còn vướng mắc, đề nghị liên hệ tổng đài 1900 9299.",
    );
    v.fill(text)
}

fn staff_question(category: &str, v: &Vars, rng: &mut StdRng) -> String {
    let specific: &[&str] = match category {
        "b2.it.vnaccs_error" => &[
            "Đề nghị Quý Doanh nghiệp gửi ảnh chụp màn hình thông điệp lỗi {err}, tên và phiên bản phần mềm khai báo đang sử dụng để chúng tôi kiểm tra.",
        ],
        "b2.it.digital_signature" => &[
            "Quý Doanh nghiệp vui lòng cung cấp số serial của chứng thư số {ca} và ngày hết hạn để chúng tôi đối chiếu dữ liệu đăng ký.",
        ],
        "b2.it.epayment" => &[
            "Đề nghị Quý Doanh nghiệp cung cấp số chứng từ nộp thuế, ngày nộp và ảnh chụp giấy nộp tiền có xác nhận của ngân hàng {bank}.",
        ],
        "b2.policy.tariff" => &[
            "Để có cơ sở tư vấn phân loại, đề nghị Quý Doanh nghiệp cung cấp catalogue, thành phần cấu tạo và công dụng của mặt hàng {goods}.",
        ],
        "b2.it.asw" | "b2.policy.origin" => &[
            "Đề nghị Quý Doanh nghiệp cung cấp số C/O, ngày cấp và số tờ khai liên quan để chúng tôi tra cứu trên hệ thống.",
        ],
        _ => &[
            "Để xử lý, đề nghị Quý Doanh nghiệp cung cấp thêm số tờ khai, thời điểm phát sinh vướng mắc và thông tin người liên hệ.",
            "Quý Doanh nghiệp vui lòng cho biết đã liên hệ trực tiếp với Chi cục Hải quan nơi làm thủ tục chưa và kết quả làm việc như thế nào?",
        ],
    };
    let text = pick(
        rng,
        specific,
        "Đề nghị Quý Doanh nghiệp cung cấp thêm thông tin.",
    );
    v.fill(text)
}

const FOLLOW_UPS: &[&str] = &[
    "Công ty đã gửi bổ sung thông tin theo yêu cầu, mong sớm nhận được phản hồi vì hàng đang chờ tại cảng.",
    "Bổ sung: chúng tôi đã thử lại nhiều lần nhưng vẫn gặp tình trạng như trên.",
    "Xin hỏi đến nay đã có kết quả chưa ạ? Chi phí lưu bãi đang tăng hàng ngày.",
    "Gui bo sung anh chup man hinh loi. Nho kiem tra giup som.",
    "Any update on this? We need to clear the goods this week.",
];

const THANKS: &[&str] = &[
    "Cảm ơn bộ phận hỗ trợ, công ty đã thực hiện theo hướng dẫn và xử lý được.",
    "Đã làm được rồi, cảm ơn cán bộ nhiều.",
    "Cam on, cong ty da xu ly duoc.",
    "Thank you, the issue has been resolved.",
];

fn internal_note(kind: &str, unit: Option<&str>, rng: &mut StdRng) -> String {
    let options: &[&str] = match kind {
        "denunciation" => &[
            "Đã đối chiếu thông tin với cơ sở dữ liệu quản lý rủi ro; đề xuất lập kế hoạch xác minh.",
            "Chuyển Đội đặc nhiệm theo dõi địa bàn, phối hợp Bộ đội Biên phòng nếu cần.",
            "Thông tin trùng với một nguồn tin đã tiếp nhận trước đó, đề nghị gộp hồ sơ xác minh.",
        ],
        "procedure_problem" | "rating_follow_up" => &[
            "Đã gọi điện cho lãnh đạo đội thủ tục của Chi cục, đơn vị hứa phản hồi trong ngày.",
            "Chuyển Chi cục kiểm tra, lưu ý thời hạn giải quyết theo quy định.",
            "Doanh nghiệp phản ánh lần thứ hai về cùng nội dung, cần theo dõi sát.",
        ],
        _ => &[
            "Đã kiểm tra log hệ thống, không thấy thông điệp đến từ doanh nghiệp trong khoảng thời gian nêu.",
            "Lỗi tương tự đã gặp tuần trước, tham khảo hướng dẫn xử lý trong kho tri thức.",
            "Cần phối hợp nhóm vận hành VNACCS để kiểm tra dữ liệu.",
        ],
    };
    let note = pick(rng, options, "Đang xử lý.");
    match unit {
        Some(u) if kind == "procedure_problem" => format!("{note} (Đơn vị: {u})"),
        _ => note.to_string(),
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

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

fn regular_channel(rng: &mut StdRng) -> &'static str {
    match rng.gen_range(0..100) {
        0..=44 => "phone",
        45..=79 => "email",
        80..=91 => "portal",
        92..=96 => "staff",
        _ => "api",
    }
}

fn status(rng: &mut StdRng) -> &'static str {
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
    let mut rng = StdRng::seed_from_u64(seed);
    let pool = businesses(&mut rng, 60);
    (0..count).map(|_| one_case(&mut rng, &pool)).collect()
}

fn one_case(rng: &mut StdRng, pool: &[DemoRequester]) -> DemoCase {
    let v = Vars::random(rng);
    let roll = rng.gen_range(0..100);
    let mut status = status(rng);
    let fallback = t("b2.feedback", "Góp ý", "Góp ý.");

    let (kind, branch, tpl) = match roll {
        0..=7 => ("denunciation", 1u8, pick(rng, DENUNCIATIONS, fallback)),
        8..=12 => ("suggestion", 2, pick(rng, SUGGESTIONS, fallback)),
        13..=19 => ("callback", 2, fallback),
        20..=23 => (
            "rating_follow_up",
            1,
            pick(rng, RATING_FOLLOW_UPS, fallback),
        ),
        24..=48 => (
            "procedure_problem",
            1,
            pick(rng, PROCEDURE_PROBLEMS, fallback),
        ),
        _ => {
            if rng.gen_bool(0.1) {
                ("inquiry", 2, pick(rng, PERSONAL_INQUIRIES, fallback))
            } else {
                ("inquiry", 2, pick(rng, INQUIRIES, fallback))
            }
        }
    };
    let personal = PERSONAL_INQUIRIES.iter().any(|p| p.subject == tpl.subject);

    let (category, channel, priority, subject, body, requester, unit, assignee) = match kind {
        "denunciation" => {
            let requester = if rng.gen_bool(0.5) {
                None
            } else {
                Some(citizen(rng, true))
            };
            let channel = pick(rng, &["phone", "phone", "portal", "staff"], "phone");
            let priority = if rng.gen_bool(0.3) { "urgent" } else { "high" };
            let assignee = if status == "new" || rng.gen_bool(0.25) {
                None
            } else {
                Some(pick(rng, INVESTIGATORS, "son.dang"))
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
            let mut r = if rng.gen_bool(0.5) {
                pick_business(rng, pool).unwrap_or_else(|| citizen(rng, true))
            } else {
                citizen(rng, true)
            };
            let number = r.phone.clone().unwrap_or_else(|| phone(rng));
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
                Some(pick(rng, HOTLINE, "thu.hoang"))
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
            let assignee = if status == "new" || rng.gen_bool(0.4) {
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
            let assignee = if rng.gen_bool(0.6) {
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
            let priority = if tpl.category == "b1.procedure.clearance" && rng.gen_bool(0.4) {
                "urgent"
            } else if rng.gen_bool(0.5) {
                "high"
            } else {
                "normal"
            };
            let assignee = if status != "new" && rng.gen_bool(0.6) {
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
            let assignee = if status == "new" && rng.gen_bool(0.7) {
                None
            } else if rng.gen_bool(0.85) {
                Some(pick(rng, AGENTS, "lan.nguyen"))
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
            if requester.is_some() && rng.gen_bool(0.15) {
                replies.push(customer(pick(rng, FOLLOW_UPS, "Mong sớm nhận phản hồi.")));
            }
        }
        "open" => {
            if kind == "denunciation" || rng.gen_bool(0.5) {
                replies.push(internal(internal_note(kind, unit, rng)));
            }
            if kind != "denunciation" && kind != "callback" && rng.gen_bool(0.6) {
                replies.push(staff(format!(
                    "{hello}\n\nChúng tôi đã tiếp nhận yêu cầu và đang phối hợp với đơn vị liên quan để kiểm tra. Kết quả sẽ được phản hồi trong thời gian sớm nhất."
                )));
                if requester.is_some() && rng.gen_bool(0.5) {
                    replies.push(customer(pick(rng, FOLLOW_UPS, "Mong sớm nhận phản hồi.")));
                }
            }
            if replies.is_empty() {
                replies.push(internal(internal_note(kind, unit, rng)));
            }
        }
        "waiting" => {
            if rng.gen_bool(0.4) {
                replies.push(internal(internal_note(kind, unit, rng)));
            }
            if rng.gen_bool(0.3) {
                replies.push(staff(format!(
                    "{hello}\n\n{}",
                    staff_question(category, &v, rng)
                )));
                replies.push(customer(pick(rng, FOLLOW_UPS, "Đã bổ sung thông tin.")));
            }
            let question = if kind == "callback" {
                "Đã gọi lại hai lần nhưng thuê bao không nghe máy. Đề nghị Ông/Bà gọi lại tổng đài 1900 9299 (nhánh 2) hoặc cho biết thời gian thuận tiện để chúng tôi liên hệ?".to_string()
            } else {
                staff_question(category, &v, rng)
            };
            replies.push(staff(format!("{hello}\n\n{question}")));
        }
        _ => {
            if rng.gen_bool(0.5) {
                replies.push(internal(internal_note(kind, unit, rng)));
            }
            if requester.is_some() && kind != "callback" && rng.gen_bool(0.3) {
                replies.push(staff(format!(
                    "{hello}\n\n{}",
                    staff_question(category, &v, rng)
                )));
                replies.push(customer(pick(rng, FOLLOW_UPS, "Đã bổ sung thông tin.")));
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
                replies.push(customer(pick(rng, THANKS, "Cảm ơn.")));
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
        let mut rng = StdRng::seed_from_u64(1);
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
            assert!(matches!(u.level, "department" | "sub_department" | "team"));
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
