//! Evidence spans from token offsets, and the split of a text into a title
//! line, title segments and sentences.

use super::EvidenceSpan;
use super::terms::TextTerm;
use crate::text;

/// A span of `input` between two byte offsets, reported in characters.
pub fn span(input: &str, begin: usize, end: usize) -> EvidenceSpan {
    EvidenceSpan {
        start: text::char_offset(input, begin),
        end: text::char_offset(input, end),
        text: input[begin..end].to_owned(),
    }
}

/// The span from the first to the last of some terms of `input`, its
/// character offsets taken from the terms.
pub fn span_of(input: &str, first: &TextTerm, last: &TextTerm) -> EvidenceSpan {
    EvidenceSpan {
        start: first.chars.0,
        end: last.chars.1,
        text: input[first.token.start..last.token.end].to_owned(),
    }
}

/// Spans covering the given terms, adjacent terms (in text order) merged.
pub fn merged_spans(input: &str, terms: &[&TextTerm]) -> Vec<EvidenceSpan> {
    // Byte range, then character range: the latter follows the former.
    let mut ranges: Vec<((usize, usize), (usize, usize))> = terms
        .iter()
        .map(|t| ((t.token.start, t.token.end), t.chars))
        .collect();
    ranges.sort_unstable();
    ranges.dedup();
    let mut merged: Vec<((usize, usize), (usize, usize))> = Vec::new();
    for (bytes, chars) in ranges {
        match merged.last_mut() {
            Some(last)
                if input[last.0.1..bytes.0]
                    .chars()
                    .all(|c| c.is_whitespace() || c == '-') =>
            {
                last.0.1 = bytes.1;
                last.1.1 = chars.1;
            }
            _ => merged.push((bytes, chars)),
        }
    }
    merged
        .into_iter()
        .map(|((begin, end), (start, stop))| EvidenceSpan {
            start,
            end: stop,
            text: input[begin..end].to_owned(),
        })
        .collect()
}

/// Byte length of the first line with content, or 0 for an empty text.
/// The title of a posting is its first line.
pub fn title_end(input: &str) -> usize {
    let mut offset = 0;
    for line in input.split_inclusive('\n') {
        if line.trim().is_empty() {
            offset += line.len();
            continue;
        }
        return offset + line.trim_end_matches(['\n', '\r']).len();
    }
    input.len()
}

/// Splits title terms into segments at `/`, `|`, `,`, `;`, `&`, ` - `,
/// and the words `and`, `or`, `cum`; terms inside parentheses are dropped.
pub fn title_segments<'t>(input: &str, terms: &'t [TextTerm]) -> Vec<Vec<&'t TextTerm>> {
    let mut segments: Vec<Vec<&TextTerm>> = vec![Vec::new()];
    let mut previous_end: Option<usize> = None;
    let mut depth = 0i32;
    for term in terms {
        let gap = previous_end.map_or(&input[..term.token.start], |e| &input[e..term.token.start]);
        let mut boundary = false;
        for c in gap.chars() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth = (depth - 1).max(0),
                '/' | '|' | ',' | ';' | '&' | '–' | '+' => boundary = true,
                _ => {}
            }
        }
        if gap.contains(" - ") {
            boundary = true;
        }
        previous_end = Some(term.token.end);
        if depth > 0 {
            continue;
        }
        if matches!(term.term.as_str(), "and" | "or" | "cum") {
            if !segments.last().is_some_and(Vec::is_empty) {
                segments.push(Vec::new());
            }
            continue;
        }
        if boundary && !segments.last().is_some_and(Vec::is_empty) {
            segments.push(Vec::new());
        }
        segments.last_mut().expect("one segment").push(term);
    }
    segments.retain(|s| !s.is_empty());
    segments
}

/// Splits terms into sentences at line breaks and `.`, `;`, `:`, `!`, `?`, `•`.
pub fn sentences<'t>(input: &str, terms: &'t [TextTerm]) -> Vec<&'t [TextTerm]> {
    sentence_ranges(input, terms)
        .into_iter()
        .map(|range| &terms[range])
        .collect()
}

/// [`sentences`] as index ranges into `terms`.
pub fn sentence_ranges(input: &str, terms: &[TextTerm]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..terms.len() {
        let gap = &input[terms[i - 1].token.end..terms[i].token.start];
        if gap.contains(['\n', '.', ';', ':', '!', '?', '•', '·']) {
            out.push(start..i);
            start = i;
        }
    }
    if start < terms.len() {
        out.push(start..terms.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::terms::terms;
    use super::*;

    fn words(segment: &[&TextTerm]) -> String {
        segment
            .iter()
            .map(|t| t.term.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn titles_split_at_separators_and_drop_parentheses() {
        let title = "Sales Executive / Account Manager (m/f) - Retail and Marketing";
        let t = terms(title);
        let segments: Vec<String> = title_segments(title, &t).iter().map(|s| words(s)).collect();
        assert_eq!(
            segments,
            ["sale executive", "account manager", "retail", "marketing"]
        );
    }

    #[test]
    fn the_title_is_the_first_line_with_content() {
        let text = "\n  Nurse \nWe need a nurse.";
        assert_eq!(&text[..title_end(text)], "\n  Nurse ");
        assert_eq!(title_end("Nurse"), 5);
    }

    #[test]
    fn sentences_break_at_punctuation_and_lines_and_spans_merge() {
        let text = "Use SQL daily. Write reports\nLead teams";
        let t = terms(text);
        let parts: Vec<usize> = sentences(text, &t).iter().map(|s| s.len()).collect();
        assert_eq!(parts, [3, 2, 2]);
        let spans = merged_spans(text, &[&t[3], &t[4]]);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].text, "Write reports");
        assert_eq!((spans[0].start, spans[0].end), (15, 28));
    }
}
