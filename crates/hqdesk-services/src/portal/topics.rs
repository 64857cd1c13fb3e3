//! What the request form offers: the topics, the details each asks for, the systems.

use crate::texts;

/// Something the request form may ask for, depending on the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    TaxCode,
    Declaration,
    System,
    ErrorMessage,
}

impl Detail {
    pub fn name(self) -> &'static str {
        match self {
            Detail::TaxCode => "tax_code",
            Detail::Declaration => "declaration_number",
            Detail::System => "system",
            Detail::ErrorMessage => "error_message",
        }
    }
}

/// What a visitor's request is about, in the words of the hotline's two branches. Each topic
/// files the case in one category and asks only for the details that category needs.
#[derive(Debug, Clone, Copy)]
pub struct Topic {
    pub code: &'static str,
    pub branch: u8,
    pub kind: &'static str,
    pub category: &'static str,
    /// Asked for, in this order.
    pub asks: &'static [Detail],
    /// Of those, the ones that must be given.
    pub requires: &'static [Detail],
}

impl Topic {
    pub fn asks_for(&self, d: Detail) -> bool {
        self.asks.contains(&d)
    }
    pub fn requires(&self, d: Detail) -> bool {
        self.requires.contains(&d)
    }
    /// Denunciations may be anonymous and reach only the task force.
    pub fn confidential(&self) -> bool {
        self.kind == "denunciation"
    }
}

use Detail::*;
pub const TOPICS: &[Topic] = &[
    Topic {
        code: "denunciation",
        branch: 1,
        kind: "denunciation",
        category: "b1.denunciation",
        asks: &[],
        requires: &[],
    },
    Topic {
        code: "procedure",
        branch: 1,
        kind: "procedure_problem",
        category: "b1.procedure",
        asks: &[TaxCode, Declaration],
        requires: &[TaxCode],
    },
    Topic {
        code: "vnaccs_account",
        branch: 2,
        kind: "inquiry",
        category: "b2.it.vnaccs_account",
        asks: &[TaxCode, ErrorMessage],
        requires: &[TaxCode],
    },
    Topic {
        code: "vnaccs_error",
        branch: 2,
        kind: "inquiry",
        category: "b2.it.vnaccs_error",
        asks: &[TaxCode, System, Declaration, ErrorMessage],
        requires: &[TaxCode, ErrorMessage],
    },
    Topic {
        code: "digital_signature",
        branch: 2,
        kind: "inquiry",
        category: "b2.it.digital_signature",
        asks: &[TaxCode, System, ErrorMessage],
        requires: &[TaxCode],
    },
    Topic {
        code: "single_window",
        branch: 2,
        kind: "inquiry",
        category: "b2.it.nsw",
        asks: &[TaxCode, System, ErrorMessage],
        requires: &[TaxCode],
    },
    Topic {
        code: "epayment",
        branch: 2,
        kind: "inquiry",
        category: "b2.it.epayment",
        asks: &[TaxCode, Declaration, ErrorMessage],
        requires: &[TaxCode],
    },
    Topic {
        code: "policy",
        branch: 2,
        kind: "inquiry",
        category: "b2.policy",
        asks: &[TaxCode, Declaration],
        requires: &[],
    },
];

pub fn topic(code: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.code == code)
}

/// The systems a visitor can name when something fails.
pub const SYSTEMS: &[&str] = &[
    "VNACCS/VCIS",
    "ECUS / phần mềm khai báo",
    "Cổng thông tin một cửa quốc gia (NSW)",
    "Cơ chế một cửa ASEAN (ASW)",
    "Nộp thuế điện tử",
    "Chữ ký số",
    "Khác",
];

pub(super) fn detail_label(d: Detail) -> String {
    texts::vi(
        match d {
            TaxCode => "portal.case_detail.tax_code",
            Declaration => "portal.case_detail.declaration",
            System => "portal.case_detail.system",
            ErrorMessage => "portal.case_detail.error_message",
        },
        &[],
    )
}
