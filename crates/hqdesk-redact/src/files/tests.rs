use std::io::{Cursor, Read, Write};

use img_parts::png::PngChunk;

use super::*;

/// What must not survive: a reporter's name and a position.
const SECRET: &str = "Tran Thi Secret";
const GPS: &str = "N21.0285E105.8542";

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn segment(marker: u8, contents: &[u8]) -> Vec<u8> {
    let len = (contents.len() + 2) as u16;
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&len.to_be_bytes());
    s.extend_from_slice(contents);
    s
}

/// A JPEG as a phone writes it: JFIF, EXIF with a position and the owner, a comment, a colour
/// profile, the tables and the scan.
fn phone_jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    j.extend(segment(
        0xE1,
        format!("Exif\0\0GPS {GPS} Owner {SECRET}").as_bytes(),
    ));
    j.extend(segment(
        0xE1,
        format!("http://ns.adobe.com/xap/1.0/\0<x:creator>{SECRET}</x:creator>").as_bytes(),
    ));
    j.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01profile"));
    j.extend(segment(
        0xED,
        format!("Photoshop 3.0\0IPTC {SECRET}").as_bytes(),
    ));
    j.extend(segment(0xFE, format!("taken by {SECRET}").as_bytes()));
    j.extend(segment(0xDB, &[0u8; 65]));
    j.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    j.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    j.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0x00, 0x78]);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

#[test]
fn a_photo_loses_its_exif_xmp_iptc_and_comments_and_keeps_its_pixels_and_profile() {
    let original = phone_jpeg();
    assert!(contains(&original, GPS) && contains(&original, SECRET));
    let copy = clean("image/jpeg", &original).expect("a clean copy");
    assert_eq!(copy.kind, FileKind::Jpeg);
    assert!(!contains(&copy.bytes, GPS), "the position is gone");
    assert!(!contains(&copy.bytes, SECRET), "the owner is gone");
    assert_eq!(copy.removed, vec!["EXIF/XMP", "IPTC", "comments"]);
    assert!(
        contains(&copy.bytes, "ICC_PROFILE"),
        "the colour profile stays"
    );
    assert!(copy
        .bytes
        .ends_with(&[0x12, 0x34, 0x56, 0xFF, 0x00, 0x78, 0xFF, 0xD9]));
    // Cleaning again finds nothing more.
    let again = clean("image/jpeg", &copy.bytes).expect("a clean copy");
    assert!(again.removed.is_empty());
    assert_eq!(again.bytes, copy.bytes);
}

fn chunk(kind: &[u8; 4], contents: &[u8]) -> Vec<u8> {
    PngChunk::new(*kind, Bytes::copy_from_slice(contents))
        .encoder()
        .bytes()
        .to_vec()
}

#[test]
fn a_screenshot_loses_its_text_exif_and_time_chunks() {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    p.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    p.extend(chunk(b"tEXt", format!("Author\0{SECRET}").as_bytes()));
    p.extend(chunk(
        b"iTXt",
        format!("XML:com.adobe.xmp\0\0\0\0\0{GPS}").as_bytes(),
    ));
    p.extend(chunk(b"eXIf", GPS.as_bytes()));
    p.extend(chunk(b"tIME", &[7, 234, 12, 8, 1, 2, 3]));
    p.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0, 0, 0, 2, 0, 1]));
    p.extend(chunk(b"IEND", &[]));
    let copy = clean("image/png", &p).expect("a clean copy");
    assert_eq!(copy.kind, FileKind::Png);
    assert!(!contains(&copy.bytes, SECRET) && !contains(&copy.bytes, GPS));
    assert_eq!(copy.removed, vec!["text", "text/XMP", "EXIF", "time"]);
    assert!(contains(&copy.bytes, "IHDR") && contains(&copy.bytes, "IDAT"));
    assert!(!contains(&copy.bytes, "tIME"));
}

fn pdf_with_author() -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 72 712 Td (Hang lau qua cua khau) Tj ET".to_vec(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
        }),
    );
    let xmp = doc.add_object(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        format!("<x:xmpmeta><dc:creator>{SECRET}</dc:creator></x:xmpmeta>").into_bytes(),
    ));
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages_id, "Metadata" => xmp,
    });
    let info = doc.add_object(dictionary! {
        "Author" => Object::string_literal(SECRET),
        "Creator" => Object::string_literal("Microsoft Word"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    doc.compress();
    let mut out = vec![];
    doc.save_to(&mut out).expect("a PDF");
    out
}

#[test]
fn a_pdf_loses_its_information_dictionary_and_xmp_and_keeps_its_page() {
    let original = pdf_with_author();
    assert!(contains(&original, SECRET));
    let copy = clean("application/pdf", &original).expect("a clean copy");
    assert_eq!(copy.kind, FileKind::Pdf);
    assert!(!contains(&copy.bytes, SECRET), "the author is gone");
    assert_eq!(copy.removed, vec!["document information", "XMP"]);
    let reread = lopdf::Document::load_mem(&copy.bytes).expect("still a PDF");
    assert_eq!(reread.get_pages().len(), 1);
    let page = *reread.get_pages().get(&1).expect("page 1");
    let content = reread.get_page_content(page).expect("its content");
    assert!(contains(&content, "Hang lau"), "the page's content stays");
}

fn zip_of(parts: &[(&str, &str, bool)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(vec![]));
    for (name, text, stored) in parts {
        let method = if *stored {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        z.start_file(
            *name,
            zip::write::SimpleFileOptions::default().compression_method(method),
        )
        .expect("a part");
        z.write_all(text.as_bytes()).expect("written");
    }
    z.finish().expect("a zip").into_inner()
}

fn parts_of(bytes: &[u8]) -> Vec<(String, String, zip::CompressionMethod)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).expect("a part");
            let mut s = String::new();
            f.read_to_string(&mut s).expect("text");
            (f.name().to_string(), s, f.compression())
        })
        .collect()
}

#[test]
fn a_word_document_loses_its_author_company_and_the_authors_of_its_changes() {
    let core = format!(
        r#"<cp:coreProperties><dc:creator>{SECRET}</dc:creator><cp:lastModifiedBy>{SECRET}</cp:lastModifiedBy></cp:coreProperties>"#
    );
    let app = format!("<Properties><Company>Cong ty {SECRET}</Company></Properties>");
    let document = format!(
        r#"<w:document><w:body><w:p><w:ins w:id="1" w:author="{SECRET}" w:date="2026-12-01T00:00:00Z"><w:r><w:t>Xe tải 29C-123.45 chở hàng lậu</w:t></w:r></w:ins></w:p></w:body></w:document>"#
    );
    let comments = format!(
        r#"<w:comments><w:comment w:id="0" w:author="{SECRET}" w:initials="TTS"><w:p/></w:comment></w:comments>"#
    );
    let people = format!(r#"<w15:people><w15:person w15:author="{SECRET}"/></w15:people>"#);
    let docx = zip_of(&[
        ("[Content_Types].xml", "<Types/>", false),
        ("docProps/core.xml", &core, false),
        ("docProps/app.xml", &app, false),
        ("word/document.xml", &document, false),
        ("word/comments.xml", &comments, false),
        ("word/people.xml", &people, false),
        ("word/media/image1.png", "not xml", false),
    ]);
    let copy = clean(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &docx,
    )
    .expect("a clean copy");
    assert_eq!(copy.kind, FileKind::OfficeOpenXml);
    let parts = parts_of(&copy.bytes);
    for (name, text, _) in &parts {
        assert!(
            !text.contains(SECRET),
            "{name} still names the author: {text}"
        );
    }
    let doc = &parts
        .iter()
        .find(|p| p.0 == "word/document.xml")
        .expect("kept")
        .1;
    assert!(
        doc.contains("Xe tải 29C-123.45 chở hàng lậu"),
        "the text stays"
    );
    assert!(doc.contains(r#"w:author="""#));
    assert!(!parts.iter().any(|p| p.1.contains("TTS")), "initials too");
    assert_eq!(
        copy.removed,
        vec![
            "document properties",
            "company and application",
            "authors of comments and changes"
        ]
    );
    assert_eq!(parts.len(), 7, "no part is lost");
}

#[test]
fn an_opendocument_loses_its_meta_and_keeps_its_mimetype_first_and_stored() {
    let meta = format!("<office:document-meta><office:meta><meta:initial-creator>{SECRET}</meta:initial-creator></office:meta></office:document-meta>");
    let odt = zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.text", true),
        ("content.xml", "<office:text>Báo cáo</office:text>", false),
        ("meta.xml", &meta, false),
    ]);
    let copy = clean("application/vnd.oasis.opendocument.text", &odt).expect("a clean copy");
    assert_eq!(copy.kind, FileKind::OpenDocument);
    let parts = parts_of(&copy.bytes);
    assert_eq!(parts[0].0, "mimetype");
    assert_eq!(parts[0].2, zip::CompressionMethod::Stored);
    assert!(parts.iter().all(|p| !p.1.contains(SECRET)));
    assert!(parts[1].1.contains("Báo cáo"));
}

#[test]
fn text_passes_as_it_is_and_anything_unknown_is_refused() {
    let csv = "ngay,hang\n2026-12-01,thuoc la\n".as_bytes();
    let copy = clean("text/csv; charset=utf-8", csv).expect("text");
    assert_eq!((copy.kind, copy.bytes.as_slice()), (FileKind::Text, csv));
    assert_eq!(
        clean("text/plain", b"MZ\x90\0binary"),
        Err(Refusal::Unsupported),
        "binary is not text whatever its label"
    );
    assert_eq!(
        clean("video/mp4", b"\0\0\0\x18ftypmp42"),
        Err(Refusal::Unsupported)
    );
    let plain_zip = zip_of(&[("a.jpg", "x", false)]);
    assert_eq!(
        clean("application/zip", &plain_zip),
        Err(Refusal::Unsupported)
    );
}

#[test]
fn damaged_files_are_refused_without_a_panic() {
    let jpeg = phone_jpeg();
    let pdf = pdf_with_author();
    let docx = zip_of(&[("[Content_Types].xml", "<Types/>", false)]);
    let mut seed: u32 = 0x2545_F491;
    for sample in [&jpeg[..], &pdf[..], &docx[..]] {
        for cut in [4, sample.len() / 3, sample.len() / 2, sample.len() - 1] {
            let _ = clean("application/octet-stream", &sample[..cut]);
        }
        for _ in 0..200 {
            let mut bad = sample.to_vec();
            for _ in 0..8 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let at = 8 + seed as usize % (bad.len() - 8);
                bad[at] = (seed >> 8) as u8;
            }
            // Whatever it answers, it answers: a refusal or a copy.
            let _ = clean("application/octet-stream", &bad);
        }
    }
    assert!(matches!(
        clean("image/jpeg", &jpeg[..20]),
        Err(Refusal::Damaged(_))
    ));
}
