//! Slide text: plain text with paragraphs and bullet lists, never HTML.
//!
//! The stored string is kept exactly as authored (double spaces and all); this module
//! reads its structure when it is shown. A blank line separates paragraphs; a line that
//! starts with `•`, `-`, `–` or `*` (after optional spaces) is a list item. Other lines
//! stay inside their paragraph as line breaks.

/// One block of slide text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block<'a> {
    /// Lines of one paragraph, as written (without the line breaks).
    Paragraph(Vec<&'a str>),
    /// Items of a bullet list, with the bullet and the space after it removed.
    List(Vec<&'a str>),
}

const BULLETS: [char; 4] = ['•', '-', '–', '*'];

/// The item text when `line` is a bullet line.
pub fn bullet_item(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let first = t.chars().next()?;
    if !BULLETS.contains(&first) {
        return None;
    }
    let rest = &t[first.len_utf8()..];
    // "-5%" or "--" are not bullets: a bullet is followed by whitespace.
    if rest.starts_with([' ', '\t']) {
        Some(rest.trim_start_matches([' ', '\t']))
    } else {
        None
    }
}

/// Splits text into paragraphs and lists.
pub fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut out: Vec<Block<'_>> = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list: Vec<&str> = Vec::new();
    fn flush<'a>(out: &mut Vec<Block<'a>>, para: &mut Vec<&'a str>, list: &mut Vec<&'a str>) {
        if !para.is_empty() {
            out.push(Block::Paragraph(std::mem::take(para)));
        }
        if !list.is_empty() {
            out.push(Block::List(std::mem::take(list)));
        }
    }
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            flush(&mut out, &mut para, &mut list);
        } else if let Some(item) = bullet_item(line) {
            if !para.is_empty() {
                out.push(Block::Paragraph(std::mem::take(&mut para)));
            }
            list.push(item);
        } else {
            if !list.is_empty() {
                out.push(Block::List(std::mem::take(&mut list)));
            }
            para.push(line);
        }
    }
    flush(&mut out, &mut para, &mut list);
    out
}

/// At most `max` characters of the text's first non-empty line, for tile teasers: cut
/// after a whole word and marked with `…` when the line is longer.
pub fn teaser(text: &str, max: usize) -> String {
    let line = text
        .split('\n')
        .map(|l| bullet_item(l).unwrap_or(l).trim())
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut out: String = line.chars().take(max).collect();
    if line.chars().count() > max {
        // Back to the end of the last whole word, unless that leaves almost nothing
        // (one very long word): a visitor never sees a word cut in two.
        let next_is_space = line[out.len()..].starts_with(char::is_whitespace);
        if !next_is_space {
            if let Some(space) = out
                .rfind(char::is_whitespace)
                .filter(|i| *i >= out.len() / 2)
            {
                out.truncate(space);
            }
        }
        let cut = out
            .trim_end_matches(|c: char| {
                c.is_whitespace() || matches!(c, ',' | ';' | ':' | '—' | '-')
            })
            .len();
        out.truncate(cut);
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_bullets() {
        let t = "Intro line one\nline two\n\n•\tfirst item;\n- second\nAfter list\n\n\nEnd";
        assert_eq!(
            blocks(t),
            vec![
                Block::Paragraph(vec!["Intro line one", "line two"]),
                Block::List(vec!["first item;", "second"]),
                Block::Paragraph(vec!["After list"]),
                Block::Paragraph(vec!["End"]),
            ]
        );
    }

    #[test]
    fn dash_without_space_is_text() {
        assert_eq!(
            blocks("-5% growth"),
            vec![Block::Paragraph(vec!["-5% growth"])]
        );
    }

    #[test]
    fn keeps_double_spaces() {
        assert_eq!(blocks("a   b"), vec![Block::Paragraph(vec!["a   b"])]);
    }

    #[test]
    fn teaser_cuts_between_words() {
        assert_eq!(
            teaser("Сәлеметсіз бе, құрметті қонақтар", 10),
            "Сәлеметсіз…"
        );
        // Never inside a word: back to the last whole one, without its comma.
        assert_eq!(
            teaser("Сәлеметсіз бе, құрметті қонақтар", 20),
            "Сәлеметсіз бе…"
        );
        assert_eq!(
            teaser("Цифрлық Қазақстан бағдарламасы", 25),
            "Цифрлық Қазақстан…"
        );
        // One word longer than the teaser is cut, there is nothing else to do.
        assert_eq!(teaser("Автоматтандыру", 5), "Автом…");
        assert_eq!(teaser("\n\n• Short", 40), "Short");
    }
}
