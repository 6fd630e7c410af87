//! Content languages and localized text.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A content language. `kk` is Kazakh (the legacy data called it `kz`), `ru` Russian,
/// `en` English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Kk,
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// Accepts the ISO codes and the legacy `kz`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "kk" | "kz" => Some(Lang::Kk),
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A text in up to three languages; any of them may be missing.
///
/// Serialized as an object with keys in the fixed order `kk`, `ru`, `en` and missing
/// languages left out, so exports are deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ru: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Localized {
    pub fn one(lang: Lang, text: impl Into<String>) -> Self {
        let mut l = Localized::default();
        l.set(lang, text.into());
        l
    }

    pub fn get(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::Kk => self.kk.as_deref(),
            Lang::Ru => self.ru.as_deref(),
            Lang::En => self.en.as_deref(),
        }
    }

    pub fn slot(&mut self, lang: Lang) -> &mut Option<String> {
        match lang {
            Lang::Kk => &mut self.kk,
            Lang::Ru => &mut self.ru,
            Lang::En => &mut self.en,
        }
    }

    pub fn set(&mut self, lang: Lang, text: String) {
        *self.slot(lang) = Some(text);
    }

    /// The text in `lang`, else the first present in `fallback` order.
    /// Empty strings count as missing.
    pub fn resolve(&self, lang: Lang, fallback: &[Lang]) -> Option<&str> {
        std::iter::once(lang)
            .chain(fallback.iter().copied())
            .find_map(|l| self.get(l).filter(|s| !s.is_empty()))
    }

    /// Whether no language has a non-blank text.
    pub fn is_blank(&self) -> bool {
        Lang::ALL
            .iter()
            .all(|l| self.get(*l).is_none_or(|s| s.trim().is_empty()))
    }

    pub fn has(&self, lang: Lang) -> bool {
        self.get(lang).is_some_and(|s| !s.trim().is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.kk.is_none() && self.ru.is_none() && self.en.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_follows_fallback_and_skips_empty() {
        let mut l = Localized::one(Lang::Ru, "Привет");
        l.set(Lang::Kk, String::new());
        assert_eq!(l.resolve(Lang::Kk, &[Lang::Ru, Lang::En]), Some("Привет"));
        assert_eq!(l.resolve(Lang::En, &[]), None);
    }

    #[test]
    fn serializes_in_fixed_order_without_missing() {
        let mut l = Localized::one(Lang::En, "Hi");
        l.set(Lang::Kk, "Сәлем".into());
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"{"kk":"Сәлем","en":"Hi"}"#
        );
    }
}
