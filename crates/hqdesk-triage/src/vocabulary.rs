//! The customs vocabulary: abbreviations, synonyms, English equivalents and common misspellings
//! of the words people use with the hotline, each group mapped to one canonical concept.
//!
//! Written with diacritics as people write them and folded with [`hqdesk_domain::text::fold`]
//! when the matcher is built, so "tờ khai", "to khai", "TK" and "declaration" all name the
//! concept `to khai`. A variant of several words matches those words in a row (after folding and
//! splitting on anything that is not a letter or digit: "C/O" is the two words "c o").
//!
//! Retrieval adds the concept to both the articles and the incoming text wherever one of its
//! variants occurs, so an abbreviation finds the full term and the full term finds the
//! abbreviation (both directions).

/// One concept: its canonical term (the first, Vietnamese, form) and the other ways to say it.
pub struct Entry {
    /// The canonical term, with diacritics.
    pub canonical: &'static str,
    /// Abbreviations, synonyms, English equivalents, usual misspellings.
    pub variants: &'static [&'static str],
}

const fn e(canonical: &'static str, variants: &'static [&'static str]) -> Entry {
    Entry {
        canonical,
        variants,
    }
}

/// The vocabulary. Order does not matter; a variant should belong to one entry only.
pub const VOCABULARY: &[Entry] = &[
    // --- declarations and the clearance system
    e(
        "tờ khai",
        &[
            "tk",
            "tkhq",
            "tờ khai hải quan",
            "declaration",
            "declarations",
            "customs declaration",
            "tờ khai điện tử",
            "tơ khai",
            "to khia",
        ],
    ),
    e(
        "tờ khai nhập khẩu",
        &[
            "tknk",
            "tk nhập",
            "tờ khai nhập",
            "import declaration",
            "tk nk",
        ],
    ),
    e(
        "tờ khai xuất khẩu",
        &[
            "tkxk",
            "tk xuất",
            "tờ khai xuất",
            "export declaration",
            "tk xk",
        ],
    ),
    e(
        "hải quan",
        &["hq", "customs", "cơ quan hải quan", "hai quan", "hãi quan"],
    ),
    e(
        "chi cục hải quan",
        &["chi cục", "cchq", "customs branch", "sub department"],
    ),
    e(
        "doanh nghiệp",
        &[
            "dn",
            "công ty",
            "cty",
            "cong ty",
            "company",
            "firm",
            "enterprise",
            "business",
        ],
    ),
    e(
        "mã số thuế",
        &["mst", "tax code", "tax id", "tax identification number"],
    ),
    e(
        "xuất nhập khẩu",
        &["xnk", "import export", "xuất khẩu nhập khẩu"],
    ),
    e(
        "nhập khẩu",
        &[
            "nk",
            "import",
            "imports",
            "imported",
            "importing",
            "hàng nhập",
        ],
    ),
    e(
        "xuất khẩu",
        &[
            "xk",
            "export",
            "exports",
            "exported",
            "exporting",
            "hàng xuất",
        ],
    ),
    e(
        "vnaccs",
        &[
            "vnaccs vcis",
            "vnacc",
            "vnacss",
            "vnaccs/vcis",
            "hệ thống thông quan tự động",
        ],
    ),
    e("vcis", &[]),
    e(
        "phần mềm khai hải quan",
        &[
            "ecus",
            "ecus5",
            "ecus 5",
            "ecuss",
            "phần mềm khai báo",
            "phần mềm khai báo hải quan",
            "declaration software",
            "customs software",
            "fpt.ecus",
            "phần mềm",
        ],
    ),
    e(
        "khai báo",
        &[
            "khai bao",
            "declare",
            "declaring",
            "file declarations",
            "khai hải quan",
        ],
    ),
    e(
        "thông quan",
        &[
            "clearance",
            "cleared",
            "clear",
            "customs clearance",
            "giải phóng hàng",
            "release",
            "released",
        ],
    ),
    e(
        "khu vực giám sát",
        &["kvgs", "customs controlled area", "cổng cảng", "port gate"],
    ),
    e(
        "nghiệp vụ ida",
        &["ida", "ida01", "idb", "idc", "nghiệp vụ khai nhập khẩu"],
    ),
    e(
        "nghiệp vụ eda",
        &["eda", "eda01", "edc", "nghiệp vụ khai xuất khẩu"],
    ),
    e(
        "khai sửa đổi",
        &[
            "ide",
            "ede",
            "khai sửa",
            "sửa tờ khai",
            "sửa tk",
            "amend",
            "amendment",
            "amending",
            "correct the declaration",
        ],
    ),
    e(
        "điều chỉnh",
        &[
            "adjust",
            "adjusted",
            "adjustment",
            "điều chỉnh tờ khai",
            "chỉnh sửa",
        ],
    ),
    e(
        "cài lại phần mềm",
        &[
            "cài lại",
            "reinstall",
            "reinstalled",
            "cài đặt lại",
            "máy mới",
            "máy tính mới",
            "new pc",
            "new computer",
            "thay máy tính",
            "cài mới",
        ],
    ),
    e(
        "khai bổ sung",
        &[
            "kbs",
            "bổ sung tờ khai",
            "supplementary declaration",
            "sửa đổi bổ sung",
        ],
    ),
    e(
        "hủy tờ khai",
        &[
            "huỷ tờ khai",
            "hủy tk",
            "huỷ tk",
            "cancel declaration",
            "cancel the declaration",
            "cancellation",
            "cancel",
        ],
    ),
    e(
        "trùng tờ khai",
        &[
            "tờ khai trùng",
            "khai trùng",
            "duplicate",
            "duplicate declaration",
            "trùng tk",
        ],
    ),
    e("số tờ khai", &["số tk", "declaration number"]),
    // --- errors
    e(
        "mã lỗi",
        &["error code", "error codes", "mã lỗi vnaccs", "bảng mã lỗi"],
    ),
    e(
        "lỗi",
        &[
            "error",
            "errors",
            "bug",
            "bị lỗi",
            "báo lỗi",
            "failed",
            "fails",
            "fail",
            "looix",
            "lôi",
        ],
    ),
    e("e1001", &["mã lỗi e1001", "lỗi e1001", "error e1001"]),
    e("exxxx", &["lỗi exxxx", "mã lỗi e", "lỗi e", "e code"]),
    e(
        "không nhận được phản hồi",
        &[
            "không có phản hồi",
            "no response",
            "never received any response",
            "chưa nhận phản hồi",
            "không thấy phản hồi",
            "không lấy được phản hồi",
        ],
    ),
    e(
        "phản hồi",
        &[
            "response",
            "reply",
            "kết quả xử lý",
            "lấy phản hồi",
            "lấy kết quả",
        ],
    ),
    e(
        "hết thời gian chờ",
        &["timeout", "time out", "timed out", "time-out"],
    ),
    e(
        "kết nối",
        &[
            "connection",
            "connect",
            "mất kết nối",
            "không kết nối được",
            "không kết nối được máy chủ",
            "đường truyền",
            "internet",
            "proxy",
        ],
    ),
    e(
        "sự cố hệ thống",
        &[
            "sự cố",
            "hệ thống lỗi",
            "system down",
            "outage",
            "hệ thống chậm",
        ],
    ),
    e(
        "không gửi được",
        &[
            "không truyền được",
            "ko gửi được",
            "k gửi được",
            "gửi không được",
            "truyền không được",
            "cannot send",
            "can't send",
            "cannot submit",
            "không lên được",
        ],
    ),
    e(
        "gửi lại",
        &["resend", "gửi lại nhiều lần", "truyền lại", "send again"],
    ),
    // --- accounts
    e(
        "tài khoản",
        &[
            "account",
            "tài khoản vnaccs",
            "tk vnaccs",
            "user account",
            "acc",
        ],
    ),
    e(
        "mã người sử dụng",
        &[
            "user code",
            "usercode",
            "user id",
            "userid",
            "mã định danh",
            "username",
            "user name",
        ],
    ),
    e(
        "người sử dụng",
        &["user", "users", "người khai", "người khai báo", "nsd"],
    ),
    e(
        "mật khẩu",
        &[
            "password",
            "pass",
            "pw",
            "mk",
            "pass word",
            "mat khau",
            "mật mã",
        ],
    ),
    e(
        "terminal id",
        &[
            "terminal",
            "mã số thiết bị đầu cuối",
            "thiết bị đầu cuối",
            "terminalid",
            "terminal access key",
            "access key",
            "khóa truy cập",
            "máy trạm",
        ],
    ),
    e(
        "đăng nhập",
        &[
            "login",
            "log in",
            "sign in",
            "signin",
            "xác thực người sử dụng",
            "authenticate",
            "authenticated",
            "authentication",
        ],
    ),
    e(
        "bị khóa",
        &["tài khoản bị khóa", "locked", "lock", "khoá", "bị khoá"],
    ),
    e(
        "quên mật khẩu",
        &[
            "forgot password",
            "lost password",
            "quên pass",
            "reset password",
            "cấp lại mật khẩu",
        ],
    ),
    e(
        "đăng ký",
        &[
            "register",
            "registration",
            "registered",
            "sign up",
            "đăng kí",
            "dang ki",
            "dk",
            "đk",
        ],
    ),
    e(
        "đăng ký mới",
        &[
            "cấp tài khoản",
            "xin tài khoản",
            "new account",
            "obtain",
            "tạo tài khoản",
        ],
    ),
    e(
        "từ chối",
        &[
            "rejected",
            "reject",
            "refused",
            "bị trả về",
            "trả về",
            "bị từ chối",
            "denied",
        ],
    ),
    e(
        "sửa đổi thông tin",
        &[
            "thay đổi thông tin",
            "cập nhật thông tin",
            "update",
            "updated",
            "change information",
            "đổi thông tin",
        ],
    ),
    e(
        "nghỉ việc",
        &["left the company", "resigned", "quit", "nhân viên nghỉ"],
    ),
    e(
        "người đại diện theo pháp luật",
        &[
            "người đại diện",
            "legal representative",
            "giám đốc",
            "director",
        ],
    ),
    e(
        "đổi tên",
        &[
            "thay đổi tên",
            "rename",
            "renamed",
            "changed name",
            "đổi địa chỉ",
            "chuyển trụ sở",
            "moved",
            "new address",
        ],
    ),
    e("chi nhánh", &["branch office", "mst chi nhánh"]),
    // --- digital signature
    e(
        "chữ ký số",
        &[
            "cks",
            "chữ kí số",
            "chứ ký số",
            "chu ky so",
            "chu ki so",
            "ký số",
            "kí số",
            "digital signature",
            "digital signatures",
            "e-signature",
            "esignature",
            "token",
            "usb token",
            "usb ký số",
            "chữ ký điện tử",
            "signature",
            "sign",
            "signing",
            "chuwx kys soos",
        ],
    ),
    e(
        "chứng thư số",
        &[
            "chứng thư",
            "certificate",
            "digital certificate",
            "cert",
            "chứng thư số mới",
            "serial",
            "số serial",
        ],
    ),
    e(
        "hết hạn",
        &[
            "het han",
            "expired",
            "expire",
            "expires",
            "expiry",
            "hết hiệu lực",
            "quá hạn",
            "hết hạn sử dụng",
            "ngoài thời hạn",
        ],
    ),
    e(
        "gia hạn",
        &[
            "renew",
            "renewal",
            "renewed",
            "extend",
            "extension",
            "gia hạn chữ ký số",
        ],
    ),
    e(
        "không hợp lệ",
        &[
            "invalid",
            "not valid",
            "is invalid",
            "khong hop le",
            "không xác thực được",
            "sai chữ ký",
        ],
    ),
    e(
        "nhà cung cấp chữ ký số",
        &[
            "viettel",
            "vnpt",
            "bkav",
            "fpt",
            "misa",
            "nhà cung cấp dịch vụ chứng thực",
            "tổ chức cung cấp dịch vụ chứng thực",
        ],
    ),
    e(
        "driver",
        &[
            "trình điều khiển",
            "phần mềm quản lý token",
            "plugin",
            "trình cắm",
        ],
    ),
    // --- single windows and origin
    e(
        "cổng thông tin một cửa quốc gia",
        &[
            "nsw",
            "một cửa quốc gia",
            "cơ chế một cửa quốc gia",
            "national single window",
            "vnsw",
            "cổng một cửa quốc gia",
            "cổng nsw",
        ],
    ),
    e(
        "cơ chế một cửa asean",
        &[
            "asw",
            "một cửa asean",
            "asean single window",
            "một cửa asian",
        ],
    ),
    e("một cửa", &["single window", "1 cửa"]),
    e(
        "giấy phép",
        &[
            "license",
            "licence",
            "permit",
            "giấy phép nhập khẩu",
            "cấp phép",
            "licensing",
            "import licence",
            "import license",
            "kiểm tra chuyên ngành",
            "kiểm dịch",
        ],
    ),
    e(
        "chứng nhận xuất xứ",
        &[
            "c o",
            "c/o",
            "giấy chứng nhận xuất xứ",
            "certificate of origin",
            "certificates of origin",
            "co form",
            "co mẫu",
            "e c o",
            "e co",
            "eco",
            "c/o form",
            "form d",
            "form e",
            "mẫu d",
            "mẫu e",
            "co cấp sau",
            "tự chứng nhận xuất xứ",
            "self certification",
        ],
    ),
    e(
        "xuất xứ",
        &[
            "origin",
            "made in",
            "rules of origin",
            "quy tắc xuất xứ",
            "nước xuất xứ",
        ],
    ),
    e(
        "thuế suất ưu đãi đặc biệt",
        &[
            "atiga",
            "fta",
            "evfta",
            "cptpp",
            "acfta",
            "ưu đãi đặc biệt",
            "preferential",
            "preferential tariff",
            "ưu đãi",
        ],
    ),
    // --- tariff classification
    e(
        "mã hs",
        &[
            "hs",
            "hs code",
            "mã số hàng hóa",
            "mã hàng",
            "ma hs",
            "hscode",
            "mã số hs",
            "tariff code",
            "phân loại hàng hóa",
            "classification",
            "classify",
            "áp mã",
        ],
    ),
    e(
        "xác định trước",
        &[
            "advance ruling",
            "xác định trước mã số",
            "xđtr",
            "xin xác định trước",
        ],
    ),
    e(
        "biểu thuế",
        &["tariff", "danh mục hàng hóa", "biểu thuế xuất nhập khẩu"],
    ),
    // --- taxes and payment
    e(
        "nộp thuế",
        &[
            "đóng thuế",
            "nộp tiền thuế",
            "e-payment",
            "epayment",
            "pay",
            "paid",
            "payment",
            "pay duty",
            "paid the duty",
            "dong thue",
            "nop thue",
            "chuyển tiền thuế",
            "thanh toán thuế",
        ],
    ),
    e(
        "nộp thuế điện tử",
        &[
            "nộp thuế online",
            "thanh toán điện tử",
            "online payment",
            "pay online",
            "cổng thanh toán điện tử",
            "internet banking",
            "ngân hàng điện tử",
            "mobile banking",
        ],
    ),
    e(
        "ngân hàng phối hợp thu",
        &[
            "ngân hàng",
            "bank",
            "banks",
            "vietcombank",
            "vietinbank",
            "bidv",
            "agribank",
            "techcombank",
            "phối hợp thu",
        ],
    ),
    e(
        "24/7",
        &[
            "24 7",
            "ngoài giờ",
            "ngoài giờ hành chính",
            "cuối tuần",
            "thứ bảy",
            "chủ nhật",
            "ngày nghỉ",
            "ngày lễ",
            "weekend",
            "weekends",
            "holiday",
            "holidays",
            "at night",
            "buổi tối",
            "24h",
        ],
    ),
    e(
        "chưa ghi nhận",
        &[
            "chưa được ghi nhận",
            "not recorded",
            "still shows unpaid",
            "unpaid",
            "vẫn báo nợ",
            "báo nợ",
            "nợ thuế",
            "chưa hoàn thành nghĩa vụ thuế",
            "bị trừ tiền",
            "debited",
        ],
    ),
    e(
        "thuế",
        &[
            "duty",
            "duties",
            "tax",
            "taxes",
            "thuế nhập khẩu",
            "thuế nk",
            "import duty",
            "vat",
            "thuế gtgt",
            "gtgt",
        ],
    ),
    e(
        "hoàn thuế",
        &[
            "refund",
            "refunded",
            "tax refund",
            "hoàn thuế nhập khẩu",
            "được hoàn",
            "trả lại thuế",
            "hoàn trả",
            "xin hoàn",
        ],
    ),
    e(
        "nộp thừa",
        &["overpaid", "overpayment", "nộp dư", "nộp nhầm", "thừa thuế"],
    ),
    e(
        "tái xuất",
        &[
            "re-export",
            "reexport",
            "re export",
            "trả lại người bán",
            "tái nhập",
            "re-import",
            "reimport",
        ],
    ),
    // --- channels and inspection
    e(
        "phân luồng",
        &[
            "luồng",
            "channel",
            "channels",
            "kết quả phân luồng",
            "phân luồng tờ khai",
            "lane",
            "mã phân luồng",
        ],
    ),
    e("luồng xanh", &["green channel", "green", "luồng 1"]),
    e("luồng vàng", &["yellow channel", "yellow", "luồng 2"]),
    e("luồng đỏ", &["red channel", "red", "luồng 3", "luong do"]),
    e(
        "kiểm tra thực tế",
        &[
            "kttt",
            "kiểm hóa",
            "kiểm hoá",
            "kiem hoa",
            "physical inspection",
            "inspection",
            "inspected",
            "kiểm tra thực tế hàng hóa",
            "kiểm thực tế",
            "mở kiểm",
        ],
    ),
    e("máy soi", &["soi chiếu", "x-ray", "scanner", "scanning"]),
    e(
        "kiểm tra hồ sơ",
        &["kiểm tra chi tiết hồ sơ", "document check", "kthc"],
    ),
    e(
        "lấy mẫu",
        &[
            "sample",
            "samples",
            "sampling",
            "mẫu hàng",
            "phân tích phân loại",
        ],
    ),
    e("container", &["cont", "công-te-nơ", "cnt"]),
    e(
        "trạng thái",
        &[
            "status",
            "tình trạng",
            "track",
            "tracking",
            "check the status",
        ],
    ),
    // --- feedback, denunciation, questions
    e(
        "đánh giá",
        &[
            "rate",
            "rating",
            "evaluate",
            "chấm điểm",
            "danh gia",
            "feedback on the service",
        ],
    ),
    e(
        "hài lòng",
        &[
            "satisfaction",
            "satisfied",
            "dissatisfied",
            "rất hài lòng",
            "không hài lòng",
            "mức độ hài lòng",
            "khen",
        ],
    ),
    e(
        "chất lượng phục vụ",
        &["service quality", "thái độ phục vụ", "phục vụ"],
    ),
    e(
        "tố giác",
        &[
            "tố cáo",
            "to giac",
            "report",
            "reporting",
            "denounce",
            "denunciation",
            "whistleblower",
            "báo tin",
            "tin báo",
        ],
    ),
    e(
        "phản ánh",
        &["phản ảnh", "complaint", "complain", "phan anh", "khiếu nại"],
    ),
    e(
        "buôn lậu",
        &["smuggling", "smuggled", "smuggle", "hàng lậu", "buon lau"],
    ),
    e(
        "gian lận thương mại",
        &["trade fraud", "fraud", "gian lận", "gian lan"],
    ),
    e(
        "tham nhũng",
        &[
            "corruption",
            "tiêu cực",
            "nhũng nhiễu",
            "bribe",
            "bribery",
            "phong bì",
            "vòi tiền",
        ],
    ),
    e(
        "ẩn danh",
        &[
            "anonymous",
            "anonymously",
            "giấu tên",
            "không nêu tên",
            "lộ danh tính",
            "bảo mật danh tính",
        ],
    ),
    e(
        "bảo vệ người tố giác",
        &["bảo vệ", "protected", "protection", "safely", "trả thù"],
    ),
    e("nhánh 1", &["bấm 1", "phím 1", "press 1"]),
    e("nhánh 2", &["bấm 2", "phím 2", "press 2"]),
    e(
        "đường dây nóng",
        &[
            "hotline",
            "tổng đài",
            "1900 9299",
            "19009299",
            "đường dây nóng hải quan",
        ],
    ),
    e(
        "câu hỏi",
        &[
            "question",
            "questions",
            "hỏi đáp",
            "thắc mắc",
            "ask",
            "inquiry",
            "enquiry",
        ],
    ),
    e(
        "vướng mắc",
        &[
            "vuong mac",
            "khó khăn",
            "problem",
            "issue",
            "issues",
            "difficulty",
        ],
    ),
    e(
        "chính sách",
        &[
            "policy",
            "policies",
            "regulation",
            "regulations",
            "quy định",
            "văn bản pháp luật",
            "luật",
        ],
    ),
    e(
        "văn bản trả lời",
        &[
            "official answer",
            "công văn trả lời",
            "trả lời bằng văn bản",
            "written answer",
            "official reply",
        ],
    ),
    e(
        "góp ý",
        &[
            "suggestion",
            "suggestions",
            "hòm thư góp ý",
            "kiến nghị",
            "đề xuất",
            "recommendation",
        ],
    ),
    e(
        "thủ tục",
        &[
            "procedure",
            "procedures",
            "thủ tục hành chính",
            "thu tuc",
            "formalities",
        ],
    ),
    e(
        "hồ sơ",
        &[
            "documents",
            "dossier",
            "paperwork",
            "giấy tờ",
            "chứng từ",
            "ho so",
            "documentation",
        ],
    ),
    e(
        "hóa đơn",
        &["hoá đơn", "invoice", "invoices", "commercial invoice"],
    ),
    e(
        "vận đơn",
        &["bill of lading", "b/l", "bl", "awb", "airway bill"],
    ),
    e("hợp đồng", &["contract", "contracts", "hđ"]),
    e(
        "trị giá",
        &[
            "value",
            "valuation",
            "giá trị",
            "đơn giá",
            "unit price",
            "price",
        ],
    ),
    e("số lượng", &["quantity", "qty", "sl"]),
    e(
        "khai sai",
        &[
            "sai sót",
            "mistake",
            "by mistake",
            "wrong",
            "incorrect",
            "nhầm",
            "khai nhầm",
            "ghi nhầm",
            "sai",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use hqdesk_domain::text::search_tokens;
    use std::collections::HashMap;

    #[test]
    fn at_least_eighty_entries_and_many_variants() {
        assert!(VOCABULARY.len() >= 80, "{}", VOCABULARY.len());
        let variants: usize = VOCABULARY.iter().map(|e| e.variants.len()).sum();
        assert!(variants >= 400, "{variants}");
    }

    #[test]
    fn every_term_folds_to_words() {
        for e in VOCABULARY {
            assert!(!search_tokens(e.canonical).is_empty(), "{}", e.canonical);
            for v in e.variants {
                assert!(!search_tokens(v).is_empty(), "{} / {v}", e.canonical);
            }
        }
    }

    #[test]
    fn no_variant_names_two_concepts() {
        let mut seen: HashMap<String, &str> = HashMap::new();
        let mut clashes = Vec::new();
        for e in VOCABULARY {
            let mut forms: Vec<String> = e.variants.iter().map(|v| search_tokens(v)).collect();
            forms.push(search_tokens(e.canonical));
            forms.sort();
            forms.dedup();
            for f in forms {
                if let Some(other) = seen.insert(f.clone(), e.canonical) {
                    clashes.push(format!("{f:?}: {other} / {}", e.canonical));
                }
            }
        }
        assert!(clashes.is_empty(), "{clashes:#?}");
    }
}
