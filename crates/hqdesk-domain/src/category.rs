//! The category tree. A default tree for Vietnamese customs is seeded on first migration and
//! stays editable by administrators; cases refer to categories by id, seeds by stable `code`.
use crate::case::{Branch, CaseKind};

/// One entry of the default tree: a stable code, its parent's code, names in vi and en, and
/// the branch and kind a case in this category gets when the requester did not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultCategory {
    pub code: &'static str,
    pub parent: Option<&'static str>,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    pub branch: Branch,
    pub kind: CaseKind,
}

const fn cat(
    code: &'static str,
    parent: Option<&'static str>,
    name_vi: &'static str,
    name_en: &'static str,
    branch: Branch,
    kind: CaseKind,
) -> DefaultCategory {
    DefaultCategory {
        code,
        parent,
        name_vi,
        name_en,
        branch,
        kind,
    }
}

use Branch::{One as B1, Two as B2};
use CaseKind::*;

/// The default tree, parents before children. Branch 1 mirrors "press 1" on the hotline
/// (denunciations, problems met during customs procedures); branch 2 mirrors "press 2"
/// (e-customs systems, single windows, policy and procedure guidance, recommendations).
pub const DEFAULT_CATEGORIES: &[DefaultCategory] = &[
    cat(
        "b1.denunciation",
        None,
        "Tố giác, tin báo về tội phạm",
        "Denunciations and crime reports",
        B1,
        Denunciation,
    ),
    cat(
        "b1.denunciation.smuggling",
        Some("b1.denunciation"),
        "Buôn lậu, vận chuyển trái phép hàng hóa qua biên giới",
        "Smuggling and illegal cross-border transport",
        B1,
        Denunciation,
    ),
    cat(
        "b1.denunciation.trade_fraud",
        Some("b1.denunciation"),
        "Gian lận thương mại",
        "Trade fraud",
        B1,
        Denunciation,
    ),
    cat(
        "b1.denunciation.corruption",
        Some("b1.denunciation"),
        "Tham nhũng, tiêu cực của công chức hải quan",
        "Corruption and misconduct of customs officers",
        B1,
        Denunciation,
    ),
    cat(
        "b1.procedure",
        None,
        "Vướng mắc trong quá trình làm thủ tục hải quan",
        "Problems met during customs procedures",
        B1,
        ProcedureProblem,
    ),
    cat(
        "b1.procedure.declaration",
        Some("b1.procedure"),
        "Khai báo, sửa đổi tờ khai hải quan",
        "Filing and amending customs declarations",
        B1,
        ProcedureProblem,
    ),
    cat(
        "b1.procedure.inspection",
        Some("b1.procedure"),
        "Kiểm tra hồ sơ, kiểm tra thực tế hàng hóa",
        "Document and physical inspection",
        B1,
        ProcedureProblem,
    ),
    cat(
        "b1.procedure.clearance",
        Some("b1.procedure"),
        "Thông quan, giải phóng hàng, giám sát hải quan",
        "Clearance, release and customs supervision",
        B1,
        ProcedureProblem,
    ),
    cat(
        "b1.procedure.tax",
        Some("b1.procedure"),
        "Thuế, hoàn thuế, không thu thuế",
        "Duties, refunds and exemptions",
        B1,
        ProcedureProblem,
    ),
    cat(
        "b2.it",
        None,
        "Hỗ trợ hệ thống CNTT ngành hải quan",
        "Support for customs IT systems",
        B2,
        Inquiry,
    ),
    cat(
        "b2.it.vnaccs_account",
        Some("b2.it"),
        "Đăng ký tài khoản người sử dụng VNACCS/VCIS",
        "VNACCS/VCIS user account registration",
        B2,
        Inquiry,
    ),
    cat(
        "b2.it.vnaccs_error",
        Some("b2.it"),
        "Lỗi khai báo trên hệ thống VNACCS/VCIS",
        "Declaration errors in VNACCS/VCIS",
        B2,
        Inquiry,
    ),
    cat(
        "b2.it.digital_signature",
        Some("b2.it"),
        "Chữ ký số",
        "Digital signatures",
        B2,
        Inquiry,
    ),
    cat(
        "b2.it.nsw",
        Some("b2.it"),
        "Cổng thông tin một cửa quốc gia",
        "National Single Window",
        B2,
        Inquiry,
    ),
    cat(
        "b2.it.asw",
        Some("b2.it"),
        "Cơ chế một cửa ASEAN",
        "ASEAN Single Window",
        B2,
        Inquiry,
    ),
    cat(
        "b2.it.epayment",
        Some("b2.it"),
        "Nộp thuế điện tử, thông quan 24/7",
        "E-payment of duties",
        B2,
        Inquiry,
    ),
    cat(
        "b2.policy",
        None,
        "Chính sách, quy trình thủ tục hải quan",
        "Customs policy and procedures",
        B2,
        Inquiry,
    ),
    cat(
        "b2.policy.tariff",
        Some("b2.policy"),
        "Phân loại hàng hóa, mã HS, thuế suất",
        "Classification, HS codes and tariff rates",
        B2,
        Inquiry,
    ),
    cat(
        "b2.policy.origin",
        Some("b2.policy"),
        "Xuất xứ hàng hóa (C/O)",
        "Rules of origin (C/O)",
        B2,
        Inquiry,
    ),
    cat(
        "b2.policy.procedure",
        Some("b2.policy"),
        "Hướng dẫn quy trình thủ tục",
        "Procedure guidance",
        B2,
        Inquiry,
    ),
    cat(
        "b2.feedback",
        None,
        "Phản ánh, kiến nghị",
        "Feedback and recommendations",
        B2,
        Inquiry,
    ),
    cat(
        "suggestion",
        None,
        "Góp ý (hòm thư góp ý)",
        "Suggestions (suggestion box)",
        B2,
        Suggestion,
    ),
    cat(
        "rating.follow_up",
        None,
        "Xử lý đánh giá không hài lòng",
        "Follow-up of dissatisfied ratings",
        B1,
        RatingFollowUp,
    ),
    cat(
        "callback",
        None,
        "Gọi lại cuộc gọi nhỡ",
        "Callbacks for missed calls",
        B2,
        Callback,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_parents_come_first() {
        let mut seen = HashSet::new();
        for c in DEFAULT_CATEGORIES {
            if let Some(p) = c.parent {
                assert!(
                    seen.contains(p),
                    "{} refers to {p} before it is defined",
                    c.code
                );
                assert!(
                    c.code.starts_with(p),
                    "{} should be named under {p}",
                    c.code
                );
            }
            assert!(seen.insert(c.code), "duplicate code {}", c.code);
        }
    }

    #[test]
    fn denunciation_categories_are_branch_one() {
        for c in DEFAULT_CATEGORIES
            .iter()
            .filter(|c| c.kind == CaseKind::Denunciation)
        {
            assert_eq!(c.branch, Branch::One, "{}", c.code);
        }
    }
}
