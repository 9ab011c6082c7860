//! Any bytes as the files of an O*NET text release (split on NUL bytes, in
//! the order below) through the O*NET importer: it never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use skillmatch::taxonomy::onet::read_onet_dir;

const FILES: [&str; 6] = [
    "Occupation Data.txt",
    "Alternate Titles.txt",
    "Task Statements.txt",
    "Skills.txt",
    "Knowledge.txt",
    "Content Model Reference.txt",
];

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, part) in FILES.iter().zip(data.split(|byte| *byte == 0)) {
        std::fs::write(dir.path().join(name), part).expect("a written file");
    }
    let _ = read_onet_dir(dir.path(), &[]);
});
