//! The real binary on real networks (scripts/net-fixture.sh): the self-signed certificate
//! `openssl req -x509` makes, as the platform installs with; a company CA in the system's
//! trust store; tinyproxy with Basic credentials and microsocks as proxies.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dcimanager");

struct Fixture {
    dir: PathBuf,
    env: HashMap<String, String>,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/net-fixture.sh")
}

impl Fixture {
    fn start() -> Fixture {
        let dir = std::env::temp_dir().join(format!("dci-cli-net-{}", std::process::id()));
        let out = Command::new(script())
            .arg("start")
            .arg(&dir)
            .env("DCIMANAGER_EMULATOR", common::emulator_bin())
            .output()
            .expect("run scripts/net-fixture.sh");
        assert!(
            out.status.success(),
            "net-fixture: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = std::fs::read_to_string(dir.join("env"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Fixture { dir, env }
    }

    fn v(&self, name: &str) -> &str {
        &self.env[name]
    }

    /// Runs the binary in its own home with `stdin`, plus `env`.
    fn run(
        &self,
        home: &Path,
        args: &[&str],
        stdin: &str,
        env: &[(&str, &str)],
    ) -> (i32, String, String) {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("XDG_CONFIG_HOME", home)
            .env_remove("DCI_URL")
            .env_remove("DCI_PASSWORD")
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for p in [
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "no_proxy",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
        ] {
            c.env_remove(p);
        }
        c.envs(env.iter().copied());
        let mut child = c.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(o.stderr).unwrap(),
        )
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(&self.dir).status();
    }
}

#[test]
fn self_signed_platform_behind_real_proxies_and_a_company_ca_in_the_store() {
    let f = Fixture::start();
    let url = f.v("DCI_NET_URL").to_string();
    let home = f.dir.join("home");

    // `pin` prints the pin openssl's recipe gives for the self-signed certificate.
    let (code, out, err) = f.run(&home, &["pin", &url], "", &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().next(), Some(f.v("DCI_NET_PIN")));
    assert!(out.contains("verified:  no"), "{out}");
    assert!(out.contains("ca:        yes"), "{out}");

    // Log in through tinyproxy with Basic credentials, trusting the certificate as the CA.
    let proxy = f.v("DCI_NET_AUTH_PROXY").to_string();
    let (code, out, err) = f.run(
        &home,
        &[
            "auth",
            "login",
            "--url",
            &url,
            "--email",
            "admin@example.com",
            "--password-stdin",
            "--cacert",
            f.v("DCI_NET_CERT"),
            "-x",
            &proxy,
        ],
        "secret\n",
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("proxy-pass") && !err.contains("proxy-pass"));
    let log = std::fs::read_to_string(f.v("DCI_NET_AUTH_PROXY_LOG")).unwrap();
    assert!(log.contains("CONNECT"), "tinyproxy saw no tunnel: {log}");

    // The certificate is remembered: a call through microsocks stays verified without flags.
    let (code, out, err) = f.run(
        &home,
        &[
            "api",
            "dci/v3/server/4",
            "-x",
            f.v("DCI_NET_SOCKS_PROXY"),
            "--jq",
            ".id",
        ],
        "",
        &[],
    );
    assert_eq!((code, out.as_str()), (0, "4\n"), "{err}");
    let socks = std::fs::read_to_string(f.v("DCI_NET_SOCKS_PROXY_LOG")).unwrap();
    assert!(socks.contains("client"), "microsocks saw nothing: {socks}");
    // The proxy from the environment, as curl and requests read it.
    let (code, _, err) = f.run(
        &home,
        &["api", "auth/v4/whoami"],
        "",
        &[("https_proxy", f.v("DCI_NET_HTTP_PROXY"))],
    );
    assert_eq!(code, 0, "{err}");
    // Without credentials tinyproxy refuses (407): a connect failure, not retried.
    let (code, _, err) = f.run(
        &home,
        &[
            "api",
            "auth/v4/whoami",
            "-x",
            f.v("DCI_NET_AUTH_PROXY_BARE"),
        ],
        "",
        &[],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("407"), "{err}");

    // The other key's pin: refused.
    let (code, _, err) = f.run(
        &home,
        &[
            "api",
            "auth/v4/whoami",
            "--pinnedpubkey",
            f.v("DCI_NET_OTHER_PIN"),
        ],
        "",
        &[],
    );
    assert_eq!(code, 8, "{err}");

    // A company CA in the system's store (SSL_CERT_FILE): verified with no flag at all.
    let leaf = f.v("DCI_NET_LEAF_URL").to_string();
    let ca = format!("{}/ca.pem", f.v("DCI_NET_CERTS"));
    let store = [("SSL_CERT_FILE", ca.as_str())];
    let (code, out, err) = f.run(&home, &["pin", &leaf], "", &store);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("verified:  yes"), "{out}");
    let other = f.dir.join("home2");
    let (code, _, err) = f.run(
        &other,
        &[
            "auth",
            "login",
            "--url",
            &leaf,
            "--email",
            "admin@example.com",
            "--password-stdin",
        ],
        "secret\n",
        &store,
    );
    assert_eq!(code, 0, "{err}");
    // Without the store's CA the same call is refused.
    let (code, _, err) = f.run(&other, &["api", "auth/v4/whoami"], "", &[]);
    assert_eq!(code, 8, "{err}");
}
