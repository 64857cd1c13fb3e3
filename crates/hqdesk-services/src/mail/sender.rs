//! Sending: the job handlers that deliver replies (`message.deliver`) and notifications
//! (`mail.notify`) over SMTP, and the SMTP connection test.
//!
//! A reply was committed with its case and an outbox job in one transaction; the handler builds
//! the mail (From the mailbox the case came in through, To the requester, the case number in the
//! subject, a Message-ID derived from the timeline entry so a retry sends the same ID, In-Reply-To
//! the requester's last mail and References the thread), records the Message-ID in the index
//! before sending (a bounce or an answer finds the case even when the server accepted the mail and
//! we crashed before noting it), hands it to the server and then marks the entry `sent`. A server
//! that refuses for good (5xx) makes it `failed` with the server's words, without retrying;
//! anything else is retried by the job runner with its backoff, and `failed` after the last try.
//! With no mailbox at all there is nowhere to send from: the job waits, parked, until one is
//! added (retrying could not help), and the log says so once.
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use hqdesk_domain::case::timeline::DeliveryState;
use hqdesk_store::jobs::{Job, WaitFor};
use hqdesk_store::mailboxes::{self, Mailbox};
use hqdesk_store::Store;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox as Address, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;

use super::transport::{self, Security, SmtpTarget};
use crate::jobs::{JobOutcome, Registry};
use crate::outbox::{MailFile, NotificationMail, SealedReply, SEND_NOTIFICATION_JOB};
use crate::Services;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Register the email channel's senders (`message.deliver`, `mail.notify`) in `registry`.
pub fn register(registry: &mut Registry) {
    registry.register(
        crate::cases::DELIVER_MESSAGE_JOB,
        Arc::new(|s, job| Box::pin(async move { deliver_message(s, job).await })),
    );
    registry.register(
        SEND_NOTIFICATION_JOB,
        Arc::new(|s, job| Box::pin(async move { send_notification(s, job).await })),
    );
}

/// The standard handlers plus the email channel's: what `hqdesk serve` runs.
pub fn registry() -> Registry {
    let mut r = Registry::standard();
    register(&mut r);
    r
}

/// An SMTP failure, split by whether trying again can help.
#[derive(Debug, Clone)]
pub struct SendError {
    pub message: String,
    /// The server refused for good (5xx), or the mail cannot be built: no retry.
    pub permanent: bool,
}

fn permanent(message: impl Into<String>) -> SendError {
    SendError {
        message: message.into(),
        permanent: true,
    }
}

fn describe_smtp(e: &lettre::transport::smtp::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// An SMTP server's answer with every e-mail address in it replaced by `<address>`: refusals
/// ("550 5.1.1 <name@example.vn>: Recipient address rejected") are kept with the job and shown
/// on the timeline, and the address may be a reporter's.
fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('@') {
                let lead: String = word.chars().take_while(|c| "<([\"'".contains(*c)).collect();
                let tail: String = {
                    let t: Vec<char> = word
                        .chars()
                        .rev()
                        .take_while(|c| ">)]\"',.:;".contains(*c))
                        .collect();
                    t.into_iter().rev().collect()
                };
                format!("{lead}address{tail}")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lettre transport for `target`.
pub fn smtp_transport(
    target: &SmtpTarget,
    helo_domain: Option<&str>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
    let params = TlsParameters::new(
        target
            .host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    )
    .map_err(|e| permanent(format!("TLS settings for {}: {e}", target.host)))?;
    let tls = match target.security {
        Security::Tls => Tls::Wrapper(params),
        Security::StartTls { allow_plain: true } => Tls::Opportunistic(params),
        Security::StartTls { allow_plain: false } => Tls::Required(params),
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(target.host.clone())
        .port(target.port)
        .tls(tls)
        .timeout(Some(SMTP_TIMEOUT));
    if let Some(d) = helo_domain.filter(|d| !d.is_empty()) {
        b = b.hello_name(lettre::transport::smtp::extension::ClientId::Domain(
            d.to_string(),
        ));
    }
    if let Some((user, pass)) = &target.credentials {
        b = b.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    Ok(b.build())
}

fn domain_of(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("localhost")
}

/// Hand `message` to the mailbox's SMTP server.
pub async fn send(mailbox: &Mailbox, message: Message) -> Result<(), SendError> {
    let target = transport::parse_smtp(&mailbox.smtp_url, mailbox.insecure_plain)
        .map_err(|e| permanent(format!("mailbox {}: {}", mailbox.name, e.message)))?;
    let t = smtp_transport(&target, Some(domain_of(&mailbox.address)))?;
    match t.send(message).await {
        Ok(_) => Ok(()),
        Err(e) => Err(SendError {
            message: format!(
                "SMTP {}:{}: {}",
                target.host,
                target.port,
                without_addresses(&describe_smtp(&e))
            ),
            permanent: e.is_permanent(),
        }),
    }
}

/// Connect, EHLO, STARTTLS/TLS and log in to the mailbox's SMTP server, without sending.
pub async fn test_smtp(
    smtp_url: &str,
    insecure_plain: bool,
    address: &str,
) -> Result<String, String> {
    let target = transport::parse_smtp(smtp_url, insecure_plain).map_err(|e| e.message)?;
    let t = smtp_transport(&target, Some(domain_of(address))).map_err(|e| e.message)?;
    match t.test_connection().await {
        Ok(true) => Ok(format!(
            "SMTP {}:{}: connected{}",
            target.host,
            target.port,
            if target.credentials.is_some() {
                ", logged in"
            } else {
                ""
            }
        )),
        Ok(false) => Err(format!(
            "SMTP {}:{}: the server did not answer",
            target.host, target.port
        )),
        Err(e) => Err(format!(
            "SMTP {}:{}: {}",
            target.host,
            target.port,
            describe_smtp(&e)
        )),
    }
}

/// `Message-ID` of the mail carrying timeline entry `entry_id`: the same on every retry.
pub fn entry_message_id(entry_id: i64, case_number: &str, mailbox_address: &str) -> String {
    format!(
        "hqdesk.{entry_id}.{}@{}",
        case_number.to_ascii_lowercase(),
        domain_of(mailbox_address)
    )
}

/// The subject of an outgoing mail: the case's, prefixed `Re:` once, with `[NUMBER]` once.
pub fn reply_subject(case_subject: &str, case_number: &str) -> String {
    let tag = format!("[{case_number}]");
    let base = case_subject.trim();
    let lower = base.to_lowercase();
    let base = if lower.starts_with("re:") || lower.starts_with("tl:") || lower.starts_with("aw:") {
        base.to_string()
    } else {
        format!("Re: {base}")
    };
    if base.contains(&tag) {
        base
    } else {
        format!("{base} {tag}")
    }
}

fn angle(id: &str) -> String {
    format!(
        "<{}>",
        id.trim().trim_start_matches('<').trim_end_matches('>')
    )
}

fn address(name: Option<&str>, email: &str) -> Result<Address, SendError> {
    let email = email
        .trim()
        .parse()
        .map_err(|e| permanent(format!("invalid e-mail address {email:?}: {e}")))?;
    Ok(Address::new(
        name.map(str::trim)
            .filter(|n| !n.is_empty())
            .map(String::from),
        email,
    ))
}

fn raw(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

#[derive(Deserialize)]
struct DeliverPayload {
    entry_id: i64,
    channel: String,
    /// A reply from a sealed case: its text and files, sealed for the installation.
    #[serde(default)]
    sealed: Option<String>,
}

fn js<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// `message.deliver`: send a reply written in the console or through the API.
async fn deliver_message(s: Services, job: Job) -> Result<JobOutcome, String> {
    let p: DeliverPayload = serde_json::from_str(&job.payload)
        .map_err(|e| format!("bad message.deliver payload: {e}"))?;
    if p.channel != "email" {
        // Only mail leaves through this worker; other channels record replies only.
        return Ok(JobOutcome::Done(format!(
            "channel {} does not deliver",
            p.channel
        )));
    }
    let last_try = job.attempts >= job.max_attempts;
    match deliver_email(&s, &p).await {
        Ok(Delivery::Done(outcome)) => Ok(JobOutcome::Done(outcome)),
        Ok(Delivery::NoMailbox) => Ok(JobOutcome::WaitFor(WaitFor::Mailbox)),
        Err(e) if e.permanent || last_try => {
            set_state(&s, p.entry_id, DeliveryState::Failed, Some(&e.message))
                .await
                .map_err(js)?;
            tracing::warn!(entry.id = p.entry_id, error = %e.message, "reply not delivered");
            Ok(JobOutcome::Done(format!("failed: {}", e.message)))
        }
        Err(e) => Err(e.message),
    }
}

async fn set_state(
    s: &Services,
    entry_id: i64,
    state: DeliveryState,
    error: Option<&str>,
) -> Result<(), crate::ServiceError> {
    let mut tx = s.store().begin().await?;
    hqdesk_store::timeline::set_delivery(&mut tx, entry_id, state, error).await?;
    Store::commit(tx).await?;
    Ok(())
}

fn transient(e: impl std::fmt::Display) -> SendError {
    SendError {
        message: e.to_string(),
        permanent: false,
    }
}

/// How a reply's delivery ended, when it did not fail.
enum Delivery {
    Done(String),
    /// There is no mailbox to send from.
    NoMailbox,
}

async fn deliver_email(s: &Services, p: &DeliverPayload) -> Result<Delivery, SendError> {
    let mut conn = s.store().read().await.map_err(transient)?;
    let entry = hqdesk_store::timeline::get(&mut conn, p.entry_id)
        .await
        .map_err(transient)?;
    if entry.delivery_state == Some(DeliveryState::Sent) {
        return Ok(Delivery::Done("already sent".into()));
    }
    let case = hqdesk_store::cases::by_id(&mut conn, entry.case_id)
        .await
        .map_err(transient)?;
    let requester = match case.requester_id {
        Some(id) => Some(
            hqdesk_store::requesters::get(&mut conn, id)
                .await
                .map_err(transient)?,
        ),
        None => None,
    };
    // A confidential case's reporter is not in the directory: their address is kept with the
    // report (for a sealed one, sealed for the installation: this job opens it, nobody reads it).
    let to_email = match &requester {
        Some(r) => r.email.clone(),
        None if case.confidential => {
            hqdesk_store::cases::reporter_reply_address(&mut conn, case.id)
                .await
                .map_err(transient)?
        }
        None => None,
    };
    let Some(to_email) = to_email.filter(|e| !e.trim().is_empty()) else {
        return Err(permanent("the requester has no e-mail address"));
    };
    let sealed = match (&p.sealed, case.sealed) {
        (Some(s), _) => Some(SealedReply::open(s).map_err(permanent)?),
        // Queued before the case was sealed: its entry is sealed now, and no job opens it.
        (None, true) => {
            return Err(permanent(
                "the reply was queued before the case was sealed: write it again",
            ))
        }
        (None, false) => None,
    };
    let mailbox = match mailboxes::of_case(&mut conn, case.id)
        .await
        .map_err(transient)?
    {
        Some(m) => m,
        None => match mailboxes::default_sender(&mut conn)
            .await
            .map_err(transient)?
        {
            Some(m) => m,
            None => return Ok(Delivery::NoMailbox),
        },
    };
    // Real Message-IDs only (Outlook Thread-Index keys are filtered out), oldest first.
    let thread: Vec<(String, bool)> = hqdesk_store::mail::case_message_ids(&mut conn, case.id)
        .await
        .map_err(transient)?
        .into_iter()
        .map(|r| {
            (
                r.message_id,
                r.direction == hqdesk_store::mail::Direction::In,
            )
        })
        .collect();
    let files = if sealed.is_some() {
        vec![]
    } else {
        hqdesk_store::attachments::for_case(&mut conn, case.id)
            .await
            .map_err(transient)?
            .into_iter()
            .filter(|a| a.entry_id == entry.id)
            .collect::<Vec<_>>()
    };
    drop(conn);

    let number = case.number.to_string();
    let message_id = entry_message_id(entry.id, &number, &mailbox.address);
    let in_reply_to = thread
        .iter()
        .rev()
        .find(|(_, inbound)| *inbound)
        .map(|(id, _)| id.clone());
    // References: the thread so far, oldest first, capped (the first and the latest ones matter).
    let mut refs: Vec<String> = thread
        .iter()
        .map(|(id, _)| id.clone())
        .filter(|id| *id != message_id)
        .collect();
    if refs.len() > 20 {
        let keep_tail = refs.split_off(refs.len() - 19);
        refs.truncate(1);
        refs.extend(keep_tail);
    }

    // A sealed case's subject is sealed, and a reporter's screen should not say what they
    // reported: a neutral subject with the number (the headers keep the thread).
    let subject = if case.sealed {
        crate::texts::vi("sealed.reply_subject", &[("case", &number)])
    } else {
        reply_subject(&case.subject, &number)
    };
    let mut b = Message::builder()
        .from(address(None, &mailbox.address)?)
        .to(address(
            requester.as_ref().map(|r| r.name.as_str()),
            &to_email,
        )?)
        .subject(subject)
        .message_id(Some(angle(&message_id)))
        .raw_header(raw("X-Loop", hqdesk_mail::LOOP_MARKER.into()))
        .raw_header(raw("X-Hqdesk-Case", number.clone()));
    if let Some(irt) = &in_reply_to {
        b = b.in_reply_to(angle(irt));
    }
    if !refs.is_empty() {
        b = b.references(refs.iter().map(|r| angle(r)).collect::<Vec<_>>().join(" "));
    }
    let body = sealed
        .as_ref()
        .map(|r| r.body.clone())
        .unwrap_or_else(|| entry.body.clone());
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(body);
    let message = if let Some(reply) = sealed.as_ref().filter(|r| !r.files.is_empty()) {
        b.multipart(with_files(
            MultiPart::mixed().singlepart(text),
            &reply.files,
        )?)
    } else if files.is_empty() {
        b.singlepart(text)
    } else {
        let blobs = s
            .blobs()
            .ok_or_else(|| transient("no blob store for the reply's attachments"))?;
        let mut mp = MultiPart::mixed().singlepart(text);
        for f in &files {
            let bytes = blobs.get(&f.sha256).await.map_err(transient)?;
            let ct = ContentType::parse(&f.content_type).unwrap_or_else(|_| {
                ContentType::parse("application/octet-stream").unwrap_or(ContentType::TEXT_PLAIN)
            });
            mp = mp.singlepart(Attachment::new(f.filename.clone()).body(bytes, ct));
        }
        b.multipart(mp)
    }
    .map_err(|e| permanent(format!("cannot build the mail: {e}")))?;

    // Known before it leaves: a bounce or an answer to it finds the case.
    {
        let mut tx = s.store().begin().await.map_err(transient)?;
        mailboxes::record_outbound_message_id(
            &mut tx,
            &message_id,
            case.id,
            Some(entry.id),
            s.now(),
        )
        .await
        .map_err(transient)?;
        Store::commit(tx).await.map_err(transient)?;
    }
    send(&mailbox, message).await?;
    set_state(s, entry.id, DeliveryState::Sent, None)
        .await
        .map_err(transient)?;
    // The outcome is kept with the finished job: the message id, not the requester's address.
    Ok(Delivery::Done(format!("sent as <{message_id}>")))
}

/// `mail.notify`: a system mail (acknowledgement, portal confirmation).
async fn send_notification(s: Services, job: Job) -> Result<JobOutcome, String> {
    let mail: NotificationMail = crate::outbox::notification_payload(&job.payload)?;
    let mailbox = {
        let mut conn = s.store().read().await.map_err(js)?;
        match mail.mailbox_id {
            Some(id) => match mailboxes::get(&mut conn, id).await {
                Ok(m) => Some(m),
                Err(hqdesk_store::StoreError::NotFound) => {
                    mailboxes::default_sender(&mut conn).await.map_err(js)?
                }
                Err(e) => return Err(e.to_string()),
            },
            None => mailboxes::default_sender(&mut conn).await.map_err(js)?,
        }
    };
    let Some(mailbox) = mailbox else {
        return Ok(JobOutcome::WaitFor(WaitFor::Mailbox));
    };
    let message_id = format!("hqdesk.notify.{}@{}", job.id, domain_of(&mailbox.address));
    let built = (|| -> Result<Message, SendError> {
        let mut b = Message::builder()
            .from(address(None, &mailbox.address)?)
            .to(address(None, &mail.to)?)
            .subject(mail.subject.clone())
            .message_id(Some(angle(&message_id)))
            .raw_header(raw("X-Loop", hqdesk_mail::LOOP_MARKER.into()));
        if !mail.from_staff {
            // An automatic mail says so, and no autoresponder answers it.
            b = b
                .raw_header(raw(
                    "Auto-Submitted",
                    if mail.in_reply_to.is_some() {
                        "auto-replied".into()
                    } else {
                        "auto-generated".into()
                    },
                ))
                .raw_header(raw("Precedence", "auto_reply".into()));
        }
        if let Some(irt) = &mail.in_reply_to {
            b = b.in_reply_to(angle(irt)).references(angle(irt));
        }
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone());
        if mail.files.is_empty() {
            b.singlepart(text)
        } else {
            b.multipart(with_files(
                MultiPart::mixed().singlepart(text),
                &mail.files,
            )?)
        }
        .map_err(|e| permanent(format!("cannot build the mail: {e}")))
    })();
    let message = match built {
        Ok(m) => m,
        Err(e) => return Ok(JobOutcome::Done(format!("failed: {}", e.message))),
    };
    if let Some(case_id) = mail.case_id {
        let mut tx = s.store().begin().await.map_err(js)?;
        mailboxes::record_outbound_message_id(&mut tx, &message_id, case_id, None, s.now())
            .await
            .map_err(js)?;
        Store::commit(tx).await.map_err(js)?;
    }
    match send(&mailbox, message).await {
        Ok(()) => Ok(JobOutcome::Done(format!("sent as <{message_id}>"))),
        Err(e) if e.permanent => {
            tracing::warn!(purpose = %mail.purpose, error = %e.message, "notification refused");
            Ok(JobOutcome::Done(format!("failed: {}", e.message)))
        }
        Err(e) => Err(e.message),
    }
}

/// `mp` with `files` (carried in base64 in a job's payload) attached.
fn with_files(mut mp: MultiPart, files: &[MailFile]) -> Result<MultiPart, SendError> {
    for f in files {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&f.base64)
            .map_err(|e| permanent(format!("a file of the mail is not base64: {e}")))?;
        let ct = ContentType::parse(&f.content_type).unwrap_or_else(|_| {
            ContentType::parse("application/octet-stream").unwrap_or(ContentType::TEXT_PLAIN)
        });
        mp = mp.singlepart(Attachment::new(f.filename.clone()).body(bytes, ct));
    }
    Ok(mp)
}

#[cfg(test)]
mod tests {
    use super::without_addresses;

    #[test]
    fn smtp_answers_lose_their_addresses() {
        assert_eq!(
            without_addresses(
                "permanent error (550): 5.1.1 <to.cao@example.vn>: Recipient address rejected"
            ),
            "permanent error (550): 5.1.1 <address>: Recipient address rejected"
        );
        assert_eq!(
            without_addresses("mailbox full for a@b.vn, try later"),
            "mailbox full for address, try later"
        );
        assert_eq!(
            without_addresses("connection refused"),
            "connection refused"
        );
    }
}
