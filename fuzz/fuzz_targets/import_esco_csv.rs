//! Any bytes as the files of an ESCO CSV release (split on NUL bytes, in the
//! order below) through the ESCO importer: it never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use skillmatch::taxonomy::esco::read_esco_dir;

const FILES: [&str; 5] = [
    "skills_en.csv",
    "occupations_en.csv",
    "occupationSkillRelations.csv",
    "broaderRelationsSkillPillar.csv",
    "skillSkillRelations.csv",
];

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, part) in FILES.iter().zip(data.split(|byte| *byte == 0)) {
        std::fs::write(dir.path().join(name), part).expect("a written file");
    }
    let _ = read_esco_dir(dir.path());
});
