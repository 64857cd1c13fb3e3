//! Reading forms that carry files.
use std::collections::HashMap;

use axum::extract::Multipart;
use hqdesk_services::cases::NewAttachment;

/// The fields of a multipart form and its files (`files` parts). Reading fails with a message
/// for the visitor when the whole upload is over the size limit.
pub(crate) async fn read_multipart(
    mut m: Multipart,
) -> Result<(HashMap<String, String>, Vec<NewAttachment>), String> {
    let mut fields = HashMap::new();
    let mut files = Vec::new();
    while let Some(field) = m.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or("").to_string();
        if name == "files" {
            let filename = field.file_name().unwrap_or("").to_string();
            let content_type = field.content_type().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|e| e.body_text())?;
            // An empty file input still sends one nameless, empty part.
            if !(filename.is_empty() && bytes.is_empty()) {
                files.push(NewAttachment {
                    filename,
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = field.text().await.map_err(|e| e.body_text())?;
            // Fields are short; a huge one is refused rather than stored.
            if text.len() > 64 * 1024 {
                return Err("field too large".into());
            }
            fields.insert(name, text);
        }
    }
    Ok((fields, files))
}
