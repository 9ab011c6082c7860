//! Compiles `proto/skillmatch/v1/*.proto` with protox (no `protoc` needed),
//! generates the tonic services, the proto3 JSON mapping (pbjson), the HTTP
//! route table and the OpenAPI document, and writes the descriptor set for
//! reflection.

#[path = "build/openapi.rs"]
mod openapi;
#[path = "build/routes.rs"]
mod routes;

use std::path::PathBuf;

use anyhow::Context;
use prost::Message;

/// The protobuf package every generated artefact covers.
const PACKAGE: &str = "skillmatch.v1";

fn main() -> anyhow::Result<()> {
    let proto_dir = PathBuf::from("proto");
    let package_dir = proto_dir.join("skillmatch").join("v1");
    println!("cargo:rerun-if-changed={}", package_dir.display());
    println!("cargo:rerun-if-changed=build");

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
    let encoded = descriptors.encode_to_vec();
    std::fs::write(out_dir.join("skillmatch_descriptor.bin"), &encoded)
        .context("writing descriptor set")?;

    pbjson_build::Builder::new()
        .register_descriptors(&encoded)
        .context("reading the descriptor set for pbjson")?
        .out_dir(&out_dir)
        .build(&[format!(".{PACKAGE}")])
        .context("generating the proto3 JSON mapping")?;

    std::fs::write(
        out_dir.join("http_routes.rs"),
        routes::route_table(&descriptors, PACKAGE),
    )
    .context("writing the HTTP route table")?;

    let document = openapi::document(&descriptors, PACKAGE)?;
    std::fs::write(out_dir.join("openapi.json"), document).context("writing openapi.json")?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)
        .context("generating Rust code from protos")?;
    Ok(())
}
