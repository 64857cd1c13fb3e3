//! Clean copies of a report's files for a verifying unit: the metadata that can name or locate
//! the person who made the file (a photo's EXIF with its GPS position and camera serial, a
//! document's author, company and tracked-change authors) is removed; the content is kept as
//! it is. The original stays with the sealed case as evidence.
//!
//! A file whose type is not known here is refused, not passed through: a copy that might still
//! carry its author's name must not leave the task force by mistake.
use std::io::{Cursor, Read, Write};

use img_parts::jpeg::{markers, Jpeg};
use img_parts::png::Png;
use img_parts::webp::{WebP, CHUNK_EXIF, CHUNK_XMP};
use img_parts::Bytes;

/// What a clean copy is, and what was taken out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanCopy {
    pub bytes: Vec<u8>,
    pub kind: FileKind,
    /// The kinds of metadata found and removed (empty: there was none).
    pub removed: Vec<&'static str>,
}

/// The file types a clean copy can be made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    WebP,
    Pdf,
    /// Word, Excel or PowerPoint (Office Open XML).
    OfficeOpenXml,
    /// OpenDocument text, spreadsheet or presentation.
    OpenDocument,
    /// Plain text or CSV: there is no metadata to remove.
    Text,
}

/// Why no clean copy could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this type of file cannot be cleaned of its metadata")]
    Unsupported,
    #[error("the file is encrypted or password-protected")]
    Encrypted,
    #[error("the file is damaged: {0}")]
    Damaged(String),
}

/// The most a part of a document may grow to when unpacked: more is a zip bomb, not a report.
const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// A clean copy of `bytes`, recognised by their content (`content_type` only tells text apart).
pub fn clean(content_type: &str, bytes: &[u8]) -> Result<CleanCopy, Refusal> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        webp(bytes)
    } else if bytes.starts_with(b"%PDF-") {
        pdf(bytes)
    } else if bytes.starts_with(b"PK\x03\x04") {
        package(bytes)
    } else if is_text(content_type, bytes) {
        Ok(CleanCopy {
            bytes: bytes.to_vec(),
            kind: FileKind::Text,
            removed: vec![],
        })
    } else {
        Err(Refusal::Unsupported)
    }
}

fn is_text(content_type: &str, bytes: &[u8]) -> bool {
    let ct = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(ct.as_str(), "text/plain" | "text/csv")
        && std::str::from_utf8(bytes).is_ok()
        && !bytes.contains(&0)
}

fn damaged(e: impl std::fmt::Display) -> Refusal {
    Refusal::Damaged(e.to_string())
}

fn jpeg(bytes: &[u8]) -> Result<CleanCopy, Refusal> {
    let mut img = Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).map_err(damaged)?;
    let mut removed = vec![];
    // APP1: EXIF (GPS, camera serial, owner name) and XMP; APP13: IPTC and Photoshop data
    // (author, caption); COM: free-text comments. APP0 (JFIF), APP2 (colour profile) and APP14
    // (Adobe colour transform) describe the pixels and stay.
    for (marker, what) in [
        (markers::APP1, "EXIF/XMP"),
        (markers::APP13, "IPTC"),
        (markers::COM, "comments"),
    ] {
        if img.segments().iter().any(|s| s.marker() == marker) {
            img.remove_segments_by_marker(marker);
            removed.push(what);
        }
    }
    Ok(CleanCopy {
        bytes: img.encoder().bytes().to_vec(),
        kind: FileKind::Jpeg,
        removed,
    })
}

fn png(bytes: &[u8]) -> Result<CleanCopy, Refusal> {
    let mut img = Png::from_bytes(Bytes::copy_from_slice(bytes)).map_err(damaged)?;
    let mut removed = vec![];
    // Text chunks hold author, software, comments and often XMP; eXIf holds EXIF; tIME the
    // moment of the last edit.
    for (kind, what) in [
        (*b"tEXt", "text"),
        (*b"zTXt", "text"),
        (*b"iTXt", "text/XMP"),
        (*b"eXIf", "EXIF"),
        (*b"tIME", "time"),
    ] {
        if img.chunks().iter().any(|c| c.kind() == kind) {
            img.remove_chunks_by_type(kind);
            if !removed.contains(&what) {
                removed.push(what);
            }
        }
    }
    Ok(CleanCopy {
        bytes: img.encoder().bytes().to_vec(),
        kind: FileKind::Png,
        removed,
    })
}

fn webp(bytes: &[u8]) -> Result<CleanCopy, Refusal> {
    let mut img = WebP::from_bytes(Bytes::copy_from_slice(bytes)).map_err(damaged)?;
    let mut removed = vec![];
    for (id, what) in [(CHUNK_EXIF, "EXIF"), (CHUNK_XMP, "XMP")] {
        if img.has_chunk(id) {
            img.remove_chunks_by_id(id);
            removed.push(what);
        }
    }
    Ok(CleanCopy {
        bytes: img.encoder().bytes().to_vec(),
        kind: FileKind::WebP,
        removed,
    })
}

fn pdf(bytes: &[u8]) -> Result<CleanCopy, Refusal> {
    let mut doc = lopdf::Document::load_mem(bytes).map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => Refusal::Encrypted,
        other => damaged(other),
    })?;
    if doc.is_encrypted() {
        return Err(Refusal::Encrypted);
    }
    let mut removed = vec![];
    // The document information dictionary: Author, Creator, Producer, Title, dates.
    if doc.trailer.remove(b"Info").is_some() {
        removed.push("document information");
    }
    // XMP packets, on the catalogue and on any page or image; PieceInfo: private data some
    // editors keep (Illustrator, Acrobat), which can hold the author too.
    let mut xmp = false;
    for object in doc.objects.values_mut() {
        let dict = match object {
            lopdf::Object::Dictionary(d) => d,
            lopdf::Object::Stream(s) => &mut s.dict,
            _ => continue,
        };
        xmp |= dict.remove(b"Metadata").is_some();
        xmp |= dict.remove(b"PieceInfo").is_some();
    }
    if xmp {
        removed.push("XMP");
    }
    // What nothing refers to any more (the old information dictionary, the XMP streams, the
    // earlier revisions' objects) is not written.
    doc.prune_objects();
    let mut out = Vec::with_capacity(bytes.len());
    doc.save_to(&mut out).map_err(damaged)?;
    Ok(CleanCopy {
        bytes: out,
        kind: FileKind::Pdf,
        removed,
    })
}

/// Empty property parts, valid for the applications that open the document.
const OOXML_CORE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></cp:coreProperties>"#;
const OOXML_APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"></Properties>"#;
const OOXML_CUSTOM: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"></Properties>"#;
const ODF_META: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2"><office:meta/></office:document-meta>"#;

/// The attributes that name a person inside an Office document's parts: the authors of
/// comments and tracked changes (`w:author`, `w:initials`), and Word's list of them.
const PERSON_ATTRIBUTES: &[&str] = &[
    "w:author",
    "w:initials",
    "w15:author",
    "w15:userId",
    "author",
    "initials",
];

/// What becomes of one part of a package.
enum Part {
    Keep,
    Replace(&'static str, &'static str),
    /// An XML part in which the person attributes are emptied.
    Scrub,
}

fn package(bytes: &[u8]) -> Result<CleanCopy, Refusal> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    let names: Vec<String> = zip.file_names().map(String::from).collect();
    let kind = if names.iter().any(|n| n == "[Content_Types].xml") {
        FileKind::OfficeOpenXml
    } else if names.iter().any(|n| n == "mimetype") && names.iter().any(|n| n == "content.xml") {
        FileKind::OpenDocument
    } else {
        // A zip of other files: each would need cleaning, and could hold anything.
        return Err(Refusal::Unsupported);
    };
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len())));
    let mut removed: Vec<&'static str> = vec![];
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(damaged)?;
        if entry.encrypted() {
            return Err(Refusal::Encrypted);
        }
        let name = entry.name().to_string();
        let part = match (kind, name.as_str()) {
            (FileKind::OfficeOpenXml, "docProps/core.xml") => {
                Part::Replace(OOXML_CORE, "document properties")
            }
            (FileKind::OfficeOpenXml, "docProps/app.xml") => {
                Part::Replace(OOXML_APP, "company and application")
            }
            (FileKind::OfficeOpenXml, "docProps/custom.xml") => {
                Part::Replace(OOXML_CUSTOM, "custom properties")
            }
            (FileKind::OfficeOpenXml, n) if n.ends_with(".xml") && !n.starts_with("docProps/") => {
                Part::Scrub
            }
            (FileKind::OpenDocument, "meta.xml") => Part::Replace(ODF_META, "document properties"),
            (FileKind::OpenDocument, n) if n.ends_with(".xml") => Part::Scrub,
            _ => Part::Keep,
        };
        match part {
            Part::Keep => out.raw_copy_file(entry).map_err(damaged)?,
            Part::Replace(text, what) => {
                drop(entry);
                write_part(&mut out, &name, text.as_bytes())?;
                if !removed.contains(&what) {
                    removed.push(what);
                }
            }
            Part::Scrub => {
                drop(entry);
                let mut xml = Vec::new();
                zip.by_index(i)
                    .map_err(damaged)?
                    .take(MAX_PART_BYTES + 1)
                    .read_to_end(&mut xml)
                    .map_err(damaged)?;
                if xml.len() as u64 > MAX_PART_BYTES {
                    return Err(Refusal::Damaged(format!("{name} unpacks to too much")));
                }
                let text = String::from_utf8_lossy(&xml);
                let (scrubbed, changed) = empty_person_attributes(&text);
                if changed {
                    if !removed.contains(&"authors of comments and changes") {
                        removed.push("authors of comments and changes");
                    }
                    write_part(&mut out, &name, scrubbed.as_bytes())?;
                } else {
                    let entry = zip.by_index_raw(i).map_err(damaged)?;
                    out.raw_copy_file(entry).map_err(damaged)?;
                }
            }
        }
    }
    let bytes = out.finish().map_err(damaged)?.into_inner();
    Ok(CleanCopy {
        bytes,
        kind,
        removed,
    })
}

fn write_part(
    out: &mut zip::ZipWriter<Cursor<Vec<u8>>>,
    name: &str,
    bytes: &[u8],
) -> Result<(), Refusal> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file(name, options).map_err(damaged)?;
    out.write_all(bytes).map_err(damaged)
}

/// `xml` with the value of every attribute of [`PERSON_ATTRIBUTES`] emptied, and whether any was.
fn empty_person_attributes(xml: &str) -> (String, bool) {
    let mut out = String::with_capacity(xml.len());
    let mut changed = false;
    let mut rest = xml;
    while let Some((at, attr)) = PERSON_ATTRIBUTES
        .iter()
        .filter_map(|a| attribute_at(rest, a).map(|p| (p, *a)))
        .min_by_key(|(p, _)| *p)
    {
        let value_start = at + attr.len() + 2;
        let quote = rest.as_bytes()[value_start - 1] as char;
        let Some(len) = rest[value_start..].find(quote) else {
            break;
        };
        out.push_str(&rest[..value_start]);
        changed |= len > 0;
        rest = &rest[value_start + len..];
    }
    out.push_str(rest);
    (out, changed)
}

/// The position of the first ` ATTR="` or ` ATTR='` in `s`: preceded by white space, so that
/// `author` is not caught inside `w:author` or `xw:authority`.
fn attribute_at(s: &str, attr: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(i) = s[from..].find(attr) {
        let at = from + i;
        let before = at.checked_sub(1).map(|b| bytes[b]);
        let after = bytes.get(at + attr.len()..at + attr.len() + 2);
        if matches!(before, Some(b' ' | b'\t' | b'\n' | b'\r'))
            && matches!(after, Some([b'=', b'"' | b'\'']))
        {
            return Some(at);
        }
        from = at + attr.len();
    }
    None
}

#[cfg(test)]
mod tests;
