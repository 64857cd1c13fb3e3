//! The demo's canned responses: the answers the HelpDesk keeps giving, as its agents would
//! write them, with the placeholders the console fills (`{{requester.name}}`,
//! `{{case.number}}`, `{{case.subject}}`, `{{agent.name}}`).

/// A canned response: its title (what the agent picks) and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canned {
    pub title: &'static str,
    pub body: &'static str,
}

const fn c(title: &'static str, body: &'static str) -> Canned {
    Canned { title, body }
}

/// About ten answers for VNACCS/VCIS support, digital signatures, tax refunds, e-payment and the
/// receipt of a denunciation.
pub const CANNED_RESPONSES: &[Canned] = &[
    c(
        "Xác nhận đã tiếp nhận yêu cầu",
        "Kính gửi Quý vị {{requester.name}},\n\nBộ phận hỗ trợ của Cục Hải quan đã tiếp nhận yêu cầu số {{case.number}} (\"{{case.subject}}\"). Chúng tôi sẽ xem xét và trả lời Quý vị trong thời hạn quy định.\n\nTrân trọng,\n{{agent.name}}",
    ),
    c(
        "VNACCS: đăng ký tài khoản người sử dụng",
        "Kính gửi Quý vị {{requester.name}},\n\nVề yêu cầu {{case.number}}: doanh nghiệp đăng ký người sử dụng hệ thống VNACCS/VCIS trực tuyến trên Cổng thông tin điện tử Hải quan (mục Đăng ký người sử dụng VNACCS), dùng chữ ký số đã đăng ký với cơ quan hải quan. Sau khi được phê duyệt, tài khoản và mật khẩu được gửi tới địa chỉ thư điện tử đã khai báo, thường trong 01 ngày làm việc.\n\nTrân trọng,\n{{agent.name}}",
    ),
    c(
        "VNACCS: mở khóa tài khoản, cấp lại mật khẩu",
        "Kính gửi Quý vị {{requester.name}},\n\nTài khoản VNACCS bị khóa sau nhiều lần nhập sai mật khẩu. Quý vị vui lòng gửi đề nghị cấp lại mật khẩu trên Cổng thông tin điện tử Hải quan, ký bằng chữ ký số của doanh nghiệp; mật khẩu mới được gửi về thư điện tử đăng ký. Nếu sau 01 ngày làm việc chưa nhận được, xin trả lời thư này kèm mã số thuế và tên người sử dụng.\n\nTrân trọng,\n{{agent.name}}",
    ),
    c(
        "VNACCS: lỗi E1001 khi gửi tờ khai",
        "Kính gửi Quý vị {{requester.name}},\n\nVề lỗi được nêu trong yêu cầu {{case.number}}: lỗi thường do thông tin người sử dụng hoặc mã đơn vị hải quan khai chưa đúng. Quý vị vui lòng kiểm tra lại mã người sử dụng, mật khẩu, mã terminal trong phần mềm khai báo và gửi lại tờ khai. Nếu vẫn gặp lỗi, xin gửi kèm ảnh chụp màn hình thông báo lỗi và số tờ khai (12 chữ số).\n\nTrân trọng,\n{{agent.name}}",
    ),
    c(
        "Chữ ký số: không nhận chứng thư số",
        "Kính gửi Quý vị {{requester.name}},\n\nĐể phần mềm khai báo nhận được chứng thư số, Quý vị vui lòng: (1) cài lại trình điều khiển (driver) của thiết bị ký số từ nhà cung cấp; (2) kiểm tra chứng thư số còn hiệu lực; (3) đăng ký hoặc cập nhật chứng thư số với cơ quan hải quan nếu vừa gia hạn hoặc đổi thiết bị. Sau đó khởi động lại phần mềm và ký lại.\n\nTrân trọng,\n{{agent.name}}",
    ),
    c(
        "Chữ ký số: đăng ký chứng thư số mới với hải quan",
        "Kính gửi Quý vị {{requester.name}},\n\nKhi gia hạn hoặc thay chứng thư số, doanh nghiệp cần đăng ký chứng thư số mới với cơ quan hải quan trên Cổng thông tin điện tử Hải quan (mục Đăng ký chữ ký số) trước khi dùng để khai báo. Việc đăng ký có hiệu lực ngay sau khi được xác nhận.\n\nTrân trọng,\n{{agent.name}}",
    ),
    c(
        "Hoàn thuế: hồ sơ đề nghị hoàn thuế",
        "Kính gửi Quý vị {{requester.name}},\n\nVề yêu cầu {{case.number}}: hồ sơ đề nghị hoàn thuế gồm công văn đề nghị hoàn thuế theo mẫu, chứng từ thanh toán hàng hóa và các chứng từ khác tùy trường hợp hoàn (tái xuất, nhập khẩu để sản xuất hàng xuất khẩu…). Hồ sơ nộp qua hệ thống xử lý dữ liệu điện tử hải quan tại Chi cục Hải quan nơi mở tờ khai. Thời hạn giải quyết: 06 ngày làm việc với hồ sơ hoàn trước, 40 ngày với hồ sơ kiểm tra trước.\n\nTrân trọng,\n{{agent.name}}",
    ),
    c(
        "Nộp thuế điện tử: chứng từ chưa được ghi nhận",
        "Kính gửi Quý vị {{requester.name}},\n\nKhoản nộp qua ngân hàng phối hợp thu thường được ghi nhận trên hệ thống trong vòng 30 phút. Nếu đã quá thời gian này, Quý vị vui lòng gửi số tờ khai, số tham chiếu và ảnh chứng từ nộp tiền để chúng tôi đối chiếu với ngân hàng.\n\nTrân trọng,\n{{agent.name}}",
    ),
    c(
        "Cơ chế một cửa quốc gia: hướng dẫn tra cứu hồ sơ",
        "Kính gửi Quý vị {{requester.name}},\n\nTình trạng hồ sơ trên Cổng thông tin một cửa quốc gia được tra cứu tại mục Tra cứu hồ sơ, theo mã hồ sơ đã nhận khi nộp. Nếu hồ sơ đang chờ bộ, ngành cấp phép xử lý, Quý vị vui lòng liên hệ trực tiếp cơ quan cấp phép đó.\n\nTrân trọng,\n{{agent.name}}",
    ),
    c(
        "Tin tố giác: xác nhận tiếp nhận",
        "Kính gửi Quý vị,\n\nCơ quan hải quan đã tiếp nhận tin báo số {{case.number}}. Thông tin về người cung cấp tin được giữ bí mật theo quy định của pháp luật. Nếu có thêm tài liệu, Quý vị có thể gửi bổ sung qua đường liên kết theo dõi đã nhận hoặc gọi đường dây nóng 1900 9299.\n\nTrân trọng.",
    ),
    c(
        "Đề nghị bổ sung thông tin",
        "Kính gửi Quý vị {{requester.name}},\n\nĐể xử lý yêu cầu {{case.number}}, chúng tôi cần thêm: mã số thuế doanh nghiệp, số tờ khai (nếu có), thời điểm xảy ra sự việc và ảnh chụp màn hình thông báo lỗi. Quý vị vui lòng trả lời thư này kèm các thông tin trên.\n\nTrân trọng,\n{{agent.name}}",
    ),
    c(
        "Đóng yêu cầu đã được giải quyết",
        "Kính gửi Quý vị {{requester.name}},\n\nYêu cầu {{case.number}} đã được giải quyết. Nếu vấn đề còn tiếp diễn, Quý vị chỉ cần trả lời thư này để mở lại yêu cầu. Cảm ơn Quý vị đã liên hệ đường dây hỗ trợ của Cục Hải quan.\n\nTrân trọng,\n{{agent.name}}",
    ),
];

#[cfg(test)]
mod tests {
    use super::CANNED_RESPONSES;

    #[test]
    fn canned_responses_are_valid_and_use_only_known_placeholders() {
        assert!(CANNED_RESPONSES.len() >= 10);
        let mut titles = std::collections::HashSet::new();
        for k in CANNED_RESPONSES {
            assert!(titles.insert(k.title), "duplicate title {}", k.title);
            hqdesk_domain::case::parse_subject(k.title).unwrap();
            hqdesk_domain::case::parse_body(k.body).unwrap();
            assert!(k.body.contains("Quý vị"), "{}", k.title);
            let mut rest = k.body;
            while let Some(i) = rest.find("{{") {
                let end = rest[i..].find("}}").expect("closed placeholder") + i;
                let name = &rest[i + 2..end];
                assert!(
                    [
                        "requester.name",
                        "case.number",
                        "case.subject",
                        "agent.name"
                    ]
                    .contains(&name),
                    "{name} in {}",
                    k.title
                );
                rest = &rest[end + 2..];
            }
        }
    }
}
