//! The language of legacy text: Russian or Kazakh, from the share of Cyrillic letters
//! that only Kazakh has.

use ekran_model::Lang;

use crate::json::{Node as JNode, Value};

/// Kazakh letters that Russian does not have.
#[cfg_attr(not(test), allow(dead_code))]
const KAZAKH_LETTERS: &str = "ӘәҒғҚқҢңӨөҰұҮүҺһІі";

/// Share of Cyrillic letters that must be Kazakh-specific for a file to count as Kazakh.
/// Russian legacy files carry Kazakh names («Нұр Отан», Кәрібек): at most 3.3% in the known
/// data; Kazakh files run at 9-14%.
pub(super) const KAZAKH_SHARE: f64 = 0.05;

/// Whether `c` is one of [`KAZAKH_LETTERS`] (a match, not a search: this runs for
/// every letter of a migration).
fn is_kazakh_letter(c: char) -> bool {
    matches!(
        c,
        'Ә' | 'ә'
            | 'Ғ'
            | 'ғ'
            | 'Қ'
            | 'қ'
            | 'Ң'
            | 'ң'
            | 'Ө'
            | 'ө'
            | 'Ұ'
            | 'ұ'
            | 'Ү'
            | 'ү'
            | 'Һ'
            | 'һ'
            | 'І'
            | 'і'
    )
}

/// Cyrillic letters in the strings of `doc`, and how many of them are Kazakh-specific.
pub fn letters(doc: &JNode) -> (usize, usize) {
    let (mut cyr, mut kk) = (0usize, 0usize);
    let mut stack = vec![doc];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::String(s) => {
                for c in s.chars() {
                    if ('\u{0400}'..='\u{04FF}').contains(&c) {
                        cyr += 1;
                        kk += usize::from(is_kazakh_letter(c));
                    }
                }
            }
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(m) => stack.extend(m.iter().map(|m| &m.value)),
            _ => {}
        }
    }
    (cyr, kk)
}

/// Detects the language of a file from its strings; returns it and a reason to report.
pub fn detect_language(doc: &JNode) -> (Lang, String) {
    let (cyr, kk) = letters(doc);
    let share = if cyr == 0 {
        0.0
    } else {
        kk as f64 / cyr as f64
    };
    let lang = if share >= KAZAKH_SHARE {
        Lang::Kk
    } else {
        Lang::Ru
    };
    let why = format!(
        "language detected as {lang}: {kk} of {cyr} Cyrillic letters are Kazakh-specific ({:.1}%, threshold {:.0}%); use --lang to override",
        share * 100.0,
        KAZAKH_SHARE * 100.0
    );
    (lang, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kazakh_letter_match_is_the_list() {
        for c in '\u{0400}'..='\u{04FF}' {
            assert_eq!(is_kazakh_letter(c), KAZAKH_LETTERS.contains(c), "{c}");
        }
    }
}
