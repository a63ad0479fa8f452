//! Generates the C headers from the crate's `src/ffi` with a pinned cbindgen (see Cargo.toml),
//! so every machine produces the same bytes:
//! - `include/dcimanager.h` (C and C++, config `cbindgen.toml`);
//! - `bindings/php/include/dcimanager_php.h` (PHP's FFI parser, config `cbindgen-php.toml`).
//!
//! `gen-header` writes them; `gen-header --check` exits 1 when a checked-in header differs from
//! what the sources generate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// (cbindgen config, output) pairs, relative to the repository root.
const HEADERS: [(&str, &str); 2] = [
    ("cbindgen.toml", "include/dcimanager.h"),
    ("cbindgen-php.toml", "bindings/php/include/dcimanager_php.h"),
];

fn generate(root: &Path, config: &str) -> Result<Vec<u8>, String> {
    let mut config = cbindgen::Config::from_file(root.join(config)).map_err(|e| e.to_string())?;
    // cbindgen writes no string constants: the C header gets the SONAME here.
    if config.language == cbindgen::Language::C
        && config.include_guard.as_deref() == Some("DCIMANAGER_H")
    {
        config.after_includes = Some(format!(
            "\n/**\n * The SONAME of the library this header declares: the file a program built against\n \
             * it needs at run time (`0.<minor>` while the version is 0.x). An incompatible change\n \
             * of the C ABI changes it, so an old program refuses to start instead of crashing.\n \
             */\n#define DCI_SONAME \"{}\"",
            dcimanager::SONAME
        ));
    }
    // cbindgen follows the `mod` declarations of src/ffi/mod.rs into its submodules.
    let bindings = cbindgen::Builder::new()
        .with_src(root.join("src/ffi/mod.rs"))
        .with_config(config)
        .generate()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    bindings.write(&mut out);
    Ok(out)
}

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().expect("repository root");
    let mut stale = false;
    for (config, output) in HEADERS {
        let fresh = match generate(&root, config) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("gen-header: cbindgen failed for {config}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let target = root.join(output);
        let current = std::fs::read(&target).unwrap_or_default();
        if current == fresh {
            println!("gen-header: {output} is up to date");
        } else if check {
            eprintln!("gen-header: {output} differs from what src/ffi generates; run `make header` and commit it");
            stale = true;
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).expect("header directory");
            std::fs::write(&target, &fresh).expect("write header");
            println!("gen-header: wrote {output}");
        }
    }
    if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
