//! `hosts.toml`: what `auth login` stores per platform — the session (or long-lived) token,
//! the e-mail, the password only with `--remember-password`, and the TLS settings to stay
//! verified (`--cacert`, `--pinnedpubkey`; `-k` only together with a pin).
//!
//! The file is the only place a secret is written. It lives in
//! `$XDG_CONFIG_HOME/dcimanager/` (default `~/.config/dcimanager/`), a directory made with
//! mode 0700; the file is written with mode 0600, atomically (a new file renamed over the
//! old one), and refused — as ssh refuses a private key — when another user could read it
//! or it belongs to someone else.

use std::collections::BTreeMap;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{ErrorKind as IoKind, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exit::Failure;

/// What is stored for one platform.
#[derive(Serialize, Deserialize, Default, Clone, PartialEq)]
pub struct Host {
    /// The e-mail logged in with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The token in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `"session"` (from a login) or `"long-lived"` (from `--token-stdin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_kind: Option<String>,
    /// The password, only with `auth login --remember-password`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A certificate to trust (absolute path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cacert: Option<PathBuf>,
    /// Pins of the server's public key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinnedpubkey: Option<String>,
    /// The server is trusted by its pin alone, without a CA (`auth login -k
    /// --pinnedpubkey`, curl's `-k --pinnedpubkey`): as ssh trusts a known host's key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pin_only: bool,
}

/// The whole file: one table per platform, keyed by its origin (`https://host[:port]`).
#[derive(Serialize, Deserialize, Default)]
pub struct Hosts {
    #[serde(default)]
    pub hosts: BTreeMap<String, Host>,
}

const HEADER: &str = "# dcimanager: sessions per platform, written by `dcimanager auth login`.\n\
                      # It holds secrets: keep it mode 0600.\n";

/// The directory of hosts.toml.
pub fn dir() -> Result<PathBuf, Failure> {
    if let Some(d) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("dcimanager"));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".config").join("dcimanager")),
        None => Err(Failure::Local(
            "neither XDG_CONFIG_HOME nor HOME is set: nowhere to keep hosts.toml".into(),
        )),
    }
}

/// The path of hosts.toml.
pub fn path() -> Result<PathBuf, Failure> {
    Ok(dir()?.join("hosts.toml"))
}

impl Hosts {
    /// Reads hosts.toml (empty when there is none), refusing one that others can read.
    pub fn load() -> Result<Hosts, Failure> {
        Self::load_from(&path()?)
    }

    pub fn load_from(path: &Path) -> Result<Hosts, Failure> {
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == IoKind::NotFound => return Ok(Hosts::default()),
            Err(e) => return Err(local(path, "cannot read", &e)),
        };
        check_private(path, &meta)?;
        let text = fs::read_to_string(path).map_err(|e| local(path, "cannot read", &e))?;
        // toml's message quotes the offending line, which may hold a token: say where only.
        toml::from_str(&text).map_err(|e| {
            let at = e
                .span()
                .map(|s| format!(" (at byte {})", s.start))
                .unwrap_or_default();
            Failure::Local(format!(
                "{} is not valid TOML{at}: fix or remove it, then log in again",
                path.display()
            ))
        })
    }

    /// Writes hosts.toml atomically with mode 0600, in a 0700 directory.
    pub fn save(&self) -> Result<(), Failure> {
        self.save_to(&path()?)
    }

    pub fn save_to(&self, path: &Path) -> Result<(), Failure> {
        let dir = path.parent().unwrap_or(Path::new("."));
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| local(dir, "cannot create", &e))?;
        let text = toml::to_string(self)
            .map_err(|e| Failure::Local(format!("cannot write hosts.toml: {e}")))?;
        let tmp = dir.join(format!(".hosts.toml.{}.tmp", std::process::id()));
        let _ = fs::remove_file(&tmp);
        let write = || -> std::io::Result<()> {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(HEADER.as_bytes())?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, path)?;
            // The rename itself, durable.
            fs::File::open(dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            local(path, "cannot write", &e)
        })
    }

    /// The origin to use: the one given, else the only one stored.
    pub fn choose(&self, given: Option<&str>) -> Result<String, Failure> {
        if let Some(url) = given {
            return origin(url);
        }
        let mut keys = self.hosts.keys();
        match (keys.next(), keys.next()) {
            (Some(one), None) => Ok(one.clone()),
            (None, _) => Err(Failure::Usage(
                "not logged in: run `dcimanager auth login --url https://your-platform`, or give --url".into(),
            )),
            (Some(_), Some(_)) => Err(Failure::Usage(format!(
                "several platforms are stored ({}): choose one with --url or DCI_URL",
                self.hosts.keys().cloned().collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

/// A URL's origin (`https://host[:port]`), the key of its table.
pub fn origin(url: &str) -> Result<String, Failure> {
    Ok(dcimanager::BaseUrl::parse(url)?.origin().to_string())
}

/// Refuses a file another user can read or write, or that another user owns.
fn check_private(path: &Path, meta: &fs::Metadata) -> Result<(), Failure> {
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Failure::Local(format!(
            "{} holds tokens and can be read by others (mode {mode:04o}): \
             run `chmod 600 {}` and check who read it",
            path.display(),
            path.display()
        )));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(Failure::Local(format!(
            "{} belongs to another user (uid {}): refusing to use its tokens",
            path.display(),
            meta.uid()
        )));
    }
    Ok(())
}

fn local(path: &Path, what: &str, e: &std::io::Error) -> Failure {
    Failure::Local(format!("{what} {}: {e}", path.display()))
}
