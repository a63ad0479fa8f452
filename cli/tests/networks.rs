//! The real binary on real networks (scripts/net-fixture.sh): the self-signed certificate
//! `openssl req -x509` makes, as the platform installs with; a company CA in the system's
//! trust store; tinyproxy with Basic credentials and microsocks as proxies.

mod support;

use std::collections::HashMap;
use std::path::PathBuf;

use support::{common, Home};

/// The fixture, stopped when the test ends.
struct Fixture {
    dir: PathBuf,
    env: HashMap<String, String>,
}

impl Fixture {
    fn start() -> Fixture {
        let dir = std::env::temp_dir().join(format!("dci-cli-net-{}", std::process::id()));
        let env = common::net_fixture_start(&dir);
        Fixture { dir, env }
    }

    fn v(&self, name: &str) -> &str {
        &self.env[name]
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        common::net_fixture_stop(&self.dir);
    }
}

#[test]
fn self_signed_platform_behind_real_proxies_and_a_company_ca_in_the_store() {
    let f = Fixture::start();
    let url = f.v("DCI_NET_URL").to_string();
    let home = Home::at(&url, None);

    // `pin` prints the pin openssl's recipe gives for the self-signed certificate.
    let r = home.run(&["pin", &url]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(r.out.lines().next(), Some(f.v("DCI_NET_PIN")));
    assert!(r.out.contains("verified:  no"), "{}", r.out);
    assert!(r.out.contains("ca:        yes"), "{}", r.out);

    // Log in through tinyproxy with Basic credentials, trusting the certificate as the CA.
    let proxy = f.v("DCI_NET_AUTH_PROXY").to_string();
    let r = home.try_login(
        "admin@example.com",
        "secret",
        &["--cacert", f.v("DCI_NET_CERT"), "-x", &proxy],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(!r.out.contains("proxy-pass") && !r.err.contains("proxy-pass"));
    let log = std::fs::read_to_string(f.v("DCI_NET_AUTH_PROXY_LOG")).unwrap();
    assert!(log.contains("CONNECT"), "tinyproxy saw no tunnel: {log}");

    // The certificate is remembered: a call through microsocks stays verified without flags.
    let r = home.run(&[
        "api",
        "dci/v3/server/4",
        "-x",
        f.v("DCI_NET_SOCKS_PROXY"),
        "--jq",
        ".id",
    ]);
    assert_eq!((r.code, r.out.as_str()), (0, "4\n"), "{}", r.err);
    let socks = std::fs::read_to_string(f.v("DCI_NET_SOCKS_PROXY_LOG")).unwrap();
    assert!(socks.contains("client"), "microsocks saw nothing: {socks}");
    // The proxy from the environment, as curl and requests read it.
    let r = home.run_env(
        &["api", "auth/v4/whoami"],
        "",
        &[("https_proxy", f.v("DCI_NET_HTTP_PROXY"))],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    // Without credentials tinyproxy refuses (407): a connect failure, not retried.
    let r = home.run(&[
        "api",
        "auth/v4/whoami",
        "-x",
        f.v("DCI_NET_AUTH_PROXY_BARE"),
    ]);
    assert_eq!(r.code, 3, "{}", r.err);
    assert!(r.err.contains("407"), "{}", r.err);

    // The other key's pin: refused.
    let r = home.run(&[
        "api",
        "auth/v4/whoami",
        "--pinnedpubkey",
        f.v("DCI_NET_OTHER_PIN"),
    ]);
    assert_eq!(r.code, 8, "{}", r.err);

    // A company CA in the system's store (SSL_CERT_FILE): verified with no flag at all.
    let leaf = f.v("DCI_NET_LEAF_URL").to_string();
    let ca = format!("{}/ca.pem", f.v("DCI_NET_CERTS"));
    let store = [("SSL_CERT_FILE", ca.as_str())];
    let r = home.run_env(&["pin", &leaf], "", &store);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains("verified:  yes"), "{}", r.out);
    let other = Home::at(&leaf, None);
    let r = other.run_env(
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
    assert_eq!(r.code, 0, "{}", r.err);
    // Without the store's CA the same call is refused.
    let r = other.run(&["api", "auth/v4/whoami"]);
    assert_eq!(r.code, 8, "{}", r.err);
}
