//! Real postings for the benches: the hahu dev postings of ../shared/data.

use std::path::Path;

use skillmatch::domain::JobPosting;

/// Every posting of `hahu-jobs-esco/hahu_dev.csv` under `data`, title and
/// description.
pub fn hahu_postings(data: &Path) -> Vec<JobPosting> {
    let mut reader =
        csv::Reader::from_path(data.join("hahu-jobs-esco/hahu_dev.csv")).expect("hahu_dev.csv");
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let (title, description) = (column("title"), column("description"));
    reader
        .records()
        .filter_map(Result::ok)
        .map(|record| JobPosting {
            title: record[title].to_owned(),
            description: record[description].to_owned(),
            ..JobPosting::default()
        })
        .collect()
}
