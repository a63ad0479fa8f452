//! Generates the C header `include/dcimanager.h` from the crate's `src/ffi` with a pinned
//! cbindgen (see Cargo.toml), so every machine produces the same bytes.
//!
//! `gen-header` writes the header; `gen-header --check` exits 1 when the checked-in header
//! differs from what the sources generate.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().expect("repository root");
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = match cbindgen::Builder::new()
        .with_src(root.join("src/ffi/mod.rs"))
        .with_config(config)
        .generate()
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("gen-header: cbindgen failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let target = root.join("include/dcimanager.h");
    let current = std::fs::read(&target).unwrap_or_default();
    if check {
        if current == fresh {
            println!("gen-header: include/dcimanager.h is up to date");
            ExitCode::SUCCESS
        } else {
            eprintln!(
                "gen-header: include/dcimanager.h differs from what src/ffi generates; run `make header` and commit it"
            );
            ExitCode::FAILURE
        }
    } else {
        std::fs::create_dir_all(target.parent().unwrap()).expect("include/");
        if current != fresh {
            std::fs::write(&target, &fresh).expect("write include/dcimanager.h");
        }
        println!("gen-header: wrote include/dcimanager.h");
        ExitCode::SUCCESS
    }
}
