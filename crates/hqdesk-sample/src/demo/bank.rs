//! The demo's texts: the bank of cases as they come in (by kind), the canned answers per
//! category, and what staff and requesters write afterwards. Branch 1 handles denunciations and
//! problems met during customs procedures; branch 2 supports e-customs (VNACCS/VCIS, National
//! Single Window, ASEAN Single Window, digital signatures, e-payment) and policy guidance.
use super::vars::Vars;
use crate::Rng;

/// A case as it first comes in: its category, subject and body, with placeholders.
#[derive(Clone, Copy)]
pub(super) struct Tpl {
    pub(super) category: &'static str,
    pub(super) subject: &'static str,
    pub(super) body: &'static str,
}

pub(super) const fn t(category: &'static str, subject: &'static str, body: &'static str) -> Tpl {
    Tpl {
        category,
        subject,
        body,
    }
}

pub(super) const INQUIRIES: &[Tpl] = &[
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

pub(super) const PERSONAL_INQUIRIES: &[Tpl] = &[
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

pub(super) const PROCEDURE_PROBLEMS: &[Tpl] = &[
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

pub(super) const DENUNCIATIONS: &[Tpl] = &[
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

pub(super) const SUGGESTIONS: &[Tpl] = &[
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

pub(super) const RATING_FOLLOW_UPS: &[Tpl] = &[
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

/// Canned answers per category as (category, subject keywords separated by `|`, text). An answer
/// whose keywords match the (lower-cased) subject wins; otherwise one without keywords is used.
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

pub(super) fn staff_answer(category: &str, subject: &str, v: &Vars, rng: &mut Rng) -> String {
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
    let text = rng.pick(&options).unwrap_or(
        "Chúng tôi đã tiếp nhận và xử lý yêu cầu. Nếu còn vướng mắc, đề nghị liên hệ tổng đài 1900 9299.",
    );
    v.fill(text)
}

pub(super) fn staff_question(category: &str, v: &Vars, rng: &mut Rng) -> String {
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
    let text = rng
        .pick(specific)
        .unwrap_or("Đề nghị Quý Doanh nghiệp cung cấp thêm thông tin.");
    v.fill(text)
}

pub(super) const FOLLOW_UPS: &[&str] = &[
    "Công ty đã gửi bổ sung thông tin theo yêu cầu, mong sớm nhận được phản hồi vì hàng đang chờ tại cảng.",
    "Bổ sung: chúng tôi đã thử lại nhiều lần nhưng vẫn gặp tình trạng như trên.",
    "Xin hỏi đến nay đã có kết quả chưa ạ? Chi phí lưu bãi đang tăng hàng ngày.",
    "Gui bo sung anh chup man hinh loi. Nho kiem tra giup som.",
    "Any update on this? We need to clear the goods this week.",
];

pub(super) const THANKS: &[&str] = &[
    "Cảm ơn bộ phận hỗ trợ, công ty đã thực hiện theo hướng dẫn và xử lý được.",
    "Đã làm được rồi, cảm ơn cán bộ nhiều.",
    "Cam on, cong ty da xu ly duoc.",
    "Thank you, the issue has been resolved.",
];

pub(super) fn internal_note(kind: &str, unit: Option<&str>, rng: &mut Rng) -> String {
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
    let note = rng.pick(options).unwrap_or("Đang xử lý.");
    match unit {
        Some(u) if kind == "procedure_problem" => format!("{note} (Đơn vị: {u})"),
        _ => note.to_string(),
    }
}
