//! The occupations a title's nearest training vacancy titles name
//! ([`ResolvedNeighbours`]): of the [`NEAREST`] titles with the highest
//! cosines to the title's vector, each weighs `exp((cosine - 1) /
//! TEMPERATURE)`, and an occupation gets the share of that weight its titles
//! hold and its titles' best cosine. Cosines above [`SCREEN_FLOOR`] are
//! exact; below it, int8 estimates (a title that close to no training
//! title is weighed by estimates; one that far weighs at most `exp(-10)` of
//! an equal title). The learnt title fusion reads both,
//! and the occupations join the title's candidates (EVALUATION.md,
//! "Nearest vacancy titles").

use ndarray::Array1;

use super::occupations::nearest_rows;
use crate::embed::{Embedding, ResolvedNeighbours};

/// Training titles read per title. 20 and 50 gave the same held-out
/// Recall@10 (0.7983 and 0.7987 in a study outside the engine).
pub const NEAREST: usize = 20;

/// How sharply a closer title outweighs a farther one. 0.02, 0.05 and 0.1
/// gave held-out Recall@10 within 0.0001 of each other in that study.
pub const TEMPERATURE: f32 = 0.05;

/// The cosine above which a training title's is computed exactly; below
/// it the int8 screen's estimate stands (`ScreenedMatrix::cosines_above`).
pub const SCREEN_FLOOR: f32 = 0.7;

/// What a title's nearest training titles say of one occupation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeighbourVote {
    /// The occupation (taxonomy index).
    pub occupation: u32,
    /// The share of the nearest titles' weight naming it, in (0, 1].
    pub share: f32,
    /// The best cosine of a nearest title naming it, at least 0.
    pub best: f32,
}

/// The cosine of `query` with every training title's vector: exact above
/// [`SCREEN_FLOOR`], an int8 estimate at most that below it.
pub fn cosines(neighbours: &ResolvedNeighbours, query: &Embedding) -> Array1<f32> {
    neighbours.vectors().cosines_above(query, SCREEN_FLOOR)
}

/// The occupations the nearest training titles name, in the order of their
/// first nearest title's row; `cosines` are a title's with them
/// ([`cosines`]).
pub fn nearest_titles(
    neighbours: &ResolvedNeighbours,
    cosines: &Array1<f32>,
) -> Vec<NeighbourVote> {
    let mut rows = nearest_rows(cosines, NEAREST);
    rows.sort_unstable();
    let mut votes: Vec<NeighbourVote> = Vec::with_capacity(rows.len());
    let mut total = 0.0f32;
    for row in rows {
        let cosine = cosines[row as usize];
        let weight = ((cosine - 1.0) / TEMPERATURE).exp();
        total += weight;
        let occupation = neighbours.occupation(row as usize);
        match votes.iter_mut().find(|v| v.occupation == occupation) {
            Some(vote) => {
                vote.share += weight;
                vote.best = vote.best.max(cosine);
            }
            None => votes.push(NeighbourVote {
                occupation,
                share: weight,
                best: cosine.max(0.0),
            }),
        }
    }
    if total > 0.0 {
        for vote in &mut votes {
            vote.share /= total;
        }
    }
    votes
}

/// Whether one of a title's `cosines` with the training titles
/// ([`cosines`]) is above `cosine`, at least [`SCREEN_FLOOR`] (where the
/// cosines are exact).
pub fn any_above(cosines: &Array1<f32>, cosine: f32) -> bool {
    debug_assert!(
        cosine >= SCREEN_FLOOR,
        "cosines at most the floor are estimates"
    );
    cosines.iter().any(|&c| c > cosine)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::TitleNeighbours;
    use base64::Engine as _;

    fn neighbours(titles: &[(u32, [i8; 2])]) -> ResolvedNeighbours {
        let mut lines = vec![
            "title-neighbours\t1\t2".to_owned(),
            "occupation\tu:0".to_owned(),
            "occupation\tu:1".to_owned(),
        ];
        for (occupation, v) in titles {
            let raw: Vec<u8> = v.iter().map(|&b| b as u8).collect();
            let bytes = base64::engine::general_purpose::STANDARD.encode(raw);
            lines.push(format!("title\t{occupation}\t0.01\t{bytes}"));
        }
        TitleNeighbours::parse(&lines.join("\n"))
            .unwrap()
            .resolve(|uri| uri.strip_prefix("u:")?.parse().ok())
    }

    #[test]
    fn the_closest_titles_occupation_takes_the_largest_share() {
        let titles = neighbours(&[(0, [100, 0]), (1, [70, 70]), (1, [0, 100])]);
        let query = Embedding::normalize(ndarray::arr1(&[1.0, 0.1])).unwrap();
        let votes = nearest_titles(&titles, &cosines(&titles, &query));
        assert_eq!(votes.len(), 2);
        let (first, second) = (votes[0], votes[1]);
        assert_eq!((first.occupation, second.occupation), (0, 1));
        assert!(first.share > 0.9 && (first.share + second.share - 1.0).abs() < 1e-6);
        assert!(first.best > 0.99 && second.best > 0.7 && second.best < 0.8);
    }

    #[test]
    fn a_title_is_near_the_training_titles_only_above_the_cosine() {
        let titles = neighbours(&[(0, [100, 0]), (1, [0, 100])]);
        let query = Embedding::normalize(ndarray::arr1(&[1.0, 0.2])).unwrap();
        // Its cosine with the first title is 1 / sqrt(1.04), about 0.981.
        let cosines = cosines(&titles, &query);
        assert!(any_above(&cosines, 0.9));
        assert!(!any_above(&cosines, 0.99));
    }

    #[test]
    fn a_title_opposite_every_neighbour_has_no_negative_best() {
        let titles = neighbours(&[(0, [100, 0])]);
        let query = Embedding::normalize(ndarray::arr1(&[-1.0, 0.0])).unwrap();
        let votes = nearest_titles(&titles, &cosines(&titles, &query));
        assert_eq!(votes.len(), 1);
        assert_eq!(votes[0].best, 0.0);
        assert!((votes[0].share - 1.0).abs() < 1e-6);
    }
}
