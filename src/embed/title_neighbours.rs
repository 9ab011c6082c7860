//! The vectors of real vacancy titles with the occupation each names,
//! learnt with the trained token table (`title_neighbours.tsv` beside
//! `table.bin`, written by `scripts/train-embedder` from the training
//! folds' vacancy titles: their vectors under that table, no title text).
//! A new title's nearest training titles say which occupations titles like
//! it name, including ones whose labels share no word with it; the learnt
//! title fusion weighs that (EVALUATION.md, "Nearest vacancy titles").
//!
//! The file: a `title-neighbours<TAB>1<TAB>dims` line, `occupation<TAB>uri`
//! lines (numbered from 0 in order), then one
//! `title<TAB>occupation<TAB>scale<TAB>base64` line per title: its
//! normalised vector as `dims` signed bytes times `scale`.

use base64::Engine as _;
use ndarray::Array2;

use super::{EmbeddingMatrix, ScreenedMatrix};

/// The shipped neighbours, for the default table (`assets/static-skills/`).
const SHIPPED: &str = include_str!("../../assets/static-skills/title_neighbours.tsv");

/// Training vacancy titles' vectors, each with the occupation URI it names.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleNeighbours {
    occupations: Vec<String>,
    /// Per title: its position in `occupations`.
    named: Vec<u32>,
    /// Per title: its vector, `dims` wide, as stored (int8 times scale).
    vectors: Array2<f32>,
}

/// A neighbours file that is not of the format above.
#[derive(Debug, thiserror::Error)]
#[error(
    "line {line}: expected `title-neighbours<TAB>1<TAB>dims` first, then `occupation<TAB>uri` \
     or `title<TAB>occupation<TAB>scale<TAB>base64 of dims bytes`"
)]
pub struct BadNeighboursLine {
    /// One-based line number.
    pub line: usize,
}

/// The neighbours whose occupations the caller knows, with occupations as
/// its indexes (taxonomy order).
#[derive(Debug, Clone)]
pub struct ResolvedNeighbours {
    /// Per title, normalised, with an int8 copy to screen them.
    vectors: ScreenedMatrix,
    /// Per title: the occupation it names.
    occupations: Vec<u32>,
}

impl ResolvedNeighbours {
    /// The titles' vectors.
    pub fn vectors(&self) -> &ScreenedMatrix {
        &self.vectors
    }

    /// The occupation title `row` names.
    pub fn occupation(&self, row: usize) -> u32 {
        self.occupations[row]
    }
}

impl TitleNeighbours {
    /// The neighbours compiled in with the default table.
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).expect("compiled-in title neighbours")
    }

    /// The width of the vectors.
    pub fn dim(&self) -> usize {
        self.vectors.ncols()
    }

    /// Parses a neighbours file (blank lines skipped).
    pub fn parse(text: &str) -> Result<Self, BadNeighboursLine> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty());
        let dims = match lines.next().map(|(_, line)| fields(line)) {
            Some([Some("title-neighbours"), Some("1"), Some(dims), None, None]) => dims
                .parse::<usize>()
                .ok()
                .filter(|&d| d > 0)
                .ok_or(BadNeighboursLine { line: 1 })?,
            _ => return Err(BadNeighboursLine { line: 1 }),
        };
        let (mut occupations, mut named, mut values) = (Vec::new(), Vec::new(), Vec::new());
        for (at, line) in lines {
            let bad = || BadNeighboursLine { line: at + 1 };
            match fields(line) {
                [Some("occupation"), Some(uri), None, None, None] if named.is_empty() => {
                    occupations.push(uri.to_owned());
                }
                [
                    Some("title"),
                    Some(occupation),
                    Some(scale),
                    Some(bytes),
                    None,
                ] => {
                    let occupation: u32 = occupation.parse().map_err(|_| bad())?;
                    let scale: f32 = scale.parse().map_err(|_| bad())?;
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(bytes)
                        .map_err(|_| bad())?;
                    if occupation as usize >= occupations.len()
                        || !scale.is_finite()
                        || bytes.len() != dims
                    {
                        return Err(bad());
                    }
                    named.push(occupation);
                    values.extend(bytes.iter().map(|&b| f32::from(b as i8) * scale));
                }
                _ => return Err(bad()),
            }
        }
        let vectors = Array2::from_shape_vec((named.len(), dims), values)
            .expect("one row of dims values per title");
        Ok(Self {
            occupations,
            named,
            vectors,
        })
    }

    /// The titles whose occupation `index` knows, occupations as its indexes.
    pub fn resolve(&self, index: impl Fn(&str) -> Option<u32>) -> ResolvedNeighbours {
        let known: Vec<Option<u32>> = self.occupations.iter().map(|uri| index(uri)).collect();
        let kept: Vec<(usize, u32)> = self
            .named
            .iter()
            .enumerate()
            .filter_map(|(row, &o)| Some((row, known[o as usize]?)))
            .collect();
        let rows = self.vectors.select(
            ndarray::Axis(0),
            &kept.iter().map(|&(r, _)| r).collect::<Vec<_>>(),
        );
        ResolvedNeighbours {
            vectors: ScreenedMatrix::new(EmbeddingMatrix::from_rows(rows)),
            occupations: kept.into_iter().map(|(_, o)| o).collect(),
        }
    }
}

/// The first five tab-separated fields of a line, trimmed (a line of
/// five or more fields fits no pattern above, all of which end in `None`).
fn fields(line: &str) -> [Option<&str>; 5] {
    let mut parts = line.split('\t').map(str::trim);
    let mut out = [None; 5];
    for slot in &mut out {
        *slot = parts.next();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(lines: &[&str]) -> String {
        lines.join("\n")
    }

    fn vector(bytes: &[i8]) -> String {
        let raw: Vec<u8> = bytes.iter().map(|&b| b as u8).collect();
        base64::engine::general_purpose::STANDARD.encode(raw)
    }

    #[test]
    fn titles_resolve_to_the_occupations_the_caller_knows() {
        let text = file(&[
            "title-neighbours\t1\t2",
            "occupation\tu:nurse",
            "occupation\tu:gone",
            &format!("title\t0\t0.01\t{}", vector(&[100, 0])),
            &format!("title\t1\t0.01\t{}", vector(&[0, 100])),
            &format!("title\t0\t0.5\t{}", vector(&[-1, 1])),
        ]);
        let parsed = TitleNeighbours::parse(&text).unwrap();
        assert_eq!(parsed.dim(), 2);
        let resolved = parsed.resolve(|uri| (uri == "u:nurse").then_some(7));
        assert_eq!(resolved.vectors().exact().len(), 2);
        assert_eq!(resolved.occupation(0), 7);
        assert_eq!(resolved.occupation(1), 7);
        let first = resolved.vectors().exact().rows().row(0).to_vec();
        assert!((first[0] - 1.0).abs() < 1e-6 && first[1] == 0.0);
        let second = resolved.vectors().exact().rows().row(1).to_vec();
        assert!((second[0] + second[1]).abs() < 1e-6 && second[1] > 0.7);
    }

    #[test]
    fn malformed_files_name_their_line() {
        let ok = format!("title\t0\t0.01\t{}", vector(&[1, 2]));
        for (lines, line) in [
            (vec!["neighbours\t1\t2"], 1),
            (vec!["title-neighbours\t1\t0"], 1),
            (vec!["title-neighbours\t2\t2"], 1),
            (
                vec![
                    "title-neighbours\t1\t2",
                    "occupation\tu:a",
                    "title\t1\t0.01\tAQI=",
                ],
                3,
            ),
            (
                vec![
                    "title-neighbours\t1\t2",
                    "occupation\tu:a",
                    "title\t0\t0.01\tAQID",
                ],
                3,
            ),
            (
                vec![
                    "title-neighbours\t1\t2",
                    "occupation\tu:a",
                    "title\t0\tNaN\tAQI=",
                ],
                3,
            ),
            (
                vec![
                    "title-neighbours\t1\t2",
                    "occupation\tu:a",
                    "title\t0\t0.01\t%%",
                ],
                3,
            ),
            (
                vec![
                    "title-neighbours\t1\t2",
                    "occupation\tu:a",
                    &ok,
                    "occupation\tu:b",
                ],
                4,
            ),
            (
                vec![
                    "title-neighbours\t1\t2",
                    "occupation\tu:a",
                    "title\t0\t1\tAQI=\tx",
                ],
                3,
            ),
        ] {
            let err = TitleNeighbours::parse(&file(&lines)).unwrap_err();
            assert_eq!(err.line, line, "{lines:?}");
        }
        assert!(
            TitleNeighbours::parse(&file(&["title-neighbours\t1\t2", "occupation\tu:a", &ok]))
                .is_ok()
        );
    }

    #[test]
    fn the_shipped_neighbours_parse() {
        let shipped = TitleNeighbours::shipped();
        assert_eq!(shipped.dim(), 128);
        assert!(shipped.vectors.nrows() > 10_000);
    }
}
