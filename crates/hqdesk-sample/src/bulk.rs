//! Case texts at volume, for the benchmark seeder: short templates whose placeholders are drawn
//! from the customs vocabulary one by one. Cheap to fill (millions of messages), and the words
//! the benchmark's searches look for ("thủy sản đông lạnh", "cảng Cát Lái", "E1702"…) occur at
//! a known rate. The demo's richer, consistent cases are [`crate::demo`]'s.
use std::fmt::Write as _;

use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::{Branch, CaseKind};

use crate::customs::{CONTRABAND, DECLARATIONS, ERRORS, GOODS, PORTS, SYSTEMS};
use crate::Rng;

const GREETINGS: &[&str] = &[
    "Kính gửi Tổng đài hỗ trợ.",
    "Chào bộ phận hỗ trợ,",
    "Kính gửi Hải quan,",
    "Xin chào,",
    "",
];
const CLOSINGS: &[&str] = &[
    "Đề nghị hướng dẫn cách xử lý. Xin cảm ơn.",
    "Mong nhận được phản hồi sớm.",
    "Trân trọng cảm ơn.",
    "Rất mong được hỗ trợ gấp vì hàng đang chờ thông quan.",
    "Xin cảm ơn.",
];
const ADVICE: &[&str] = &[
    "Doanh nghiệp vui lòng cập nhật chứng thư số mới và khai báo lại",
    "Đề nghị doanh nghiệp kiểm tra lại mã loại hình và gửi lại thông điệp",
    "Lỗi do hệ thống đã được khắc phục, doanh nghiệp vui lòng thử lại",
    "Doanh nghiệp liên hệ Chi cục Hải quan nơi mở tờ khai để được hướng dẫn thủ tục",
    "Hồ sơ hoàn thuế cần bổ sung chứng từ thanh toán qua ngân hàng",
    "Đề nghị doanh nghiệp nâng cấp phần mềm khai báo lên phiên bản mới nhất",
];

const FOLLOW_UPS: &[&str] = &[
    "Doanh nghiệp gửi bổ sung chứng từ cho tờ khai {decl} số {declno} theo yêu cầu.",
    "Đã thử lại theo hướng dẫn nhưng hệ thống vẫn báo lỗi {error}. Đề nghị hỗ trợ thêm.",
    "Cho tôi hỏi thêm: lô hàng {goods} tại {port} có phải kiểm tra chuyên ngành không?",
    "Xin cảm ơn, doanh nghiệp đã khai báo lại thành công trên {system}.",
    "Hàng đang lưu kho tại {port} phát sinh chi phí, đề nghị xử lý sớm giúp doanh nghiệp.",
    "Tôi gửi kèm ảnh chụp màn hình lỗi {error} khi truyền tờ khai {decl}.",
    "Đến nay tờ khai số {declno} vẫn chưa được phản hồi, đề nghị kiểm tra lại.",
    "Doanh nghiệp đã nộp thuế {amount} đồng nhưng {system} chưa ghi nhận.",
];
const DENUNCIATION_FOLLOW_UPS: &[&str] = &[
    "Bổ sung thông tin: đối tượng tiếp tục vận chuyển {contraband} qua {port} tối qua.",
    "Tôi có thêm hình ảnh phương tiện vận chuyển {contraband} gần {port}.",
    "Đề nghị giữ bí mật danh tính người cung cấp thông tin.",
];
const REPLIES: &[&str] = &[
    "Bộ phận hỗ trợ đã chuyển hồ sơ tờ khai {declno} tới Chi cục Hải quan {port} để xử lý.",
    "Đề nghị doanh nghiệp gửi ảnh chụp màn hình lỗi {error} và số tờ khai để kiểm tra.",
    "Lỗi {error} trên {system} đã được khắc phục, doanh nghiệp vui lòng gửi lại thông điệp.",
    "Theo quy định, lô hàng {goods} phải kiểm tra chuyên ngành trước khi thông quan.",
    "Chứng từ đã đủ, tờ khai {decl} số {declno} đã được thông quan. Trân trọng.",
    "Doanh nghiệp vui lòng liên hệ Chi cục Hải quan {port} để được hướng dẫn trực tiếp.",
];
const DENUNCIATION_REPLIES: &[&str] = &[
    "Tổ công tác đã tiếp nhận thông tin và đang tổ chức xác minh.",
    "Cảm ơn ông/bà đã cung cấp thông tin; danh tính người tố giác được giữ bí mật.",
];
const NOTES: &[&str] = &[
    "Đã chuyển Chi cục Hải quan {port} xác minh.",
    "Kiểm tra trên {system}: thông điệp đã được tiếp nhận, chờ phản hồi.",
    "Đã trao đổi với bộ phận kỹ thuật về lỗi {error}, đang chờ khắc phục.",
    "Gọi điện cho doanh nghiệp theo số {phone}, đã hướng dẫn khai bổ sung.",
    "Đối chiếu tờ khai {declno}: hồ sơ thiếu giấy chứng nhận xuất xứ.",
];
const CALLBACK_NOTES: &[&str] = &[
    "khách hàng không nghe máy.",
    "máy bận, sẽ gọi lại sau.",
    "đã liên hệ được, hướng dẫn khách hàng tra cứu tờ khai trên {system}.",
    "khách hàng hẹn gọi lại vào buổi chiều.",
];
/// A dissatisfied rating's comment.
pub const COMPLAINTS: &[&str] = &[
    "Chờ quá lâu mới được trả lời.",
    "Hướng dẫn chưa rõ, doanh nghiệp phải hỏi lại nhiều lần.",
    "Gọi tổng đài nhiều lần không ai nghe máy.",
];

/// `template` with each `{placeholder}` drawn anew (goods, port, system, decl, error,
/// contraband, declno, amount; `{phone}` is `phone`).
pub fn fill(rng: &mut Rng, template: &str, phone: &str) -> String {
    let mut out = String::with_capacity(template.len() + 40);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let key = &rest[open + 1..open + close];
        match key {
            "goods" => out.push_str(rng.pick(GOODS).map_or("", |g| g.name)),
            "port" => out.push_str(rng.pick(PORTS).map_or("", |p| p.name)),
            "system" => out.push_str(rng.pick_str(SYSTEMS)),
            "decl" => out.push_str(rng.pick_str(DECLARATIONS)),
            "error" => out.push_str(rng.pick(ERRORS).map_or("", |e| e.0)),
            "contraband" => out.push_str(rng.pick_str(CONTRABAND)),
            "phone" => out.push_str(phone),
            "declno" => {
                let _ = write!(out, "10{:010}", rng.next_u64() % 10_000_000_000);
            }
            "amount" => {
                let _ = write!(out, "{}", rng.between(5, 900) * 1_000_000);
            }
            _ => {}
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// A case's subject.
pub fn subject(kind: CaseKind, branch: Branch, rng: &mut Rng, phone: &str) -> String {
    let template = subject_template(kind, branch, rng);
    fill(rng, template, phone)
}

fn subject_template(kind: CaseKind, branch: Branch, rng: &mut Rng) -> &'static str {
    match (kind, branch) {
        (CaseKind::Inquiry, Branch::Two) => rng.pick_str(&[
            "Lỗi ký số khi gửi tờ khai {decl} trên VNACCS",
            "Không đăng nhập được {system}",
            "Hỏi thủ tục hoàn thuế nhập khẩu {goods}",
            "Tra cứu trạng thái tờ khai số {declno}",
            "Lỗi {error} khi khai báo tờ khai {decl}",
            "Hướng dẫn khai bổ sung tờ khai {decl} sau thông quan",
            "Chứng thư số hết hạn, không ký được trên {system}",
            "Hỏi chính sách thuế đối với {goods}",
            "Không nhận được phản hồi từ {system}",
            "Đăng ký tài khoản {system}",
        ]),
        (CaseKind::Inquiry, Branch::One) => rng.pick_str(&[
            "Hỏi thủ tục kiểm tra chuyên ngành {goods} tại {port}",
            "Hỏi quy định quá cảnh hàng {goods} qua {port}",
        ]),
        (CaseKind::ProcedureProblem, _) => rng.pick_str(&[
            "Vướng mắc kiểm tra chuyên ngành {goods} tại {port}",
            "Lô hàng {goods} bị giữ quá thời hạn tại {port}",
            "Chậm thông quan lô hàng {goods} tại {port}",
            "Vướng mắc xác định trị giá hải quan {goods}",
            "Phân luồng đỏ không rõ lý do, tờ khai {declno}",
        ]),
        (CaseKind::Denunciation, _) => rng.pick_str(&[
            "Tố giác buôn lậu {contraband} qua {port}",
            "Phản ánh cán bộ có dấu hiệu nhũng nhiễu tại {port}",
            "Tố giác gian lận xuất xứ {goods}",
            "Tố giác vận chuyển trái phép {contraband} khu vực {port}",
        ]),
        (CaseKind::Suggestion, _) => rng.pick_str(&[
            "Góp ý cải tiến giao diện {system}",
            "Đề nghị kéo dài thời gian làm việc tại {port}",
            "Góp ý đơn giản hóa thủ tục với {goods}",
        ]),
        (CaseKind::RatingFollowUp, _) => rng.pick_str(&[
            "Khách hàng không hài lòng với hỗ trợ về {system}",
            "Theo dõi đánh giá không hài lòng: {goods} tại {port}",
        ]),
        (CaseKind::Callback, _) => rng.pick_str(&[
            "Gọi lại cuộc gọi nhỡ từ {phone}",
            "Gọi lại: hỏi về {system}",
        ]),
    }
}

/// What came in first: the requester's message (for a callback, the missed call's record).
pub fn first_message(kind: CaseKind, rng: &mut Rng, phone: &str) -> String {
    let middle = match kind {
        CaseKind::Denunciation => rng.pick_str(&[
            "Tôi phát hiện một nhóm đối tượng thường xuyên vận chuyển {contraband} qua {port} vào ban đêm, dùng xe tải biển số tỉnh ngoài.",
            "Tại {port} có cán bộ yêu cầu doanh nghiệp chi thêm {amount} đồng để được thông quan nhanh.",
            "Doanh nghiệp khai {goods} xuất xứ Việt Nam nhưng thực chất nhập khẩu nguyên chiếc, chỉ thay nhãn mác.",
        ]),
        CaseKind::Callback => "Khách hàng gọi {phone} ngoài giờ, tổng đài ghi nhận cuộc gọi nhỡ.",
        CaseKind::ProcedureProblem => rng.pick_str(&[
            "Lô hàng {goods} của doanh nghiệp đã nằm tại {port} hơn năm ngày chưa có kết quả kiểm tra chuyên ngành.",
            "Tờ khai {decl} số {declno} bị phân luồng đỏ, cán bộ yêu cầu bổ sung hồ sơ nhưng không nêu rõ chứng từ nào.",
        ]),
        _ => rng.pick_str(&[
            "Doanh nghiệp chúng tôi gặp lỗi {error} khi truyền tờ khai {decl} số {declno} tại {port}.",
            "Khi đăng nhập {system} hệ thống báo chứng thư số không hợp lệ dù chứng thư còn hạn.",
            "Chúng tôi cần hướng dẫn thủ tục và hồ sơ hoàn thuế cho lô hàng {goods} đã tái xuất.",
            "Tờ khai {decl} số {declno} đã nộp thuế qua {system} nhưng trạng thái vẫn chưa cập nhật.",
        ]),
    };
    let text = format!(
        "{} {} {}",
        rng.pick_str(GREETINGS),
        middle,
        rng.pick_str(CLOSINGS)
    );
    fill(rng, text.trim(), phone)
}

/// A five-star rating's comment, now and then.
pub const PRAISE: &str = "Cán bộ hỗ trợ nhiệt tình, cảm ơn.";

/// The case a message belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Thread<'a> {
    pub kind: CaseKind,
    /// Whether the channel delivers the answers (email, portal) or they are given by phone.
    pub delivers_replies: bool,
    pub number: &'a str,
    pub phone: &'a str,
}

/// The `i`-th message of a case's conversation (0 is what came in).
pub fn message(rng: &mut Rng, thread: &Thread<'_>, i: usize, kind: EntryKind) -> String {
    let denunciation = thread.kind == CaseKind::Denunciation;
    let text = match kind {
        EntryKind::Inbound if i == 0 => return first_message(thread.kind, rng, thread.phone),
        EntryKind::Inbound if denunciation => rng.pick_str(DENUNCIATION_FOLLOW_UPS).to_string(),
        EntryKind::Inbound => rng.pick_str(FOLLOW_UPS).to_string(),
        EntryKind::Outbound if denunciation => rng.pick_str(DENUNCIATION_REPLIES).to_string(),
        EntryKind::Outbound if i == 1 && thread.delivers_replies => format!(
            "Chào anh/chị, bộ phận hỗ trợ đã tiếp nhận yêu cầu {}. {}. Trân trọng.",
            thread.number,
            rng.pick_str(ADVICE)
        ),
        EntryKind::Outbound if !thread.delivers_replies => {
            format!("Đã trả lời qua điện thoại: {}.", rng.pick_str(ADVICE))
        }
        EntryKind::Outbound => rng.pick_str(REPLIES).to_string(),
        _ if thread.kind == CaseKind::Callback => {
            format!("Gọi lại lần {}: {}", i + 1, rng.pick_str(CALLBACK_NOTES))
        }
        _ => rng.pick_str(NOTES).to_string(),
    };
    fill(rng, &text, thread.phone)
}
