//! What the command-line tests share: a user's home (its own hosts.toml) in which the real
//! `dcimanager` binary runs, and what a run printed.
#![allow(dead_code)]

#[path = "../../../tests/common/mod.rs"]
pub mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::Emulator;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_dcimanager");

/// A user's home: its own config directory; no proxy, trust store or DCI_* variable from
/// the test's environment.
pub struct Home {
    pub dir: PathBuf,
    pub url: String,
    pub ca: Option<PathBuf>,
}

pub struct Run {
    pub code: i32,
    pub out: String,
    pub err: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.out).unwrap_or_else(|e| panic!("{e}: {:?}", self.out))
    }
}

impl Home {
    /// A home for the emulator's platform (its CA given at login, for TLS).
    pub fn new(emu: &Emulator) -> Home {
        Home::at(&emu.url, emu.ca.clone())
    }

    /// A home for the platform at `url`.
    pub fn at(url: &str, ca: Option<PathBuf>) -> Home {
        let dir = std::env::temp_dir().join(format!(
            "dci-cli-{}-{}",
            std::process::id(),
            common_counter()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Home {
            dir,
            url: url.to_string(),
            ca,
        }
    }

    pub fn hosts(&self) -> PathBuf {
        self.dir.join("config/dcimanager/hosts.toml")
    }

    pub fn hosts_text(&self) -> String {
        std::fs::read_to_string(self.hosts()).unwrap_or_default()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("HOME", &self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for v in [
            "DCI_URL",
            "DCI_EMAIL",
            "DCI_PASSWORD",
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "no_proxy",
            "NO_PROXY",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
        ] {
            c.env_remove(v);
        }
        c
    }

    /// Runs the binary with `stdin` as its standard input and `env` added.
    pub fn run_env(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
        let mut child = self
            .command(args)
            .envs(env.iter().copied())
            .spawn()
            .expect("run dcimanager");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        finish(child.wait_with_output().unwrap())
    }

    /// Runs the binary with `stdin` as its standard input.
    pub fn run_in(&self, args: &[&str], stdin: &str) -> Run {
        self.run_env(args, stdin, &[])
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_in(args, "")
    }

    /// Runs and expects success.
    pub fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.err);
        r
    }

    /// `auth login` to this home's platform with `password` on standard input and `extra`
    /// flags (nothing added: no CA), whatever comes of it.
    pub fn try_login(&self, email: &str, password: &str, extra: &[&str]) -> Run {
        let mut args = vec![
            "auth",
            "login",
            "--url",
            &self.url,
            "--email",
            email,
            "--password-stdin",
        ];
        args.extend(extra);
        self.run_in(&args, &format!("{password}\n"))
    }

    /// Logs in as admin (with the emulator's CA for TLS), plus `extra` flags.
    pub fn login(&self, extra: &[&str]) -> Run {
        let ca = self.ca.as_ref().map(|p| p.to_str().unwrap().to_string());
        let mut args: Vec<&str> = ca.iter().flat_map(|c| ["--cacert", c.as_str()]).collect();
        args.extend(extra);
        let r = self.try_login("admin@example.com", "secret", &args);
        assert_eq!(r.code, 0, "login: {}", r.err);
        r
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn common_counter() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

pub fn finish(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8(o.stdout).unwrap(),
        err: String::from_utf8(o.stderr).unwrap(),
    }
}
