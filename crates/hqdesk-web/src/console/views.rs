//! Typed views: one struct per template, filled only with what the actor may see.
use askama::Template;

use crate::html::label;
use crate::html::Countdown;
use crate::i18n::Tr;

/// Who is signed in, for the page header.
pub struct Me {
    pub display_name: String,
    pub role: String,
    /// The role's name in the reader's language.
    pub role_label: String,
    /// Unread notifications, the header's link to them ("Thông báo (3)") and its accessible name.
    pub unread: i64,
    /// Identity requests waiting for a custodian (the header's count on their page's link).
    pub pending_requests: i64,
    pub notifications: String,
    pub unread_label: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub tr: Tr,
    pub message: String,
    pub username: String,
}

#[derive(Template)]
#[template(path = "totp.html")]
pub struct TotpPage {
    pub tr: Tr,
    pub csrf: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "enrol.html")]
pub struct EnrolPage {
    pub tr: Tr,
    pub csrf: String,
    pub message: String,
    pub required: bool,
    pub qr_svg: String,
    pub secret: String,
    pub recovery_codes: Vec<String>,
}

pub struct QueueNav {
    pub key: &'static str,
    pub label: String,
    pub count: i64,
    pub active: bool,
}

pub struct Row {
    pub number: String,
    pub subject: String,
    pub kind: String,
    pub status: String,
    pub status_key: String,
    pub priority: String,
    pub priority_label: String,
    pub assignee: String,
    /// Business name, else name (empty for confidential reporters).
    pub requester: String,
    pub channel: String,
    /// How long since the case was opened ("2 giờ"), and when that was (hover).
    pub age: String,
    pub opened: String,
    /// The nearest pending deadline of an active case as a countdown, and which deadline it is
    /// with its time (hover).
    pub due: Option<Countdown>,
    pub due_title: String,
}

/// One row of the queue table, alone: the live updates send rows rendered by the same
/// template as the page's.
#[derive(Template)]
#[template(path = "queue_row.html")]
pub struct QueueRowPart {
    pub tr: Tr,
    pub r: Row,
    pub live: bool,
}

/// A column's header: its label and, when it sorts, the link that sorts by it.
pub struct SortLink {
    pub col: &'static str,
    pub label: String,
    /// Empty for a column that does not sort.
    pub href: String,
    /// `ascending`, `descending`, or empty when the list is not sorted by this column.
    pub aria: &'static str,
}

pub struct SavedFilterView {
    pub id: i64,
    pub name: String,
    pub href: String,
}

/// The filter form's current values.
#[derive(Default)]
pub struct FilterValues {
    pub queue: String,
    pub sort: String,
    pub channel: String,
    pub category: String,
    pub unit: String,
    pub requester: String,
    pub from: String,
    pub to: String,
}

#[derive(Template)]
#[template(path = "queue.html")]
pub struct QueuePage {
    pub tr: Tr,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
    pub title: String,
    pub queue_key: String,
    pub queues: Vec<QueueNav>,
    pub rows: Vec<Row>,
    /// An investigator's search: the sealed reports whose opened texts match (not in the index).
    pub sealed_rows: Vec<Row>,
    /// How many sealed reports that search opened ("" when it opened none).
    pub sealed_searched: String,
    /// The count as shown: exact, or for a broad search the cap and a "+" ("1.000+").
    pub total: String,
    /// Explains a "+" count (empty when the count is exact).
    pub total_note: String,
    pub next_url: String,
    /// A short note about what just happened (e.g. a denunciation handed to the task force).
    pub notice: String,
    /// The table's columns after the checkboxes.
    pub columns: Vec<SortLink>,
    /// What a bulk action or a saved filter just did.
    pub banners: Vec<String>,
    /// Why the list could not be shown as asked (a bad date, an unknown category…).
    pub problems: Vec<String>,
    /// The list's query, for the bulk actions' way back and for saving the filter.
    pub back: String,
    pub filters: FilterValues,
    /// A filter or a chosen sort is in force (live rows are then not inserted).
    pub filtered: bool,
    pub saved: Vec<SavedFilterView>,
    /// (value, label) choices of the filter and bulk forms.
    pub channels: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
    pub units: Vec<(String, String)>,
    pub users: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    /// An example case number of the current month, for the merge field.
    pub merge_placeholder: String,
}

pub struct CaseHead {
    pub number: String,
    pub subject: String,
    pub status: String,
    pub status_key: String,
    pub kind: String,
    pub branch: u8,
    pub channel: String,
    pub priority: String,
    pub priority_key: String,
    pub confidential: bool,
    /// Its text is encrypted at rest (an investigator may unseal it if it is no denunciation).
    pub sealed: bool,
    /// The unit's code (the form's value) and name (what people read).
    pub unit: String,
    pub unit_name: String,
    /// The assignee's username (the form's value) and display name.
    pub assignee: String,
    pub assignee_name: String,
    /// The category's code (the form's value) and name in the reader's language.
    pub category: String,
    pub category_name: String,
    pub first_due: DueView,
    pub resolution_due: DueView,
}

/// A due time on the case page: a coloured countdown while the case runs, else plain words.
pub struct DueView {
    pub text: String,
    /// `ok`, `soon`, `overdue` (CSS `due-{state}`), or `done` when no longer counting.
    pub state: &'static str,
    /// The due time itself, for the hover text (empty when not counting).
    pub at: String,
}

impl DueView {
    pub fn counting(c: Countdown) -> Self {
        DueView {
            text: c.text,
            state: c.state,
            at: c.at,
        }
    }
    pub fn done(text: String) -> Self {
        DueView {
            text,
            state: "done",
            at: String::new(),
        }
    }
}

/// A file of a timeline entry.
pub struct AttachmentView {
    pub id: i64,
    pub name: String,
    /// Its size for people.
    pub size: String,
    /// How the browser shows it: `image` (a preview), `pdf` (opened in its viewer) or `file`.
    pub shown: &'static str,
}

pub struct EntryView {
    pub id: i64,
    pub kind: String,
    pub kind_key: String,
    pub author: String,
    pub at: String,
    pub body: String,
    pub delivery: String,
    pub attachments: Vec<AttachmentView>,
}

/// A size for people: 1,2 MB / 340 KB.
pub fn human_size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

pub struct StatusChoice {
    pub key: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    pub tr: Tr,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
    pub message: String,
    pub c: CaseHead,
    pub timeline: Vec<EntryView>,
    pub can_write: bool,
    /// An investigator on a report of the task force: a redacted copy may be forwarded.
    pub can_forward: bool,
    pub next_statuses: Vec<StatusChoice>,
    pub units: Vec<(String, String)>,
    pub users: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
    pub priorities: Vec<(String, String)>,
    /// (label, value) of the requester or reporter.
    pub person: Vec<(String, String)>,
    /// The reporter's identity is sealed to this reader (the identity vault).
    pub identity_sealed: bool,
    /// Where their request stands, or until when the identity is open to them.
    pub identity_note: String,
    /// Whether the form asking a custodian to open the identity is shown.
    pub identity_can_ask: bool,
    /// Whether "other cases of this requester" is shown (not for anonymous or confidential).
    pub show_earlier: bool,
    /// A case number of this month, for the link and merge placeholders.
    pub number_example: String,
    /// (number, subject, status) of the requester's other cases.
    pub earlier: Vec<(String, String, String)>,
    /// (number, subject, status) of related cases.
    pub related: Vec<(String, String, String)>,
    pub merged_into: String,
    /// (id, title, text with placeholders filled for this case).
    pub canned: Vec<(i64, String, String)>,
    /// Text put in the reply box (a canned response chosen without JavaScript).
    pub prefill: String,
    /// The requester's rating of the handling, once given on the portal.
    pub rating: Option<RatingView>,
    /// Email intake's "merge into case …" suggestions: (target number, target subject, reason).
    pub merge_suggestions: Vec<(String, String, String)>,
    /// The "Service levels" panel: the case's clocks (issue 17).
    pub clocks: Vec<super::case_clocks::ClockView>,
    /// Who a report names (conflict of interest), for those who may read it.
    pub named: NamedView,
    /// The "Suggested answers" panel (issue 19): shown to who may reply.
    pub suggested: SuggestedView,
}

/// The "Suggested answers" panel: the case's best articles and canned responses.
#[derive(Default)]
pub struct SuggestedView {
    pub shown: bool,
    pub articles: Vec<SuggestionItem>,
    pub canned: Vec<SuggestionItem>,
}

/// One suggestion: what the button inserts into the reply box, and where the plain link goes
/// (the article's public page, or the case page with the canned response in the reply box).
pub struct SuggestionItem {
    pub key: String,
    pub title: String,
    /// The score in percent.
    pub score: u32,
    pub insert: String,
    /// Empty: no link (an internal article).
    pub href: String,
    pub internal: bool,
}

/// The "Officers and units named" panel of a report.
#[derive(Default)]
pub struct NamedView {
    /// Shown at all: a confidential case.
    pub shown: bool,
    /// (username, display name) named.
    pub officers: Vec<(String, String)>,
    /// (code, name) named.
    pub units: Vec<(String, String)>,
    /// Their chain of command is excluded too.
    pub chain: bool,
    /// A naming could not be read without the reader's key.
    pub unreadable: bool,
    /// (username, shown name) of the staff who may be named.
    pub staff: Vec<(String, String)>,
}

pub struct RatingView {
    pub label: String,
    pub score: i64,
    pub comment: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub tr: Tr,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
    pub message: String,
}

#[derive(Template)]
#[template(path = "call.html")]
pub struct CallPage {
    pub tr: Tr,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
    pub message: String,
    pub call_id: String,
    pub number: String,
    pub caller_name: String,
    pub branch: i64,
    pub state: String,
    pub when: String,
    pub flag: String,
    /// The kinds of case that may be opened from the call: (key, label, preselected).
    pub kinds: Vec<(String, String, bool)>,
    /// (number, subject)
    pub open_cases: Vec<(String, String)>,
    pub recent: Vec<String>,
}

impl CallPage {
    /// The call's state (ringing, answered, ended) in the page's language.
    pub fn state_label(&self) -> String {
        label(self.tr, "call.state", &self.state)
    }
    /// A denunciation may be opened from the call, so it may be an anonymous tip.
    pub fn offers_anonymous(&self) -> bool {
        self.kinds.iter().any(|k| k.0 == "denunciation")
    }
}

/// An anonymous tip taken on the telephone: its receipt, shown once, to read to the caller.
#[derive(Template)]
#[template(path = "call_tip_filed.html")]
pub struct CallTipFiledPage {
    pub tr: Tr,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
    pub receipt: String,
}

#[derive(Template)]
#[template(path = "wallboard.html")]
pub struct WallboardPage {
    pub tr: Tr,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
    pub now: String,
    pub w: hqdesk_services::telephony::Wallboard,
    pub waiting1: i64,
    pub waiting2: i64,
    pub longest: String,
}

/// The console's error page (the portal has its own), under the console's header: with the
/// signed-in person's name and sign-out when known, the navigation always.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub tr: Tr,
    pub title: String,
    pub message: String,
    pub me: Me,
    pub csrf: String,
    pub q: String,
    pub recommend_2fa: bool,
}

impl ErrorPage {
    /// `who`: the signed-in person and their session's CSRF token, when known.
    pub fn new(
        tr: Tr,
        status: axum::http::StatusCode,
        message: String,
        who: Option<(Me, String)>,
    ) -> Self {
        let title = match status.as_u16() {
            404 => tr.t("texts.not_found_title"),
            403 => tr.t("texts.forbidden_title"),
            _ => tr.t("error.title"),
        }
        .to_string();
        let (me, csrf) = who.unwrap_or_else(|| {
            (
                Me {
                    display_name: String::new(),
                    role: String::new(),
                    role_label: String::new(),
                    unread: 0,
                    pending_requests: 0,
                    notifications: String::new(),
                    unread_label: String::new(),
                },
                String::new(),
            )
        });
        ErrorPage {
            tr,
            title,
            message,
            me,
            csrf,
            q: String::new(),
            recommend_2fa: false,
        }
    }
}
