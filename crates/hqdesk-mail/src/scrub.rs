//! Mail from outside may carry characters the input rule (`hqdesk_domain::input`) refuses: a
//! NUL in a subject, an escape sequence in a sender's name. A mail is never refused or lost for
//! that: every text leaving this crate has them replaced (see `input::scrub`).
use hqdesk_domain::input::{scrub, Shape};

use crate::{MailAddress, ParsedMail};

fn line(s: &mut String) {
    if let std::borrow::Cow::Owned(clean) = scrub(s, Shape::Line) {
        *s = clean;
    }
}

fn block(s: &mut String) {
    if let std::borrow::Cow::Owned(clean) = scrub(s, Shape::Block) {
        *s = clean;
    }
}

fn address(a: &mut MailAddress) {
    if let Some(name) = a.name.as_mut() {
        line(name);
    }
    line(&mut a.address);
}

/// The mail with every text field obeying the input rule.
pub(crate) fn scrubbed(mut mail: ParsedMail) -> ParsedMail {
    line(&mut mail.subject);
    block(&mut mail.text);
    if let Some(html) = mail.html.as_mut() {
        block(html);
    }
    for a in mail
        .from
        .iter_mut()
        .chain(mail.reply_to.iter_mut())
        .chain(mail.to.iter_mut())
        .chain(mail.cc.iter_mut())
    {
        address(a);
    }
    for p in &mut mail.parts {
        line(&mut p.filename);
        line(&mut p.content_type);
    }
    for (name, _) in &mut mail.skipped_parts {
        line(name);
    }
    if let Some(b) = mail.bounce.as_mut() {
        for f in [&mut b.recipient, &mut b.action, &mut b.status]
            .into_iter()
            .flatten()
        {
            line(f);
        }
    }
    mail
}
