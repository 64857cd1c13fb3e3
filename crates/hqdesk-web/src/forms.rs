//! Reading forms that carry files, part by part as they arrive: first the text fields that come
//! before the first file (a form puts its CSRF token first), so that the caller can refuse a
//! forged or flooding post before a byte of its files is read; then the files, streamed into the
//! blob store's staging area, never held in memory. Every text, file names and types included,
//! passes the input rule (`hqdesk_domain::input`): a refused character is replaced in the field
//! (so the form can be shown again as typed) and the form is refused once it has been read.
use std::collections::HashMap;

use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use hqdesk_domain::input::{check_field, scrub, Shape};
use hqdesk_domain::ValidationErrors;
use hqdesk_services::cases::{
    FileContent, NewAttachment, MAX_ATTACHMENTS, MAX_ATTACHMENTS_TOTAL_BYTES, MAX_ATTACHMENT_BYTES,
};
use hqdesk_services::{ServiceError, Services};

/// A text field longer than this is refused rather than stored.
const MAX_FIELD_BYTES: usize = 64 * 1024;
/// Text fields in one form at most.
const MAX_FIELDS: usize = 64;

/// A `multipart/form-data` body, not yet read.
pub(crate) struct UploadForm {
    parts: multer::Multipart<'static>,
    /// The first file part, met while reading the fields before it.
    first_file: Option<multer::Field<'static>>,
    fields: usize,
    /// Fields and file names or types the input rule refused.
    invalid: ValidationErrors,
}

impl<S: Send + Sync> FromRequest<S> for UploadForm {
    type Rejection = Response;

    async fn from_request(req: Request, _: &S) -> Result<Self, Response> {
        let boundary = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| multer::parse_boundary(v).ok())
            .ok_or_else(|| {
                (
                    StatusCode::BAD_REQUEST,
                    "send the form as multipart/form-data",
                )
                    .into_response()
            })?;
        Ok(UploadForm {
            parts: multer::Multipart::new(req.into_body().into_data_stream(), boundary),
            first_file: None,
            fields: 0,
            invalid: ValidationErrors::new(),
        })
    }
}

impl UploadForm {
    /// The text fields before the first file (all of them when there is none).
    pub(crate) async fn fields_before_files(
        &mut self,
    ) -> Result<HashMap<String, String>, ServiceError> {
        let mut fields = HashMap::new();
        while let Some(field) = self.parts.next_field().await.map_err(unreadable)? {
            if field.name() == Some("files") {
                self.first_file = Some(field);
                break;
            }
            self.add_text(&mut fields, field).await?;
        }
        Ok(fields)
    }

    /// The files (streamed into `services`' blob store) and any text fields after them, added
    /// to `fields`.
    pub(crate) async fn files(
        mut self,
        services: &Services,
        fields: &mut HashMap<String, String>,
    ) -> Result<Vec<NewAttachment>, ServiceError> {
        let mut files = Vec::new();
        let mut total = 0usize;
        let mut refusal = None;
        let mut next = self.first_file.take();
        loop {
            let field = match next.take() {
                Some(f) => f,
                None => match self.parts.next_field().await.map_err(unreadable)? {
                    Some(f) => f,
                    None => break,
                },
            };
            if field.name() != Some("files") {
                self.add_text(fields, field).await?;
                continue;
            }
            if refusal.is_some() || files.len() == MAX_ATTACHMENTS {
                // Past a limit: read on to the end so that the browser gets the answer, but keep
                // nothing.
                refusal.get_or_insert_with(|| {
                    ServiceError::invalid_field(
                        "attachments",
                        "attachments_too_many",
                        format!("at most {MAX_ATTACHMENTS} files per message"),
                    )
                });
                drain(field).await?;
                continue;
            }
            let index = files.len();
            match stage(services, field, MAX_ATTACHMENTS_TOTAL_BYTES - total).await? {
                Staged::File(a) => {
                    total += a.content.len();
                    // An empty file input still sends one nameless, empty part.
                    if !(a.filename.is_empty() && a.content.is_empty()) {
                        let at = format!("files[{index}]");
                        for (part, value) in
                            [("filename", &a.filename), ("content_type", &a.content_type)]
                        {
                            if let Err(e) = check_field(&format!("{at}.{part}"), value) {
                                self.invalid.push(e);
                            }
                        }
                        files.push(a);
                    }
                }
                Staged::TooLarge { filename, size } if size > MAX_ATTACHMENT_BYTES => {
                    refusal = Some(ServiceError::invalid_field(
                        &format!("attachments[{index}]"),
                        "attachment_too_large",
                        format!(
                            "{filename} is larger than {} MB",
                            MAX_ATTACHMENT_BYTES / 1024 / 1024
                        ),
                    ));
                }
                Staged::TooLarge { .. } => {
                    refusal = Some(ServiceError::invalid_field(
                        "attachments",
                        "attachments_too_large",
                        format!(
                            "the files of one message may add up to {} MB",
                            MAX_ATTACHMENTS_TOTAL_BYTES / 1024 / 1024
                        ),
                    ));
                }
            }
        }
        if let Some(e) = refusal {
            return Err(e);
        }
        if !self.invalid.is_empty() {
            return Err(ServiceError::Invalid(self.invalid));
        }
        Ok(files)
    }

    async fn add_text(
        &mut self,
        fields: &mut HashMap<String, String>,
        mut field: multer::Field<'static>,
    ) -> Result<(), ServiceError> {
        self.fields += 1;
        if self.fields > MAX_FIELDS {
            return Err(too_large());
        }
        let name = field.name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            if bytes.len() + chunk.len() > MAX_FIELD_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let text = match check_field(&name, &text) {
            Ok(()) => text,
            Err(e) => {
                self.invalid.push(e);
                scrub(&text, Shape::of_field(&name)).into_owned()
            }
        };
        fields.insert(name, text);
        Ok(())
    }
}

enum Staged {
    File(NewAttachment),
    /// Over its limit: read to its end, nothing kept.
    TooLarge {
        filename: String,
        size: usize,
    },
}

/// Stream one file part to the staging area, keeping at most `room` bytes.
async fn stage(
    services: &Services,
    mut field: multer::Field<'static>,
    room: usize,
) -> Result<Staged, ServiceError> {
    let filename = field.file_name().unwrap_or("").to_string();
    let content_type = field
        .content_type()
        .map(|m| m.to_string())
        .unwrap_or_default();
    let blobs = services.blobs().ok_or_else(|| {
        ServiceError::Unavailable("no blob store is configured for attachments".into())
    })?;
    let limit = room.min(MAX_ATTACHMENT_BYTES);
    let mut out = blobs.stage().await?;
    let mut size = 0usize;
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        size += chunk.len();
        if size > limit {
            drop(out);
            drain(field).await?;
            return Ok(Staged::TooLarge { filename, size });
        }
        out.write(&chunk).await?;
    }
    Ok(Staged::File(NewAttachment {
        filename,
        content_type,
        content: FileContent::Staged(std::sync::Arc::new(out.finish().await?)),
    }))
}

/// Read a part to its end, keeping nothing.
async fn drain(mut field: multer::Field<'static>) -> Result<(), ServiceError> {
    while field.chunk().await.map_err(unreadable)?.is_some() {}
    Ok(())
}

fn too_large() -> ServiceError {
    ServiceError::invalid_field("attachments", "upload_too_large", "the form is too large")
}

/// The body broke off, came too slowly, passed the route's size limit or is not multipart.
fn unreadable(e: multer::Error) -> ServiceError {
    use std::error::Error as _;
    let timed_out = e.source().is_some_and(crate::limits::timed_out);
    ServiceError::invalid_field(
        "attachments",
        if timed_out {
            "upload_timed_out"
        } else {
            "upload_too_large"
        },
        e.to_string(),
    )
}
