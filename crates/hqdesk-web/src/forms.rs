//! Reading forms that carry files.
use std::collections::HashMap;

use axum::extract::Multipart;
use hqdesk_domain::input::{check_field, scrub, Shape};
use hqdesk_domain::ValidationErrors;
use hqdesk_services::cases::NewAttachment;

/// Why a multipart form could not be taken.
#[derive(Debug)]
pub(crate) enum FormError {
    /// The upload is over the size limit or broken off (the message is for the log).
    Unreadable(String),
    /// A field or a file's name or type holds characters the input rule refuses. The fields
    /// come back with those characters replaced, to show the form again as it was typed.
    Invalid {
        errors: ValidationErrors,
        fields: HashMap<String, String>,
    },
}

/// The fields of a multipart form and its files (`files` parts). Every text, file names and
/// types included, passes the input rule (`hqdesk_domain::input`) or the form is refused.
pub(crate) async fn read_multipart(
    mut m: Multipart,
) -> Result<(HashMap<String, String>, Vec<NewAttachment>), FormError> {
    let mut fields = HashMap::new();
    let mut files = Vec::new();
    let mut invalid = ValidationErrors::new();
    let unreadable =
        |e: axum::extract::multipart::MultipartError| FormError::Unreadable(e.body_text());
    while let Some(field) = m.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "files" {
            let filename = field.file_name().unwrap_or("").to_string();
            let content_type = field.content_type().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(unreadable)?;
            // An empty file input still sends one nameless, empty part.
            if !(filename.is_empty() && bytes.is_empty()) {
                let at = format!("files[{}]", files.len());
                for (part, value) in [("filename", &filename), ("content_type", &content_type)] {
                    if let Err(e) = check_field(&format!("{at}.{part}"), value) {
                        invalid.push(e);
                    }
                }
                files.push(NewAttachment {
                    filename,
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = field.text().await.map_err(unreadable)?;
            // Fields are short; a huge one is refused rather than stored.
            if text.len() > 64 * 1024 {
                return Err(FormError::Unreadable("field too large".into()));
            }
            let text = match check_field(&name, &text) {
                Ok(()) => text,
                Err(e) => {
                    invalid.push(e);
                    scrub(&text, Shape::of_field(&name)).into_owned()
                }
            };
            fields.insert(name, text);
        }
    }
    if !invalid.is_empty() {
        return Err(FormError::Invalid {
            errors: invalid,
            fields,
        });
    }
    Ok((fields, files))
}
