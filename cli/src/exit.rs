//! Exit codes (one per error kind of the library) and the one-line error report.

use std::fmt;

use dcimanager::{Error, ErrorKind};

/// Success.
pub const OK: u8 = 0;
/// A local failure: a file that cannot be read or written, an unsafe hosts.toml, a jq
/// filter failing on an answer.
pub const LOCAL: u8 = 1;
/// A usage error: a bad flag or argument, nothing sent.
pub const USAGE: u8 = 2;
/// The platform could not be reached (name lookup, connection, proxy).
pub const CONNECT: u8 = 3;
/// Not logged in, the session expired, or access denied.
pub const UNAUTHORIZED: u8 = 4;
/// The platform answered with an API error (its `{"error": {...}}`).
pub const API: u8 = 5;
/// The platform stayed unavailable (503) through every retry.
pub const RETRIES: u8 = 6;
/// The time budget ran out.
pub const TIMEOUT: u8 = 7;
/// The server's certificate was refused.
pub const TLS: u8 = 8;
/// An HTTP error status without an API error body (a proxy's or web server's page).
pub const HTTP: u8 = 9;
/// The answer was not the JSON it should be.
pub const DECODE: u8 = 10;
/// Ctrl-C (128 + SIGINT, as a shell reports it).
pub const INTERRUPTED: u8 = 130;

/// The exit codes, for `--help` (and the README).
pub const HELP: &str = "\
Exit codes:
    0  success
    1  local failure (a file, an unsafe hosts.toml, a jq filter)
    2  usage error or invalid argument (nothing was sent)
    3  cannot connect (name lookup, connection, proxy)
    4  unauthorized (not logged in, session expired, access denied)
    5  API error (the platform's error answer)
    6  retries exhausted (the platform stayed unavailable)
    7  timeout
    8  TLS: the certificate was refused (see --cacert, --pinnedpubkey, `dcimanager pin`)
    9  HTTP error without an API error body
   10  the answer is not valid JSON
  130  interrupted (Ctrl-C)

Sessions are stored in $XDG_CONFIG_HOME/dcimanager/hosts.toml (~/.config/dcimanager/), mode 0600.";

/// The exit code of a library error.
pub fn code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidArgument => USAGE,
        ErrorKind::Connect => CONNECT,
        ErrorKind::Unauthorized => UNAUTHORIZED,
        ErrorKind::Api => API,
        ErrorKind::RetriesExhausted => RETRIES,
        ErrorKind::Timeout => TIMEOUT,
        ErrorKind::Tls => TLS,
        ErrorKind::Http => HTTP,
        ErrorKind::Decode => DECODE,
        ErrorKind::Interrupted => INTERRUPTED,
        // A kind added to the library later: a failure, not success.
        #[allow(unreachable_patterns)]
        _ => LOCAL,
    }
}

/// Why a command failed.
pub enum Failure {
    /// A call of the library failed.
    Call(Error),
    /// Bad usage found after parsing (no URL, no password...).
    Usage(String),
    /// Something local failed.
    Local(String),
    /// Already reported on stderr: exit with this code and say nothing more.
    Reported(u8),
    /// Standard output was closed (`| head`): stop quietly.
    Closed,
}

impl Failure {
    pub fn code(&self) -> u8 {
        match self {
            Failure::Call(e) => code(e.kind()),
            Failure::Usage(_) => USAGE,
            Failure::Local(_) => LOCAL,
            Failure::Reported(code) => *code,
            Failure::Closed => OK,
        }
    }

    /// The report on stderr: one line; with `verbose`, the error's facts after it.
    pub fn report(&self, verbose: bool) -> Option<String> {
        let line = match self {
            Failure::Closed | Failure::Reported(_) => return None,
            Failure::Call(e) => one_line(e),
            Failure::Usage(m) | Failure::Local(m) => m.clone(),
        };
        let mut out = format!("dcimanager: {}", line.replace(['\n', '\r'], " "));
        if let (true, Failure::Call(e)) = (verbose, self) {
            out.push_str(&facts(e));
        }
        Some(out)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Call(e)
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report(false).unwrap_or_default())
    }
}

/// The library's message, with the request's URL instead of its bare path when known, and
/// a hint where one helps.
fn one_line(e: &Error) -> String {
    let mut text = e.to_string();
    if let (Some(m), Some(url)) = (e.method(), e.url()) {
        // "GET /api/x: ..." → "GET https://host/api/x: ..."
        if let Some(rest) = text.strip_prefix(&format!("{m} ")) {
            if let Some((_, after)) = rest.split_once(": ") {
                text = format!("{m} {url}: {after}");
            }
        }
    }
    match e.kind() {
        ErrorKind::Tls if e.tls_pin().is_some() => text.push_str(
            " (check the certificate with `dcimanager pin URL`, then give --cacert, or -k --pinnedpubkey)",
        ),
        ErrorKind::Unauthorized if e.http_status() == Some(401) => {
            text.push_str(" (log in again with `dcimanager auth login`)")
        }
        _ => {}
    }
    text
}

fn facts(e: &Error) -> String {
    let mut s = format!("\n  kind: {}", e.kind().name());
    if let Some(m) = e.method() {
        s.push_str(&format!("\n  method: {m}"));
    }
    if let Some(u) = e.url() {
        s.push_str(&format!("\n  url: {u}"));
    }
    if let Some(p) = e.phase() {
        s.push_str(&format!("\n  phase: {}", p.name()));
    }
    if let Some(st) = e.http_status() {
        s.push_str(&format!("\n  http status: {st}"));
    }
    if let Some(api) = e.api() {
        s.push_str(&format!("\n  api code: {}", api.code));
    }
    s.push_str(&format!("\n  attempts: {}", e.attempts()));
    s.push_str(&format!("\n  request sent: {}", e.request_sent()));
    if let Some(pin) = e.tls_pin() {
        s.push_str(&format!("\n  server's pin: {pin}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/errors.md's table, `--help` and [`code`] agree.
    #[test]
    fn the_table_of_names_and_help_list_these_codes() {
        let doc = include_str!("../../docs/errors.md");
        let section = doc
            .split("## Command line exit codes")
            .nth(1)
            .expect("docs/errors.md has the exit codes section");
        let rows: Vec<(String, u8)> = section
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
                let name = cells[0].split('`').nth(1).unwrap().to_string();
                (name, cells[1].parse().unwrap())
            })
            .collect();
        assert_eq!(rows.len(), ErrorKind::ALL.len());
        for kind in ErrorKind::ALL {
            let row = rows.iter().find(|(n, _)| n == kind.name());
            assert_eq!(row.map(|r| r.1), Some(code(kind)), "{}", kind.name());
            assert!(
                HELP.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{} ", code(kind)))),
                "--help lacks {}",
                code(kind)
            );
        }
        for (code, what) in [(OK, "success"), (LOCAL, "local failure")] {
            assert!(
                section.lines().any(|l| l.starts_with("| — ")
                    && l.contains(what)
                    && l.ends_with(&format!("| {code} |"))),
                "docs/errors.md lacks {what}"
            );
            assert!(HELP.contains(&format!("{code}  {what}")), "{what}");
        }
    }
}
