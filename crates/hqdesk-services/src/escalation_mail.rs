//! The mail a staff member gets when an escalation step notifies them: in their language, to the
//! address on their account, through the outbox (queued in the step's transaction). A mail
//! crosses servers the service does not control, so a confidential case's mail says only that
//! there is a notification: no case number, no clock, nothing that tells a denunciation exists.
use hqdesk_domain::sla::{ClockKind, StepAction};
use hqdesk_domain::Timestamp;
use hqdesk_i18n::Locale;
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::users::User;

use crate::outbox::NotificationMail;
use crate::{texts, Services};

/// What fired, as the mail tells it.
pub(crate) struct FiredStep {
    pub clock: ClockKind,
    pub percent: u32,
    pub action: StepAction,
    pub due_at: Option<Timestamp>,
}

impl Services {
    /// The mail for `reader` about `step` of `case`; none if they have no address.
    pub(crate) fn escalation_mail(
        &self,
        reader: &User,
        case: &CaseRecord,
        step: &FiredStep,
    ) -> Option<NotificationMail> {
        let to = reader.email.clone()?;
        let locale = Locale::parse(&reader.locale);
        let base = self.public_url().unwrap_or("");
        let notifications = format!("{base}/console/notifications");
        let (subject, text) = if case.confidential {
            (
                texts::in_locale(locale, "escalation.mail.sealed_subject", &[]),
                texts::in_locale(
                    locale,
                    "escalation.mail.sealed_text",
                    &[("notifications", &notifications)],
                ),
            )
        } else {
            let number = case.number.as_str();
            let clock = texts::in_locale(
                locale,
                &format!("escalation.clock.{}", step.clock.as_str()),
                &[],
            );
            let action = texts::in_locale(
                locale,
                &format!("escalation.action.{}", step.action.as_str()),
                &[],
            );
            let due = step.due_at.map_or_else(
                || "—".to_string(),
                |t| t.to_vietnam().format("%d/%m/%Y %H:%M (UTC+7)").to_string(),
            );
            let percent = step.percent.to_string();
            (
                texts::in_locale(
                    locale,
                    "escalation.mail.subject",
                    &[("number", number), ("percent", &percent), ("clock", &clock)],
                ),
                texts::in_locale(
                    locale,
                    "escalation.mail.text",
                    &[
                        ("number", number),
                        ("percent", &percent),
                        ("clock", &clock),
                        ("due", &due),
                        ("action", &action),
                        ("case_link", &format!("{base}/console/cases/{number}")),
                        ("notifications", &notifications),
                    ],
                ),
            )
        };
        Some(NotificationMail {
            purpose: "staff.escalation".into(),
            to,
            subject,
            text,
            // Not tied to the case: the case's thread is the requester's, and a staff member's
            // reply to this mail is not a message of the case.
            case_id: None,
            in_reply_to: None,
            mailbox_id: None,
            ..Default::default()
        })
    }
}
