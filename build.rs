//! Compiles `proto/skillmatch/v1/*.proto` with protox (no `protoc` needed),
//! generates the tonic services, and writes the descriptor set for reflection.

use std::path::PathBuf;

use anyhow::Context;
use prost::Message;

fn main() -> anyhow::Result<()> {
    let proto_dir = PathBuf::from("proto");
    let package_dir = proto_dir.join("skillmatch").join("v1");
    println!("cargo:rerun-if-changed={}", package_dir.display());

    let mut files = Vec::new();
    for entry in std::fs::read_dir(&package_dir).context("reading proto/skillmatch/v1")? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "proto") {
            println!("cargo:rerun-if-changed={}", path.display());
            files.push(path);
        }
    }
    files.sort();

    let descriptors = protox::compile(&files, [&proto_dir]).context("compiling protos")?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").context("OUT_DIR not set")?);
    std::fs::write(
        out_dir.join("skillmatch_descriptor.bin"),
        descriptors.encode_to_vec(),
    )
    .context("writing descriptor set")?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)
        .context("generating Rust code from protos")?;
    Ok(())
}
