//! Real networks, with real parts: certificates made by the openssl command line as users
//! make them (scripts/make-test-certs.sh), tinyproxy and microsocks as proxies
//! (scripts/net-fixture.sh), the system trust store through `SSL_CERT_FILE`/`SSL_CERT_DIR`,
//! several addresses for one host.
//!
//! What depends on the process's environment (the trust store, read once per process; the
//! proxy variables) runs in a child process: this test binary again, one `child_*` test
//! selected with `--exact`, marked by `DCI_NET_CHILD`.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::Emulator;
use dcimanager::{Client, ErrorKind, Phase, RetryPolicy};
use serde_json::json;

/// The shared fixture (started once per test process, stopped at exit).
fn net() -> &'static HashMap<String, String> {
    static NET: OnceLock<HashMap<String, String>> = OnceLock::new();
    NET.get_or_init(|| {
        extern "C" fn stop() {
            common::net_fixture_stop(&fixture_dir());
        }
        let facts = common::net_fixture_start(&fixture_dir());
        // SAFETY: registers a plain function to run at exit.
        unsafe { libc_atexit(stop) };
        facts
    })
}

fn fixture_dir() -> PathBuf {
    std::env::temp_dir().join(format!("dci-net-{}", std::process::id()))
}

extern "C" {
    #[link_name = "atexit"]
    fn libc_atexit(f: extern "C" fn()) -> i32;
}

fn v(name: &str) -> &'static str {
    net()
        .get(name)
        .unwrap_or_else(|| panic!("{name} not in the fixture"))
}

fn cert(name: &str) -> PathBuf {
    Path::new(v("DCI_NET_CERTS")).join(name)
}

fn pin_of(name: &str) -> String {
    std::fs::read_to_string(cert(&format!("{name}.pin")))
        .unwrap()
        .trim()
        .to_string()
}

/// A client for a URL, no proxy, no retries unless asked.
fn builder(url: &str) -> dcimanager::ClientBuilder {
    Client::builder(url)
        .proxy(Some(""))
        .retry(RetryPolicy::none())
        .timeout(Some(Duration::from_secs(10)))
}

fn log_in(c: &Client) {
    let info = c.login("admin@example.com", "secret").expect("login");
    assert_eq!(info.id, "3");
    assert_eq!(
        c.get("auth/v4/whoami").unwrap()["email"],
        "admin@example.com"
    );
}

/// An emulator serving one of the certificates of make-test-certs.sh.
fn serving(name: &str) -> Emulator {
    net(); // the certificates
    let (c, k) = (cert(&format!("{name}.pem")), cert(&format!("{name}.key")));
    Emulator::start_with(&[
        "--tls",
        "--cert",
        c.to_str().unwrap(),
        "--key",
        k.to_str().unwrap(),
    ])
}

/// The TLS error a client built by `b` gets for a request: the words must say `words`.
fn refused(b: dcimanager::ClientBuilder, words: &str) -> dcimanager::Error {
    let e = b.build().unwrap().get("auth/v4/whoami").unwrap_err();
    assert_eq!(
        (e.kind(), e.phase()),
        (ErrorKind::Tls, Some(Phase::Tls)),
        "{e}"
    );
    assert!(e.message().contains(words), "{e}");
    assert!(!e.request_sent());
    e
}

fn port_of(url: &str) -> &str {
    url.rsplit(':').next().unwrap()
}

// ---- the platform's self-signed certificate -------------------------------------------

#[test]
fn self_signed_certificate_given_as_the_ca_verifies() {
    for url in [v("DCI_NET_URL"), v("DCI_NET_HOST_URL")] {
        let c = builder(url).ca_file(v("DCI_NET_CERT")).build().unwrap();
        log_in(&c);
        assert!(c.is_secure());
    }
    // As PEM bytes too.
    let pem = std::fs::read(v("DCI_NET_CERT")).unwrap();
    let c = builder(v("DCI_NET_URL")).ca_pem(&pem).build().unwrap();
    log_in(&c);
}

#[test]
fn self_signed_certificate_not_given_is_refused_in_words_with_its_pin() {
    let c = builder(v("DCI_NET_URL")).build().unwrap();
    let e = c.login("admin@example.com", "secret").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls);
    assert_eq!(e.phase(), Some(Phase::Tls));
    assert!(!e.request_sent());
    assert_eq!(e.tls_pin(), Some(v("DCI_NET_PIN")));
    let text = e.to_string();
    assert!(text.contains("127.0.0.1"), "{text}");
    assert!(
        text.contains("CA certificate (CA:TRUE) used as the server's own"),
        "{text}"
    );
    assert!(text.contains(v("DCI_NET_PIN")), "{text}");
    assert!(!text.contains("OtherError"), "{text}");
}

#[test]
fn host_name_and_dates_of_a_given_certificate_are_still_checked() {
    // The self-signed certificate names localhost, 127.0.0.1 and ::1, not 127.0.0.2.
    let emu = serving("selfsigned");
    let url = format!("https://127.0.0.2:{}", port_of(&emu.url));
    let at = format!("127.0.0.1:{}", port_of(&emu.url)).parse().unwrap();
    refused(
        builder(&url).ca_file(v("DCI_NET_CERT")).resolve_to(&[at]),
        "not valid for this name (it is for localhost, 127.0.0.1, ::1)",
    );
}

#[test]
fn certificate_with_the_name_only_in_its_cn() {
    let emu = serving("cnonly");
    let by_name = format!("https://localhost:{}", port_of(&emu.url));
    let c = builder(&by_name)
        .ca_file(cert("cnonly.pem"))
        .build()
        .unwrap();
    log_in(&c);
    refused(
        builder(&emu.url).ca_file(cert("cnonly.pem")),
        "it is for localhost",
    );
}

// ---- certificates of a company CA -------------------------------------------------------

#[test]
fn leaf_of_a_given_ca_verifies_and_of_an_unknown_one_is_refused() {
    let emu = serving("leaf");
    log_in(&builder(&emu.url).ca_file(cert("ca.pem")).build().unwrap());
    let e = refused(builder(&emu.url), "not signed by a trusted CA");
    assert!(e.message().contains("dcimanager test company CA"), "{e}");
    assert_eq!(e.tls_pin(), Some(pin_of("leaf").as_str()));
}

#[test]
fn expired_certificate_says_when() {
    let emu = serving("expired");
    let e = refused(
        builder(&emu.url).ca_file(cert("ca.pem")),
        "it expired on 2021-01-01 00:00:00 UTC",
    );
    assert_eq!(e.tls_pin(), Some(pin_of("expired").as_str()));
}

#[test]
fn certificate_for_another_name_says_which() {
    let emu = serving("wrongname");
    refused(
        builder(&emu.url).ca_file(cert("ca.pem")),
        "not valid for this name (it is for other.example)",
    );
}

// ---- the system's trust store ---------------------------------------------------------

/// Runs one `child_*` test of this binary with an environment of its own (the machine's
/// CA variables cleared first).
fn child(test: &str, env: &[(&str, &str)]) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"]);
    for var in [
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "https_proxy",
        "HTTPS_PROXY",
        "http_proxy",
        "HTTP_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        cmd.env_remove(var);
    }
    for (k, val) in net() {
        cmd.env(k, val);
    }
    cmd.env("DCI_NET_CHILD", test);
    for (k, val) in env {
        cmd.env(k, val);
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("1 passed"),
        "{test}: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// In a child: the fixture's values come from the environment.
fn in_child(test: &str) -> Option<HashMap<String, String>> {
    (std::env::var("DCI_NET_CHILD").ok()? == test).then(|| {
        std::env::vars()
            .filter(|(k, _)| k.starts_with("DCI_"))
            .collect()
    })
}

#[test]
fn company_ca_in_ssl_cert_file_or_dir_is_trusted() {
    let emu = serving("leaf");
    let ca = cert("ca.pem");
    let dir = cert("certdir");
    child(
        "child_trust_store",
        &[
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
            ("CHILD_URL", &emu.url),
            ("EXPECT", "ok"),
        ],
    );
    child(
        "child_trust_store",
        &[
            ("SSL_CERT_DIR", dir.to_str().unwrap()),
            ("CHILD_URL", &emu.url),
            ("EXPECT", "ok"),
        ],
    );
    // Only SSL_CERT_FILE's roots: the company CA is not among Debian's.
    let other = cert("selfsigned.pem");
    child(
        "child_trust_store",
        &[
            ("SSL_CERT_FILE", other.to_str().unwrap()),
            ("CHILD_URL", &emu.url),
            ("EXPECT", "refused"),
        ],
    );
}

#[test]
fn the_store_is_read_when_first_needed_not_at_client_creation() {
    let dir = std::env::temp_dir().join(format!("dci-lazy-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("store.pem");
    let _ = std::fs::remove_file(&file);
    child(
        "child_lazy_store",
        &[
            ("SSL_CERT_FILE", file.to_str().unwrap()),
            ("CHILD_CA", cert("ca.pem").to_str().unwrap()),
            ("CHILD_URL", v("DCI_NET_LEAF_URL")),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn child_lazy_store() {
    let Some(_) = in_child("child_lazy_store") else {
        return;
    };
    // The store's only file does not exist yet when the client is made...
    let file = std::env::var("SSL_CERT_FILE").unwrap();
    assert!(!Path::new(&file).exists());
    let c = builder(&std::env::var("CHILD_URL").unwrap())
        .build()
        .unwrap();
    // ...and does when the first certificate is checked: it is read then.
    std::fs::copy(std::env::var("CHILD_CA").unwrap(), &file).unwrap();
    log_in(&c);
    assert_eq!(dcimanager::tls::trust_store().certificates, 1);
}

#[test]
fn child_trust_store() {
    let Some(_) = in_child("child_trust_store") else {
        return;
    };
    let url = std::env::var("CHILD_URL").unwrap();
    let expect = std::env::var("EXPECT").unwrap();
    // The store is read when the first certificate is checked, not at build.
    let c = builder(&url).build().unwrap();
    let store = dcimanager::tls::trust_store();
    assert_eq!(store.source, dcimanager::tls::TrustStoreSource::System);
    assert!(
        store.description.contains("SSL_CERT_"),
        "{}",
        store.description
    );
    match (expect.as_str(), c.login("admin@example.com", "secret")) {
        ("ok", Ok(_)) => {}
        ("refused", Err(e)) => {
            assert_eq!(e.kind(), ErrorKind::Tls);
            assert!(e.message().contains("not signed by a trusted CA"), "{e}");
        }
        (want, got) => panic!("expected {want}, got {got:?}"),
    }
}

// ---- pins -----------------------------------------------------------------------------

#[test]
fn pins_as_curl_checks_them() {
    let url = v("DCI_NET_URL");
    let (right, wrong) = (v("DCI_NET_PIN"), v("DCI_NET_OTHER_PIN"));
    // Verification on: the certificate must verify and match.
    let c = builder(url)
        .ca_file(v("DCI_NET_CERT"))
        .pinned_pubkey(right)
        .build()
        .unwrap();
    log_in(&c);
    let both = format!("{wrong};{right}");
    log_in(
        &builder(url)
            .ca_file(v("DCI_NET_CERT"))
            .pinned_pubkey(&both)
            .build()
            .unwrap(),
    );
    let e = refused(
        builder(url).ca_file(v("DCI_NET_CERT")).pinned_pubkey(wrong),
        "matches none of the pinned keys",
    );
    assert_eq!(e.tls_pin(), Some(right));
    // A right pin does not stand in for verification when it is on.
    refused(builder(url).pinned_pubkey(right), "CA:TRUE");
    // Verification off: the pin alone decides; a wrong pin always fails.
    let c = builder(url)
        .danger_accept_invalid_certs(true)
        .pinned_pubkey(right)
        .build()
        .unwrap();
    assert!(c.is_secure());
    log_in(&c);
    refused(
        builder(url)
            .danger_accept_invalid_certs(true)
            .pinned_pubkey(wrong),
        "matches none of the pinned keys",
    );
    // Set and removed on a live client.
    let c = builder(url)
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    assert!(!c.is_secure());
    c.set_pinned_pubkey(Some(wrong)).unwrap();
    assert!(c.get("auth/v4/whoami").is_err());
    c.set_pinned_pubkey(None).unwrap();
    assert!(c.get("auth/v4/whoami").unwrap_err().kind() == ErrorKind::Unauthorized);
    let e = Client::builder(url)
        .pinned_pubkey("sha1//abc")
        .build()
        .unwrap_err();
    assert_eq!(e.argument(), Some("pinned_pubkey"));
}

#[test]
fn server_pin_learns_the_key_without_a_request() {
    let emu = serving("selfsigned");
    emu.clear_log();
    let pin = dcimanager::server_pin(&emu.url).unwrap();
    assert_eq!(pin, v("DCI_NET_PIN"), "the pin openssl's recipe gives");
    assert!(emu.requests().is_empty(), "no HTTP request was sent");
    let seen = dcimanager::peer_certificate(
        &emu.url,
        &dcimanager::ProxySettings::from_env(),
        Some(Duration::from_secs(5)),
    )
    .unwrap();
    assert_eq!(seen.subject, "CN=localhost");
    assert!(seen.is_ca);
    assert_eq!(seen.names, ["localhost", "127.0.0.1", "::1"]);
    assert!(seen.verified.is_err());
    // Pinned with what was learned: verified through the pin alone.
    log_in(
        &builder(&emu.url)
            .danger_accept_invalid_certs(true)
            .pinned_pubkey(&pin)
            .build()
            .unwrap(),
    );
    // Not https, nothing listening.
    assert_eq!(
        dcimanager::server_pin("http://127.0.0.1:1")
            .unwrap_err()
            .argument(),
        Some("url")
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let e = dcimanager::server_pin(&format!("https://{closed}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect);
}

// ---- proxies --------------------------------------------------------------------------

fn proxy_log(name: &str) -> String {
    std::fs::read_to_string(v(name)).unwrap_or_default()
}

#[test]
fn through_an_http_proxy_with_credentials() {
    let emu = serving("selfsigned");
    let c = builder(&emu.url)
        .ca_file(v("DCI_NET_CERT"))
        .proxy(Some(v("DCI_NET_AUTH_PROXY")))
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    assert_eq!(c.proxy().as_deref(), Some(v("DCI_NET_AUTH_PROXY_BARE")));
    assert!(!format!("{c:?}").contains("proxy-pass"));
    log_in(&c);
    // Retries and re-login run through the tunnel as well.
    emu.fault(json!({"kind": "503", "count": 3}));
    c.get("auth/v4/whoami").unwrap();
    emu.expire_tokens();
    c.get("auth/v4/whoami").unwrap();
    assert_eq!(c.relogin_count(), 1);
    let log = proxy_log("DCI_NET_AUTH_PROXY_LOG");
    let target = format!("CONNECT 127.0.0.1:{} HTTP/1.1", port_of(&emu.url));
    assert!(log.contains(&target), "the proxy's log: {log}");
    // The token travels inside TLS only: the proxy never saw it.
    let token = c.token().unwrap();
    assert!(!log.contains(token.expose()));
}

#[test]
fn proxy_failures_are_their_own_clear_errors() {
    let emu = serving("selfsigned");
    let attempt = |proxy: &str| {
        builder(&emu.url)
            .ca_file(v("DCI_NET_CERT"))
            .proxy(Some(proxy))
            .retry(RetryPolicy::default())
            .build()
            .unwrap()
            .get("auth/v4/whoami")
            .unwrap_err()
    };
    let bare = v("DCI_NET_AUTH_PROXY_BARE");
    let e = attempt(bare);
    assert_eq!(
        (e.kind(), e.phase()),
        (ErrorKind::Connect, Some(Phase::Connect))
    );
    assert!(
        e.message().contains(bare) && e.message().contains("requires credentials"),
        "{e}"
    );
    assert_eq!(e.attempts(), 1, "a 407 is not retried");
    let wrong = bare.replace("http://", "http://dci:not-the-password@");
    let e = attempt(&wrong);
    assert!(e.message().contains("refused the credentials"), "{e}");
    assert!(!e.to_string().contains("not-the-password"), "{e}");
    let socks = v("DCI_NET_SOCKS_PROXY").replace("socks-pass", "nope-pass");
    let e = attempt(&socks);
    assert_eq!(e.kind(), ErrorKind::Connect);
    assert!(e.message().contains("refused the credentials"), "{e}");
    assert!(!e.to_string().contains("nope-pass"), "{e}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let t0 = Instant::now();
    let e = builder(&emu.url)
        .proxy(Some(&format!("http://u:hidden@{closed}")))
        .build()
        .unwrap()
        .get("auth/v4/whoami")
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.phase()),
        (ErrorKind::Connect, Some(Phase::Connect))
    );
    assert!(
        e.message()
            .contains(&format!("could not connect to the proxy http://{closed}")),
        "{e}"
    );
    assert!(!e.to_string().contains("hidden"));
    assert!(t0.elapsed() < Duration::from_secs(5));
    // NO_PROXY: the dead proxy is skipped for the emulator's address.
    let c = builder(&emu.url)
        .ca_file(v("DCI_NET_CERT"))
        .proxy(Some(&format!("http://{closed}")))
        .no_proxy(Some("localhost, 127.0.0.0/8"))
        .build()
        .unwrap();
    assert_eq!(c.proxy(), None);
    log_in(&c);
}

#[test]
fn through_a_socks5_proxy_resolving_the_name() {
    let emu = serving("selfsigned");
    let by_name = format!("https://localhost:{}", port_of(&emu.url));
    let c = builder(&by_name)
        .ca_file(v("DCI_NET_CERT"))
        .proxy(Some(v("DCI_NET_SOCKS_PROXY")))
        .build()
        .unwrap();
    log_in(&c);
    let log = proxy_log("DCI_NET_SOCKS_PROXY_LOG");
    assert!(
        log.contains(&format!("connected to localhost:{}", port_of(&emu.url))),
        "the proxy's log: {log}"
    );
    let local = v("DCI_NET_SOCKS_PROXY").replace("socks5h://", "socks5://");
    log_in(
        &builder(&by_name)
            .ca_file(v("DCI_NET_CERT"))
            .proxy(Some(&local))
            .build()
            .unwrap(),
    );
}

#[test]
fn proxies_from_the_environment() {
    let emu = serving("selfsigned");
    let log = v("DCI_NET_HTTP_PROXY_LOG");
    child(
        "child_env_proxy",
        &[
            ("https_proxy", v("DCI_NET_HTTP_PROXY")),
            ("CHILD_URL", &emu.url),
            ("EXPECT", "http"),
        ],
    );
    let target = format!("CONNECT 127.0.0.1:{} HTTP/1.1", port_of(&emu.url));
    assert!(std::fs::read_to_string(log).unwrap().contains(&target));
    // ALL_PROXY (ssh -D style), and NO_PROXY sending it around a dead proxy.
    child(
        "child_env_proxy",
        &[
            ("ALL_PROXY", v("DCI_NET_SOCKS_PROXY")),
            ("CHILD_URL", &emu.url),
            ("EXPECT", "socks"),
        ],
    );
    child(
        "child_env_proxy",
        &[
            ("HTTPS_PROXY", "http://127.0.0.1:1"),
            ("NO_PROXY", "example.com, 127.0.0.1"),
            ("CHILD_URL", &emu.url),
            ("EXPECT", "direct"),
        ],
    );
}

#[test]
fn child_env_proxy() {
    let Some(net) = in_child("child_env_proxy") else {
        return;
    };
    let url = std::env::var("CHILD_URL").unwrap();
    let c = Client::builder(&url)
        .ca_file(&net["DCI_NET_CERT"])
        .build()
        .unwrap();
    let expect = std::env::var("EXPECT").unwrap();
    match expect.as_str() {
        "http" => assert_eq!(
            c.proxy().as_deref(),
            Some(net["DCI_NET_HTTP_PROXY"].as_str())
        ),
        "socks" => assert!(c.proxy().unwrap().starts_with("socks5h://127.0.0.1:")),
        _ => assert_eq!(c.proxy(), None),
    }
    log_in(&c);
}

// ---- every address --------------------------------------------------------------------

/// An address that never answers: a listener whose accept queue is full drops new SYNs.
fn black_hole() -> (socket2::Socket, Vec<std::net::TcpStream>, SocketAddr) {
    use socket2::{Domain, SockAddr, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.bind(&SockAddr::from(
        "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
    ))
    .unwrap();
    s.listen(0).unwrap();
    let addr = s.local_addr().unwrap().as_socket().unwrap();
    let mut held = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(c) => held.push(c),
            Err(_) => break,
        }
    }
    (s, held, addr)
}

#[test]
fn a_dead_address_first_does_not_stall_the_connection() {
    let emu = serving("selfsigned");
    let live: SocketAddr = emu.url.trim_start_matches("https://").parse().unwrap();
    let (_hole, _held, dead) = black_hole();
    let c = builder(&format!("https://localhost:{}", live.port()))
        .ca_file(v("DCI_NET_CERT"))
        .resolve_to(&[dead, live])
        .build()
        .unwrap();
    let t0 = Instant::now();
    log_in(&c);
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(
        took < Duration::from_secs(3),
        "not the whole connect budget: {took:?}"
    );
}

#[test]
fn ipv6_literal_base_url() {
    let emu = Emulator::start_with(&["--tls", "--listen", "[::1]:0"]);
    assert!(emu.url.starts_with("https://[::1]:"), "{}", emu.url);
    log_in(&emu.client());
    let c = builder(&emu.url)
        .ca_file(emu.ca.as_ref().unwrap())
        .build()
        .unwrap();
    log_in(&c);
}
