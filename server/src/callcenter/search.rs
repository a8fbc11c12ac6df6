//! Knowledge-base search that works on Chinese, where words are not separated by spaces.
//!
//! A query is split into terms on whitespace and punctuation (anything not a letter or digit,
//! so `热水器，不点火` and `热水器 不点火` are the same two terms), folded to lower case, and
//! de-duplicated; at most [`MAX_TERMS`] terms of at most [`MAX_TERM_CHARS`] characters count.
//! A term matches an entry when it occurs anywhere inside a keyword, a title or the content, so
//! `点火` finds `燃气热水器打开后不点火`.
//!
//! Bigram fallback: a term of more than two CJK characters that occurs whole in no entry at all
//! (e.g. `热水器点火`, which agents type for `热水器…不点火`) is replaced by its character
//! bigrams (`热水`, `水器`, `器点`, `点火`); an entry then matches the term when at least half of
//! the bigrams (rounded up) occur in it, counted in the first field (keywords, titles, content)
//! holding that many, else across all fields as a content match.
//!
//! Ranking: each matched term scores by the best field it matched in (keyword 100, title 10,
//! content 1). With at most eight terms this orders entries by how many terms matched a
//! keyword, then a title, then the content, so any keyword match outranks any title match, which
//! outranks any content match, and more matched terms rank higher within a field. Ties go to
//! the entry matching more terms, then more bigrams, then the most recently updated one.
//!
//! The logic is pure (no database), so the field app could run it over its offline copy.

use gasdesk_shared::callcenter::MatchField;
use time::OffsetDateTime;
use uuid::Uuid;

pub const MAX_TERMS: usize = 8;
pub const MAX_TERM_CHARS: usize = 16;
const SNIPPET_BEFORE: usize = 20;
const SNIPPET_CHARS: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Folded (lower-case) text.
    pub text: String,
    /// The character bigrams to fall back on; empty unless the term is more than two CJK
    /// characters.
    pub bigrams: Vec<String>,
}

/// Lower case, one character for one, so positions in the folded text are positions in the
/// original.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect()
}

/// CJK unified ideographs (with extensions A–F and compatibility ideographs).
pub fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// The terms of a query, in the order typed.
pub fn terms(query: &str) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    for word in query.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() || out.len() == MAX_TERMS {
            continue;
        }
        let text: String = fold(word).chars().take(MAX_TERM_CHARS).collect();
        if out.iter().any(|t| t.text == text) {
            continue;
        }
        let chars: Vec<char> = text.chars().collect();
        let bigrams = if chars.len() > 2 && chars.iter().all(|c| is_cjk(*c)) {
            let mut grams: Vec<String> = Vec::new();
            for pair in chars.windows(2) {
                let gram: String = pair.iter().collect();
                if !grams.contains(&gram) {
                    grams.push(gram);
                }
            }
            grams
        } else {
            Vec::new()
        };
        out.push(Term { text, bigrams });
    }
    out
}

/// Every string a candidate entry must contain one of: the terms and their bigrams.
pub fn needles(terms: &[Term]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in terms {
        for s in std::iter::once(&t.text).chain(&t.bigrams) {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    out
}

/// An entry as the ranking sees it.
pub struct Doc<'a> {
    pub id: Uuid,
    pub title: &'a str,
    pub subtitle: Option<&'a str>,
    pub keywords: &'a [String],
    pub content: &'a str,
    pub updated_at: OffsetDateTime,
}

/// How an entry matched a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub score: u32,
    pub best: MatchField,
    /// The matched terms (folded), in query order.
    pub terms: Vec<String>,
    /// What to look for in the content for the snippet: whole terms, or bigrams of a fallback.
    pub needles: Vec<String>,
    bigram_hits: usize,
}

struct Folded {
    keywords: Vec<String>,
    titles: String,
    content: String,
}

impl Folded {
    fn of(doc: &Doc<'_>) -> Folded {
        Folded {
            keywords: doc.keywords.iter().map(|k| fold(k)).collect(),
            titles: format!("{}\n{}", fold(doc.title), fold(doc.subtitle.unwrap_or(""))),
            content: fold(doc.content),
        }
    }

    fn field_of(&self, needle: &str) -> Option<MatchField> {
        if self.keywords.iter().any(|k| k.contains(needle)) {
            Some(MatchField::Keyword)
        } else if self.titles.contains(needle) {
            Some(MatchField::Title)
        } else if self.content.contains(needle) {
            Some(MatchField::Content)
        } else {
            None
        }
    }

    fn in_field(&self, field: MatchField, needle: &str) -> bool {
        match field {
            MatchField::Keyword => self.keywords.iter().any(|k| k.contains(needle)),
            MatchField::Title => self.titles.contains(needle),
            MatchField::Content => self.content.contains(needle),
        }
    }

    /// A fallback term: its best field holding half its bigrams, and the bigrams found.
    fn by_bigrams(&self, bigrams: &[String]) -> (Option<MatchField>, Vec<String>) {
        let need = bigrams.len().div_ceil(2);
        let found: Vec<String> = bigrams
            .iter()
            .filter(|g| self.field_of(g).is_some())
            .cloned()
            .collect();
        if found.len() < need {
            return (None, found);
        }
        let field = [MatchField::Keyword, MatchField::Title, MatchField::Content]
            .into_iter()
            .find(|f| bigrams.iter().filter(|g| self.in_field(*f, g)).count() >= need)
            .unwrap_or(MatchField::Content);
        (Some(field), found)
    }
}

fn weight(field: MatchField) -> u32 {
    match field {
        MatchField::Keyword => 100,
        MatchField::Title => 10,
        MatchField::Content => 1,
    }
}

/// The matching entries, best first, each with its index in `docs`.
pub fn rank(terms: &[Term], docs: &[Doc<'_>]) -> Vec<(usize, Match)> {
    let folded: Vec<Folded> = docs.iter().map(Folded::of).collect();
    // A term falls back to bigrams only when no entry at all contains it whole.
    let fallback: Vec<bool> = terms
        .iter()
        .map(|t| !t.bigrams.is_empty() && folded.iter().all(|f| f.field_of(&t.text).is_none()))
        .collect();
    let mut out: Vec<(usize, Match)> = Vec::new();
    for (i, doc) in folded.iter().enumerate() {
        let mut m = Match {
            score: 0,
            best: MatchField::Content,
            terms: Vec::new(),
            needles: Vec::new(),
            bigram_hits: 0,
        };
        for (term, fallback) in terms.iter().zip(&fallback) {
            let field = if *fallback {
                let (field, found) = doc.by_bigrams(&term.bigrams);
                m.bigram_hits += found.len();
                if field.is_some() {
                    m.needles.extend(found);
                }
                field
            } else {
                let field = doc.field_of(&term.text);
                if field.is_some() {
                    m.needles.push(term.text.clone());
                }
                field
            };
            if let Some(field) = field {
                m.score += weight(field);
                m.best = if m.terms.is_empty() {
                    field
                } else {
                    m.best.max(field)
                };
                m.terms.push(term.text.clone());
            }
        }
        if m.score > 0 {
            out.push((i, m));
        }
    }
    out.sort_by(|(a, ma), (b, mb)| {
        mb.score
            .cmp(&ma.score)
            .then(mb.terms.len().cmp(&ma.terms.len()))
            .then(mb.bigram_hits.cmp(&ma.bigram_hits))
            .then(docs[*b].updated_at.cmp(&docs[*a].updated_at))
            .then(docs[*b].id.cmp(&docs[*a].id))
    });
    out
}

/// About [`SNIPPET_CHARS`] characters of `content` around the first of `needles` (folded),
/// on one line, with `…` where it was cut.
pub fn snippet(content: &str, needles: &[String]) -> String {
    let chars: Vec<char> = content
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let folded: Vec<char> = fold(&chars.iter().collect::<String>()).chars().collect();
    let first = needles
        .iter()
        .filter_map(|n| {
            let n: Vec<char> = n.chars().collect();
            if n.is_empty() {
                return None;
            }
            folded.windows(n.len()).position(|w| w == n.as_slice())
        })
        .min()
        .unwrap_or(0);
    let start = first.saturating_sub(SNIPPET_BEFORE);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(
        n: u128,
        title: &'a str,
        keywords: &'a [String],
        content: &'a str,
        age_days: i64,
    ) -> Doc<'a> {
        Doc {
            id: Uuid::from_u128(n),
            title,
            subtitle: None,
            keywords,
            content,
            updated_at: OffsetDateTime::UNIX_EPOCH + time::Duration::days(1000 - age_days),
        }
    }

    fn ids(terms: &[Term], docs: &[Doc<'_>]) -> Vec<u128> {
        rank(terms, docs)
            .into_iter()
            .map(|(i, _)| docs[i].id.as_u128())
            .collect()
    }

    #[test]
    fn queries_split_on_spaces_and_chinese_punctuation() {
        let t = terms("热水器，不点火  点火。E1  e1 (报警)");
        let texts: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["热水器", "不点火", "点火", "e1", "报警"]);
        assert_eq!(t[0].bigrams, ["热水", "水器"]);
        assert!(t[2].bigrams.is_empty(), "two characters need no fallback");
        assert!(t[3].bigrams.is_empty(), "only CJK terms fall back");
        assert!(terms(" ，。 ").is_empty());
        assert_eq!(terms("a b c d e f g h i j").len(), MAX_TERMS);
        assert_eq!(
            terms(&"燃".repeat(40))[0].text.chars().count(),
            MAX_TERM_CHARS
        );
    }

    #[test]
    fn words_are_found_inside_longer_text() {
        let none: Vec<String> = Vec::new();
        let docs = [
            doc(
                1,
                "热水器故障",
                &none,
                "燃气热水器打开后不点火，先检查电池",
                0,
            ),
            doc(2, "燃气表", &none, "燃气表不走字", 0),
        ];
        assert_eq!(ids(&terms("点火"), &docs), [1]);
        assert_eq!(ids(&terms("热水器 不点火"), &docs), [1]);
        assert!(ids(&terms("壁挂炉"), &docs).is_empty());
    }

    #[test]
    fn long_terms_fall_back_to_bigrams_only_when_nothing_matches_whole() {
        let none: Vec<String> = Vec::new();
        let docs = [
            doc(1, "热水器", &none, "燃气热水器打开后不点火，先检查电池", 0),
            doc(2, "灶具", &none, "灶具点火针积碳", 0),
        ];
        let t = terms("热水器点火");
        let ranked = rank(&t, &docs);
        // 热水, 水器, 点火 of 4 bigrams in entry 1; only 点火 in entry 2 (fewer than half).
        assert_eq!(ranked.len(), 1);
        assert_eq!(docs[ranked[0].0].id.as_u128(), 1);
        assert_eq!(ranked[0].1.terms, ["热水器点火"]);
        // Once some entry holds the whole term, no fallback: only that entry matches.
        let docs = [
            doc(1, "热水器", &none, "燃气热水器打开后不点火", 0),
            doc(3, "说明", &none, "热水器点火方法", 0),
        ];
        assert_eq!(ids(&t, &docs), [3]);
    }

    #[test]
    fn keyword_beats_title_beats_content_then_more_terms_then_recency() {
        let kw = vec!["不点火".to_owned()];
        let none: Vec<String> = Vec::new();
        let docs = [
            doc(1, "其他", &none, "热水器不点火时检查电池", 0),
            doc(2, "热水器不点火", &none, "见说明", 1),
            doc(3, "其他", &kw, "见说明", 2),
            doc(4, "其他", &none, "不点火", 0),
            doc(5, "其他", &none, "不点火", 5),
        ];
        assert_eq!(ids(&terms("不点火"), &docs), [3, 2, 4, 1, 5]);
        // Two content terms outrank one; a title match outranks both.
        assert_eq!(ids(&terms("热水器 不点火"), &docs), [3, 2, 1, 4, 5]);
        let ranked = rank(&terms("热水器 不点火"), &docs);
        assert_eq!(ranked[0].1.best, MatchField::Keyword);
        assert_eq!(ranked[0].1.terms, ["不点火"]);
    }

    #[test]
    fn matching_ignores_ascii_case() {
        let kw = vec!["CO报警器".to_owned()];
        let docs = [doc(1, "报警", &kw, "x", 0)];
        assert_eq!(ids(&terms("co"), &docs), [1]);
    }

    #[test]
    fn snippets_surround_the_first_match() {
        let content = format!(
            "{}不点火时\n先检查电池{}",
            "甲".repeat(50),
            "乙".repeat(100)
        );
        let s = snippet(&content, &["不点火".to_owned()]);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("不点火时 先检查电池"), "{s}");
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 2);
        assert_eq!(snippet("短文本", &["无".to_owned()]), "短文本");
    }
}
