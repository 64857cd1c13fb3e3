//! Markdown written by staff (knowledge-base articles), shown to visitors and staff.

/// Markdown written by staff, as safe HTML: rendered, then cleaned by an allow-list.
pub fn markdown_html(md: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(
        md,
        pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH,
    );
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}

#[cfg(test)]
mod tests {
    use super::markdown_html;

    #[test]
    fn staff_markdown_is_rendered_and_scripts_are_removed() {
        let html = markdown_html("## Bước 1\n\nMở **VNACCS**.\n\n<script>alert(1)</script><img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) [ok](https://customs.gov.vn)");
        assert!(
            html.contains("<h2>Bước 1</h2>") && html.contains("<strong>VNACCS</strong>"),
            "{html}"
        );
        assert!(
            !html.contains("<script") && !html.contains("onerror") && !html.contains("javascript:"),
            "{html}"
        );
    }
}
