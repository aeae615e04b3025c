//! Compiles `proto/kvstore.proto` (needs `protoc`, Debian package protobuf-compiler).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    tonic_build::configure()
        .file_descriptor_set_path(out.join("kvstore_descriptor.bin"))
        // Replicated payloads are shared between peer links without copying.
        .bytes([".kvstore.v1.Envelope.payload"])
        .compile_protos(&["proto/kvstore.proto"], &["proto"])?;
    println!("cargo:rerun-if-changed=proto/kvstore.proto");
    Ok(())
}
