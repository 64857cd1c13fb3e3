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

/// What a tip needs besides its account of what happened (issue 18): where, when, the goods, the
/// vehicles, the people or units involved and the evidence. Each is optional — a tip is never
/// refused for what its reporter does not know — and is written at the head of the report, one
/// labelled line each, so that it is sealed, searched and read with the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TipDetails {
    pub place: Option<String>,
    pub time: Option<String>,
    pub goods: Option<String>,
    pub vehicles: Option<String>,
    pub people: Option<String>,
    pub evidence: Option<String>,
}

/// The longest a tip detail may be (characters); longer ones are cut.
pub const TIP_DETAIL_MAX: usize = 2000;

impl TipDetails {
    /// From the form's fields (`tip_place`…), by name.
    pub fn from_fields(mut get: impl FnMut(&str) -> Option<String>) -> Self {
        TipDetails {
            place: get("tip_place"),
            time: get("tip_time"),
            goods: get("tip_goods"),
            vehicles: get("tip_vehicles"),
            people: get("tip_people"),
            evidence: get("tip_evidence"),
        }
    }

    /// The labelled lines for the head of the report (the labels in Vietnamese, the working
    /// language of the task force), with a blank line after them; empty when nothing is given.
    /// Control characters but line breaks and tabs are dropped.
    pub fn lines(&self) -> String {
        let mut out = String::new();
        for (key, value) in [
            ("portal.case_detail.tip_place", &self.place),
            ("portal.case_detail.tip_time", &self.time),
            ("portal.case_detail.tip_goods", &self.goods),
            ("portal.case_detail.tip_vehicles", &self.vehicles),
            ("portal.case_detail.tip_people", &self.people),
            ("portal.case_detail.tip_evidence", &self.evidence),
        ] {
            let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
                continue;
            };
            let v: String = v
                .chars()
                .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
                .take(TIP_DETAIL_MAX)
                .collect();
            out.push_str(&format!("{}: {}\n", texts::vi(key, &[]), v.trim()));
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out
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
