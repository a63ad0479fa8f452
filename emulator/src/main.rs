//! `dcimanager-emulator`: a local stand-in for the ISPsystem DCImanager 6 REST API, for tests,
//! demos and benchmarks.
//!
//! ```text
//! dcimanager-emulator [--listen ADDR] [--tls] [--ca-out FILE] [--cert FILE --key FILE] [--servers N]
//!                     [--client-password PW] [--token-ttl-secs N] [--login-status 200|201]
//!                     [--numeric-ids] [--no-log]
//! ```
//!
//! The first (and only) line on stdout is the base URL, e.g. `http://127.0.0.1:40211`, printed
//! once the server accepts connections (and after `--ca-out` is written). An unspecified listen
//! address (`0.0.0.0`, `::`) is printed as the loopback address. Diagnostics go to stderr. The
//! process runs until killed. Options also accept the `--name=value` form.
//!
//! Modules: [`http`] (server), [`tls`] (certificates), [`state`] (users, tokens, keys,
//! settings), [`inventory`] (servers), [`api`] (routing and handlers), [`query`] (`where`,
//! `limit`, `orderby`), [`faults`] (fault queue, request log, counters).

mod api;
mod faults;
mod http;
mod inventory;
mod query;
mod state;
mod tls;

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::process::exit;
use std::sync::Arc;

const USAGE: &str = "\
usage: dcimanager-emulator [options]

  --listen ADDR            address to listen on (default 127.0.0.1:0, port 0 = any free port)
  --tls                    serve HTTPS with a freshly generated CA and server certificate
  --ca-out FILE            with --tls: write the CA certificate (PEM) to FILE
  --cert FILE --key FILE   with --tls: serve this certificate chain and key (PEM) instead,
                           e.g. one made by `openssl req -x509` as the platform installs
  --servers N              inventory size (default 1000)
  --client-password PW     password of client@example.com (default client-secret)
  --token-ttl-secs N       idle lifetime of session tokens in seconds (default 3600)
  --login-status 200|201   HTTP status of a successful login (default 200)
  --numeric-ids            answer auth ids as JSON numbers instead of strings
  --no-log                 do not keep the request log (counters are kept)
  -h, --help               this text

The first line on stdout is the base URL. Users: admin@example.com / secret (id 3, admin),
client@example.com / <client password> (id 24, user).";

struct Options {
    listen: String,
    tls: bool,
    ca_out: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    servers: usize,
    client_password: String,
    token_ttl_secs: Option<u64>,
    login_status: u16,
    numeric_ids: bool,
    no_log: bool,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut o = Options {
        listen: "127.0.0.1:0".into(),
        tls: false,
        ca_out: None,
        cert: None,
        key: None,
        servers: 1000,
        client_password: "client-secret".into(),
        token_ttl_secs: None,
        login_status: 200,
        numeric_ids: false,
        no_log: false,
    };
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it.next().ok_or_else(|| format!("{name} needs {what}")),
            }
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--listen" => o.listen = value("an address")?,
            "--tls" => o.tls = true,
            "--ca-out" => o.ca_out = Some(value("a file name")?),
            "--cert" => o.cert = Some(value("a file name")?),
            "--key" => o.key = Some(value("a file name")?),
            "--servers" => {
                let v = value("a number")?;
                o.servers = v
                    .parse()
                    .map_err(|_| format!("--servers: '{v}' is not a number"))?;
            }
            "--client-password" => o.client_password = value("a password")?,
            "--token-ttl-secs" => {
                let v = value("a number of seconds")?;
                o.token_ttl_secs = Some(
                    v.parse()
                        .map_err(|_| format!("--token-ttl-secs: '{v}' is not a number"))?,
                );
            }
            "--login-status" => {
                let v = value("200 or 201")?;
                o.login_status = v
                    .parse()
                    .ok()
                    .filter(|s| (200..=299).contains(s))
                    .ok_or_else(|| format!("--login-status: '{v}' is not a 2xx status"))?;
            }
            "--numeric-ids" => o.numeric_ids = true,
            "--no-log" => o.no_log = true,
            _ => return Err(format!("unknown argument '{arg}'")),
        }
        if inline.is_some() && matches!(name.as_str(), "--tls" | "--numeric-ids" | "--no-log") {
            return Err(format!("{name} takes no value"));
        }
    }
    if (o.cert.is_some() || o.key.is_some()) && !(o.tls && o.cert.is_some() && o.key.is_some()) {
        return Err("--cert and --key go together, with --tls".into());
    }
    if o.ca_out.is_some() && o.cert.is_some() {
        return Err("--ca-out writes the generated CA: with --cert, the CA is yours".into());
    }
    if o.ca_out.is_some() && !o.tls {
        return Err("--ca-out needs --tls".into());
    }
    Ok(Some(o))
}

fn fail(msg: &str) -> ! {
    eprintln!("dcimanager-emulator: {msg}");
    exit(1)
}

fn main() {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("dcimanager-emulator: {e}\n\n{USAGE}");
            exit(2);
        }
    };

    let defaults = state::Settings::default();
    let settings = state::Settings {
        login_status: opts.login_status,
        numeric_ids: opts.numeric_ids,
        token_ttl_secs: opts.token_ttl_secs.unwrap_or(defaults.token_ttl_secs),
        log_requests: !opts.no_log,
        ..defaults
    };
    let app = Arc::new(api::App::new(settings, &opts.client_password, opts.servers));

    let tls = if opts.tls {
        let setup = match (&opts.cert, &opts.key) {
            (Some(cert), Some(key)) => tls::load(cert, key),
            _ => tls::generate(),
        }
        .unwrap_or_else(|e| fail(&format!("TLS setup: {e}")));
        if let Some(path) = &opts.ca_out {
            std::fs::write(path, &setup.ca_pem)
                .unwrap_or_else(|e| fail(&format!("cannot write {path}: {e}")));
        }
        Some(setup.config)
    } else {
        None
    };

    let listener = TcpListener::bind(&opts.listen)
        .unwrap_or_else(|e| fail(&format!("cannot listen on {}: {e}", opts.listen)));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| fail(&format!("local address: {e}")));
    let host = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}", SocketAddr::new(host, addr.port()));
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{url}").and_then(|()| out.flush()).is_err() {
            fail("cannot write the URL to stdout");
        }
    }
    eprintln!(
        "dcimanager-emulator: serving {url} ({} servers{})",
        opts.servers,
        if opts.no_log { ", no request log" } else { "" }
    );
    http::run(listener, tls, app);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Option<Options>, String> {
        parse_args(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn cli() {
        let o = args(&[]).unwrap().unwrap();
        assert_eq!(
            (o.listen.as_str(), o.servers, o.login_status),
            ("127.0.0.1:0", 1000, 200)
        );
        let o = args(&[
            "--listen=127.0.0.1:9999",
            "--tls",
            "--ca-out",
            "/tmp/x.pem",
            "--servers",
            "5",
            "--login-status",
            "201",
            "--numeric-ids",
            "--no-log",
            "--token-ttl-secs=2",
            "--client-password",
            "pw",
        ])
        .unwrap()
        .unwrap();
        assert!(o.tls && o.numeric_ids && o.no_log);
        assert_eq!(o.listen, "127.0.0.1:9999");
        assert_eq!(o.ca_out.as_deref(), Some("/tmp/x.pem"));
        assert_eq!(
            (o.servers, o.login_status, o.token_ttl_secs),
            (5, 201, Some(2))
        );
        assert_eq!(o.client_password, "pw");
        assert!(args(&["--help"]).unwrap().is_none());
        for bad in [
            &["--servers"][..],
            &["--servers", "x"],
            &["--login-status", "302"],
            &["--bogus"],
            &["--ca-out", "f"],
            &["--tls=yes"],
        ] {
            assert!(args(bad).is_err(), "{bad:?}");
        }
    }
}
