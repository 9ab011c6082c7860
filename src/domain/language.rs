//! Languages as records publish them: BCP 47 tags, or English names of
//! languages ("English", as the 2017 Credential Registry wrote them).

use super::credential::is_language_tag;

/// English (and a few endonym) names of languages and their BCP 47 tags.
const NAMES: [(&str, &str); 40] = [
    ("english", "en"),
    ("german", "de"),
    ("deutsch", "de"),
    ("french", "fr"),
    ("français", "fr"),
    ("spanish", "es"),
    ("español", "es"),
    ("italian", "it"),
    ("portuguese", "pt"),
    ("dutch", "nl"),
    ("polish", "pl"),
    ("swedish", "sv"),
    ("danish", "da"),
    ("norwegian", "no"),
    ("finnish", "fi"),
    ("czech", "cs"),
    ("slovak", "sk"),
    ("slovenian", "sl"),
    ("croatian", "hr"),
    ("hungarian", "hu"),
    ("romanian", "ro"),
    ("bulgarian", "bg"),
    ("greek", "el"),
    ("estonian", "et"),
    ("latvian", "lv"),
    ("lithuanian", "lt"),
    ("irish", "ga"),
    ("maltese", "mt"),
    ("russian", "ru"),
    ("ukrainian", "uk"),
    ("turkish", "tr"),
    ("arabic", "ar"),
    ("hebrew", "he"),
    ("hindi", "hi"),
    ("chinese", "zh"),
    ("mandarin", "zh"),
    ("japanese", "ja"),
    ("korean", "ko"),
    ("vietnamese", "vi"),
    ("american sign language", "ase"),
];

/// How a published language was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishedLanguage {
    /// A BCP 47 tag as published.
    Tag(String),
    /// A language name mapped to its tag.
    Named {
        /// The published name.
        name: String,
        /// Its BCP 47 tag.
        tag: String,
    },
}

impl PublishedLanguage {
    /// The BCP 47 tag.
    pub fn tag(&self) -> &str {
        match self {
            Self::Tag(tag) | Self::Named { tag, .. } => tag,
        }
    }
}

/// A published language: a BCP 47 tag (kept as it is), or a language name
/// this table knows (case-insensitive). `None` for anything else.
pub fn read_language(raw: &str) -> Option<PublishedLanguage> {
    let trimmed = raw.trim();
    let folded = trimmed.to_lowercase();
    if let Some((_, tag)) = NAMES.iter().find(|(name, _)| *name == folded) {
        return Some(PublishedLanguage::Named {
            name: trimmed.to_owned(),
            tag: (*tag).to_owned(),
        });
    }
    is_language_tag(trimmed).then(|| PublishedLanguage::Tag(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_tags() {
        assert_eq!(read_language("English").unwrap().tag(), "en");
        assert_eq!(read_language(" deutsch ").unwrap().tag(), "de");
        assert_eq!(
            read_language("en-GB"),
            Some(PublishedLanguage::Tag("en-GB".into()))
        );
        assert_eq!(read_language("Klingon"), None);
        assert_eq!(read_language(""), None);
    }
}
