//! The places (associated data) sealed values are bound to: a ciphertext copied to another case,
//! field, entry or attachment does not open there. Every place is made here and nowhere else
//! (design note 006 §9.4). Ids exist only after a row's `INSERT`: a sealed row is inserted empty
//! and its values written by an `UPDATE` in the same transaction.

/// Where a case's data key is wrapped (`case_keys`, receipts, tracking links).
pub fn case_key(case_id: i64) -> Vec<u8> {
    format!("case:{case_id}").into_bytes()
}

/// `tracking_tokens.wrapped`: the data key wrapped under a key from the tracking link.
pub fn tracking(case_id: i64) -> Vec<u8> {
    format!("case:{case_id}:tracking").into_bytes()
}

/// `case_receipts.wrapped`: the data key wrapped under an anonymous tip's receipt key.
pub fn receipt(case_id: i64) -> Vec<u8> {
    format!("case:{case_id}:receipt").into_bytes()
}

/// The reporter's short-lived access to an anonymous tip after a receipt check (the hidden
/// field of their page, sealed for the installation): the data key wrapped inside it.
pub fn receipt_access(case_id: i64) -> Vec<u8> {
    format!("case:{case_id}:receipt-access").into_bytes()
}

/// `cases.subject`.
pub fn subject(case_id: i64) -> Vec<u8> {
    format!("case:{case_id}:subject").into_bytes()
}

/// A field of `confidential_reporters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReporterField {
    Name,
    Email,
    Phone,
    TaxCode,
}

impl ReporterField {
    fn as_str(self) -> &'static str {
        match self {
            ReporterField::Name => "name",
            ReporterField::Email => "email",
            ReporterField::Phone => "phone",
            ReporterField::TaxCode => "tax_code",
        }
    }
}

/// `confidential_reporters.<field>` of the case.
pub fn reporter(case_id: i64, field: ReporterField) -> Vec<u8> {
    format!("case:{case_id}:reporter:{}", field.as_str()).into_bytes()
}

/// `confidential_reporters.<field>` of a case whose reporter is sealed to its identity key (the
/// identity vault, design note 006 §8): another place than [`reporter`], so that a value of
/// either kind never opens as the other.
pub fn identity(case_id: i64, field: ReporterField) -> Vec<u8> {
    format!("case:{case_id}:identity:{}", field.as_str()).into_bytes()
}

/// Where a case's identity key is wrapped for a custodian or the escrow (`identity_keys`).
pub fn identity_key(case_id: i64) -> Vec<u8> {
    format!("case:{case_id}:identity-key").into_bytes()
}

/// Where a case's identity key is wrapped for an investigator whose request was approved
/// (`identity_grants`), bound to the request: a grant's wrap copied to another request does
/// not open.
pub fn identity_grant(case_id: i64, request_id: i64) -> Vec<u8> {
    format!("case:{case_id}:identity-grant:{request_id}").into_bytes()
}

/// A part of a timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryPart {
    Body,
    Meta,
    DeliveryError,
}

/// `timeline_entries.body` or `meta` of `entry_id`, under the case the entry was written in
/// (`origin_case_id`, or else `case_id`): a merge moves entries without sealing them again.
pub fn entry(origin_case_id: i64, entry_id: i64, part: EntryPart) -> Vec<u8> {
    let part = match part {
        EntryPart::Body => "body",
        EntryPart::Meta => "meta",
        EntryPart::DeliveryError => "delivery_error",
    };
    format!("case:{origin_case_id}:entry:{entry_id}:{part}").into_bytes()
}

/// A part of an attachment's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentPart {
    Filename,
    ContentType,
}

/// `attachments.filename` or `content_type`, naming the sealed blob too: two attachments of one
/// case cannot swap their blobs unnoticed.
pub fn attachment(case_id: i64, attachment_id: i64, blob: &str, part: AttachmentPart) -> Vec<u8> {
    let part = match part {
        AttachmentPart::Filename => "filename",
        AttachmentPart::ContentType => "content_type",
    };
    format!("case:{case_id}:attachment:{attachment_id}:{blob}:{part}").into_bytes()
}

/// `callback_attempts.note`.
pub fn callback_note(case_id: i64, attempt_id: i64) -> Vec<u8> {
    format!("case:{case_id}:callback_attempt:{attempt_id}:note").into_bytes()
}

/// `ratings.comment` of the case.
pub fn rating_comment(case_id: i64) -> Vec<u8> {
    format!("case:{case_id}:rating:comment").into_bytes()
}

/// `case_named.named` of naming `named_id`: who the report names (conflict of interest).
pub fn named(case_id: i64, named_id: i64) -> Vec<u8> {
    format!("case:{case_id}:named:{named_id}").into_bytes()
}

/// Every sealed blob (attachments, raw mail): written before its row, so it names no row; the
/// case's key, and the attachment's place naming the blob, bind it.
pub const FILE: &[u8] = b"file";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_distinct_and_stable() {
        let all = [
            case_key(42),
            subject(42),
            subject(4),
            reporter(42, ReporterField::Name),
            reporter(42, ReporterField::Email),
            reporter(42, ReporterField::Phone),
            reporter(42, ReporterField::TaxCode),
            identity(42, ReporterField::Name),
            identity(42, ReporterField::Email),
            identity(42, ReporterField::Phone),
            identity(42, ReporterField::TaxCode),
            identity_key(42),
            identity_grant(42, 1),
            identity_grant(42, 2),
            entry(42, 7, EntryPart::Body),
            entry(42, 7, EntryPart::Meta),
            entry(42, 70, EntryPart::Body),
            entry(4, 27, EntryPart::Body),
            attachment(42, 3, "ab12", AttachmentPart::Filename),
            attachment(42, 3, "ab12", AttachmentPart::ContentType),
            attachment(42, 3, "cd34", AttachmentPart::Filename),
            callback_note(42, 1),
            rating_comment(42),
            named(42, 1),
            named(42, 2),
            named(4, 21),
            FILE.to_vec(),
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b, "{}", String::from_utf8_lossy(a));
            }
        }
        // Written once, read for years: a change of spelling would open nothing stored.
        assert_eq!(entry(42, 7, EntryPart::Body), b"case:42:entry:7:body");
        assert_eq!(
            attachment(42, 3, "ab12", AttachmentPart::Filename),
            b"case:42:attachment:3:ab12:filename"
        );
        assert_eq!(
            reporter(9, ReporterField::TaxCode),
            b"case:9:reporter:tax_code"
        );
        assert_eq!(named(42, 1), b"case:42:named:1");
        assert_eq!(identity(9, ReporterField::Name), b"case:9:identity:name");
        assert_eq!(identity_key(9), b"case:9:identity-key");
        assert_eq!(identity_grant(9, 3), b"case:9:identity-grant:3");
    }
}
