//! The shared library's SONAME, from the crate's version, by semver for 0.x: an incompatible
//! change of the C ABI bumps the minor version while the major is 0, so the SONAME carries
//! both (`libdcimanager.so.0.2` for 0.2.z); from 1.0 on, the major alone
//! (`libdcimanager.so.1`). A program built against one SONAME refuses to start with another
//! instead of crashing. `make build` links `target/release/libdcimanager.so.<abi>` to the
//! file cargo writes; `make install` installs the real file `libdcimanager.so.<version>`
//! with both links.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap();
    let abi = if major == "0" {
        format!("0.{minor}")
    } else {
        major
    };
    let soname = format!("libdcimanager.so.{abi}");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
    println!("cargo:rustc-env=DCI_SONAME={soname}");
    println!("cargo:rerun-if-changed=build.rs");
}
