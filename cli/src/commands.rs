//! What each command does, on the library's [`Client`].

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::CommandFactory;
use dcimanager::events::{Event, Level, Observer};
use dcimanager::{
    encode_component, Client, ClientBuilder, Error, ErrorKind, ListQuery, ProxySettings, Request,
    RetryPolicy, Secret,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value};

use crate::args::{Api, Auth, Cli, Command, Global, Login, Shell, Token};
use crate::exit::Failure;
use crate::hosts::{self, Host, Hosts};
use crate::output::{self, Jq, Out};
use crate::signals;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    let g = &cli.global;
    match cli.command {
        Command::Completion { shell } => completion(shell),
        Command::Man => {
            let mut out = io::stdout().lock();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(output::closed)
        }
        Command::Pin { url } => pin(g, &url),
        Command::Auth(Auth::Login(l)) => login(g, &l),
        Command::Auth(Auth::Status) => status(g),
        Command::Auth(Auth::Logout) => logout(g),
        Command::Auth(Auth::Token(Token::Create {
            expires,
            description,
        })) => {
            let s = Session::open(g, true)?;
            let token = s.client.create_token(&expires, &description)?;
            s.finish()?;
            let mut out = io::stdout().lock();
            writeln!(out, "{}", token.expose()).map_err(output::closed)
        }
        Command::Auth(Auth::Ttl { minutes }) => {
            let s = Session::open(g, true)?;
            s.client.set_token_ttl(&minutes.to_string())?;
            s.finish()?;
            eprintln!(
                "Token and session lifetime set to {minutes} minutes on {}",
                s.origin
            );
            Ok(())
        }
        Command::Key { user } => {
            let s = Session::open(g, true)?;
            let key = s.client.create_key(&user)?;
            let link = s.client.key_login_url(key.key.expose())?;
            s.finish()?;
            let mut out = io::stdout().lock();
            writeln!(out, "{link}").map_err(output::closed)
        }
        Command::Api(a) => api(g, &a),
    }
}

/// A client for a stored platform, and what is stored for it.
struct Session {
    origin: String,
    host: Host,
    client: Client,
}

impl Session {
    /// The platform chosen by --url, DCI_URL or the one stored, with its token; `relogin`
    /// adds the remembered password (if any) so an expired session is renewed once.
    fn open(g: &Global, relogin: bool) -> Result<Session, Failure> {
        let hosts = Hosts::load()?;
        let origin = hosts.choose(g.url.as_deref())?;
        let host = hosts.hosts.get(&origin).cloned().unwrap_or_default();
        Session::with(g, origin, host, relogin)
    }

    fn with(g: &Global, origin: String, host: Host, relogin: bool) -> Result<Session, Failure> {
        let Some(token) = &host.token else {
            return Err(Failure::Usage(format!(
                "not logged in to {origin}: run `dcimanager auth login --url {origin}`"
            )));
        };
        let mut b = builder(g, &origin, &host)?.token(token.as_str());
        if let (true, Some(email), Some(password)) = (relogin, &host.email, &host.password) {
            b = b.credentials(email, password);
        }
        let client = b.build()?;
        Ok(Session {
            origin,
            host,
            client,
        })
    }

    /// Stores the token the client ended with, when a re-login replaced the stored one.
    fn finish(&self) -> Result<(), Failure> {
        let now = self.client.token().map(|t| t.expose().to_string());
        if now.is_none() || now == self.host.token {
            return Ok(());
        }
        let mut hosts = Hosts::load()?;
        if let Some(h) = hosts.hosts.get_mut(&self.origin) {
            h.token = now;
            h.token_kind = Some("session".into());
            hosts.save()?;
        }
        Ok(())
    }
}

/// A client builder with the global flags, the stored TLS settings under them.
fn builder(g: &Global, origin: &str, host: &Host) -> Result<ClientBuilder, Failure> {
    let mut b = Client::builder(origin);
    if let Some(ca) = g.cacert.as_ref().or(host.cacert.as_ref()) {
        b = b.ca_file(ca);
    }
    let pins = g.pinnedpubkey.as_ref().or(host.pinnedpubkey.as_ref());
    if let Some(pins) = pins {
        b = b.pinned_pubkey(pins);
    }
    if g.insecure && pins.is_none() {
        eprintln!("dcimanager: warning: --insecure: the server's certificate is not verified");
    }
    if g.insecure || (host.pin_only && pins.is_some()) {
        // With a pin, the server must still present the pinned key (curl's -k --pinnedpubkey).
        b = b.danger_accept_invalid_certs(true);
    }
    if let Some(p) = &g.proxy {
        b = b.proxy(Some(p));
    }
    if let Some(n) = &g.noproxy {
        b = b.no_proxy(Some(n));
    }
    if let Some(t) = timeout(g)? {
        b = b.timeout(Some(t));
    }
    if let Some(n) = g.retries {
        b = b.retry(match n {
            0 => RetryPolicy::none(),
            n => RetryPolicy {
                max_retries: n,
                ..RetryPolicy::default()
            },
        });
    }
    if g.verbose {
        b = b.observer(Arc::new(Verbose));
    }
    signals::install();
    Ok(b.interrupt_check(Arc::new(signals::raised)))
}

fn timeout(g: &Global) -> Result<Option<Duration>, Failure> {
    g.timeout
        .map(|s| {
            Duration::try_from_secs_f64(s)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    Failure::Usage(format!("--timeout {s}: a number of seconds above 0"))
                })
        })
        .transpose()
}

/// `--verbose`: the library's events on stderr, as curl -v marks its own lines.
struct Verbose;

impl Observer for Verbose {
    fn enabled(&self, _: Level) -> bool {
        true
    }

    fn event(&self, event: &Event<'_>) {
        eprintln!("* {event}");
    }
}

fn completion(shell: Shell) -> Result<(), Failure> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = io::stdout().lock();
    clap_complete::generate(shell, &mut Cli::command(), "dcimanager", &mut out);
    out.flush().map_err(output::closed)
}

// ---------------------------------------------------------------------------------------
// auth

fn login(g: &Global, l: &Login) -> Result<(), Failure> {
    let mut hosts = Hosts::load()?;
    if g.url.is_none() && hosts.hosts.is_empty() {
        return Err(Failure::Usage(
            "which platform? give --url https://your-platform or set DCI_URL".into(),
        ));
    }
    let origin = hosts.choose(g.url.as_deref())?;
    let old = hosts.hosts.get(&origin).cloned().unwrap_or_default();
    let mut host = Host {
        cacert: match &g.cacert {
            Some(ca) => Some(absolute(ca)?),
            None => old.cacert.clone(),
        },
        pinnedpubkey: g.pinnedpubkey.clone().or(old.pinnedpubkey.clone()),
        ..Host::default()
    };
    // Trusted by the pin alone: asked for with -k and a pin (never -k by itself), or kept
    // from the last login when the pin is.
    host.pin_only = match (&g.pinnedpubkey, g.insecure) {
        (Some(_), insecure) => insecure,
        (None, _) => old.pin_only && host.pinnedpubkey.is_some(),
    };
    let kind;
    if l.token_stdin {
        let token = stdin_line("the token")?;
        let client = builder(g, &origin, &host)?.token(token.expose()).build()?;
        let me = client.whoami()?;
        host.email = me["email"].as_str().map(str::to_string).or(old.email);
        host.token = Some(token.expose().to_string());
        kind = "long-lived";
    } else {
        let email = match l.email.clone().or(old.email) {
            Some(e) => e,
            None if io::stdin().is_terminal() && !l.password_stdin => ask("E-mail: ")?,
            None => {
                return Err(Failure::Usage(
                    "no e-mail: give --email or set DCI_EMAIL".into(),
                ))
            }
        };
        let password = password(l, &email, &origin)?;
        let client = builder(g, &origin, &host)?.build()?;
        let info = client.login(&email, password.expose())?;
        host.email = Some(email);
        host.token = Some(info.token.expose().to_string());
        if l.remember_password {
            host.password = Some(password.expose().to_string());
        }
        kind = "session";
    }
    host.token_kind = Some(kind.into());
    let who = host.email.clone().unwrap_or_else(|| "?".into());
    let remembered = if host.password.is_some() {
        ", password remembered"
    } else {
        ""
    };
    hosts.hosts.insert(origin.clone(), host);
    hosts.save()?;
    eprintln!(
        "Logged in to {origin} as {who} ({kind} token{remembered}, stored in {})",
        hosts::path()?.display()
    );
    Ok(())
}

/// The password: standard input with --password-stdin, else $DCI_PASSWORD, else asked on
/// the terminal without echo. Never an argument.
fn password(l: &Login, email: &str, origin: &str) -> Result<Secret, Failure> {
    if l.password_stdin {
        return stdin_line("the password");
    }
    if let Some(p) = std::env::var_os("DCI_PASSWORD") {
        return p
            .into_string()
            .map(Secret::new)
            .map_err(|_| Failure::Usage("DCI_PASSWORD is not valid UTF-8".into()));
    }
    if io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("Password for {email} at {origin}: "))
            .map(Secret::new)
            .map_err(|e| Failure::Local(format!("cannot read the password: {e}")));
    }
    Err(Failure::Usage(
        "no password: pipe it with --password-stdin or set DCI_PASSWORD \
         (it is never taken as an argument)"
            .into(),
    ))
}

/// The first line of standard input, without its line ending.
fn stdin_line(what: &str) -> Result<Secret, Failure> {
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Local(format!("cannot read {what} from standard input: {e}")))?;
    let text = line.trim_end_matches(['\n', '\r']);
    if text.is_empty() {
        return Err(Failure::Usage(format!("no {what} on standard input")));
    }
    Ok(Secret::new(text))
}

fn ask(prompt: &str) -> Result<String, Failure> {
    eprint!("{prompt}");
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Local(format!("cannot read the answer: {e}")))?;
    Ok(line.trim().to_string())
}

fn absolute(p: &Path) -> Result<PathBuf, Failure> {
    std::fs::canonicalize(p).map_err(|e| Failure::Usage(format!("--cacert {}: {e}", p.display())))
}

fn status(g: &Global) -> Result<(), Failure> {
    let hosts = Hosts::load()?;
    let origins = match &g.url {
        Some(u) => vec![hosts::origin(u)?],
        None => hosts.hosts.keys().cloned().collect(),
    };
    if origins.is_empty() {
        return Err(Failure::Usage(
            "not logged in: run `dcimanager auth login --url https://your-platform`".into(),
        ));
    }
    let mut out = io::stdout().lock();
    let mut failed = None;
    for origin in origins {
        let host = hosts.hosts.get(&origin).cloned().unwrap_or_default();
        let s = match Session::with(g, origin.clone(), host, true) {
            Ok(s) => s,
            Err(f) => {
                failed = Some(f);
                continue;
            }
        };
        match s.client.whoami() {
            Ok(me) => {
                s.finish()?;
                let email = me["email"]
                    .as_str()
                    .or(s.host.email.as_deref())
                    .unwrap_or("?");
                let id = match &me["id"] {
                    Value::String(t) => t.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => "?".into(),
                };
                let kind = s.host.token_kind.as_deref().unwrap_or("session");
                let remembered = if s.host.password.is_some() {
                    ", password remembered"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "{origin}: logged in as {email} (user {id}; {kind} token{remembered})"
                )
                .map_err(output::closed)?;
            }
            Err(e) => {
                let f = Failure::Call(e);
                if let Some(line) = f.report(g.verbose) {
                    eprintln!("{line}");
                }
                failed = Some(Failure::Reported(f.code()));
            }
        }
    }
    failed.map_or(Ok(()), Err)
}

fn logout(g: &Global) -> Result<(), Failure> {
    // No re-login to log out: an expired session is already over.
    let s = Session::open(g, false)?;
    match s.client.logout() {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::Unauthorized => {}
        Err(e) => {
            let f = Failure::Call(e);
            if let Some(line) = f.report(g.verbose) {
                eprintln!("{line}");
            }
            eprintln!(
                "dcimanager: the token is kept in {}: log out again later",
                hosts::path()?.display()
            );
            return Err(Failure::Reported(f.code()));
        }
    }
    let mut hosts = Hosts::load()?;
    hosts.hosts.remove(&s.origin);
    hosts.save()?;
    eprintln!("Logged out of {}", s.origin);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// pin

fn pin(g: &Global, url: &str) -> Result<(), Failure> {
    let mut proxy = ProxySettings::from_env();
    if let Some(p) = &g.proxy {
        proxy.set_proxy(Some(p))?;
    }
    if let Some(n) = &g.noproxy {
        proxy.set_no_proxy(Some(n));
    }
    let budget = timeout(g)?.unwrap_or(dcimanager::defaults::CONNECT_TIMEOUT);
    let c = dcimanager::peer_certificate(url, &proxy, Some(budget))?;
    let verified = match &c.verified {
        Ok(()) => "yes, against the system's trust store".to_string(),
        Err(why) => format!("no: {why}"),
    };
    let mut out = io::stdout().lock();
    let text = format!(
        "{}\nsubject:   {}\nissuer:    {}\nvalid:     {} to {}\nnames:     {}\nca:        {}\nchain:     {} certificate(s)\nverified:  {verified}\n",
        c.pin,
        c.subject,
        c.issuer,
        c.not_before,
        c.not_after,
        c.names.join(", "),
        if c.is_ca { "yes (self-signed, as `openssl req -x509` makes them)" } else { "no" },
        c.chain_len,
    );
    out.write_all(text.as_bytes()).map_err(output::closed)?;
    if io::stderr().is_terminal() {
        // Unverified: the pin replaces the CA check (-k); verified: it adds to it.
        let k = if c.verified.is_ok() { "" } else { "-k " };
        eprintln!(
            "\nCompare the pin with the platform's own (out of band) before trusting it, then:\n  \
             dcimanager auth login --url {} {k}--pinnedpubkey '{}'",
            url.trim_end_matches('/'),
            c.pin
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// api

fn api(g: &Global, a: &Api) -> Result<(), Failure> {
    // The filter and the body first: a mistake in them costs no request.
    let jq = a.jq.as_deref().map(Jq::new).transpose()?;
    let body = body(a)?;
    let method = match &a.method {
        Some(m) => m.to_ascii_uppercase(),
        None if body.is_some() => "POST".into(),
        None => "GET".into(),
    };
    let mut pairs = Vec::new();
    for q in &a.query {
        let (k, v) = pair(q, "-q")?;
        pairs.push((k.to_string(), v.to_string()));
    }
    let mut list = ListQuery::new();
    if let Some(w) = &a.filter {
        list = list.filter_text(w);
    }
    if let Some(o) = &a.orderby {
        list = list.order_by_raw(o);
    }
    let s = Session::open(g, true)?;
    let stdout = io::stdout();
    let pretty = stdout.is_terminal();
    if a.paginate {
        if method != "GET" {
            return Err(Failure::Usage(format!(
                "--paginate walks a list with GET, not {method}"
            )));
        }
        let r = paginate(
            &s,
            a,
            &pairs,
            list,
            jq.as_ref(),
            &mut Out::new(stdout.lock(), false),
        );
        s.finish()?;
        return r;
    }
    pairs.extend(list.pairs());
    let mut req = Request::new(method.as_str(), a.path.as_str());
    for (k, v) in &pairs {
        req = req.query(k.as_str(), v.as_str());
    }
    if let Some(b) = &body {
        req = req.json_text(b.as_str());
    }
    let resp = s.client.send(&req)?;
    s.finish()?;
    let mut out = Out::new(stdout.lock(), pretty);
    if a.include {
        let mut head = format!(
            "HTTP/1.1 {} {}\n",
            resp.status(),
            http::StatusCode::from_u16(resp.status())
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("")
        );
        for (name, value) in resp.headers() {
            head.push_str(&format!("{name}: {value}\n"));
        }
        head.push('\n');
        out.bytes(head.as_bytes())?;
    }
    if let Some(e) = resp.error() {
        if a.include {
            out.bytes(resp.body())?;
            out.flush()?;
        }
        return Err(e.into());
    }
    if a.raw {
        out.bytes(resp.body())?;
    } else if !resp.body_is_blank() {
        resp.check_json()?;
        let v =
            output::parse(resp.body()).map_err(|e| Failure::Local(format!("the answer: {e}")))?;
        match &jq {
            Some(jq) => jq.print(v, &mut out)?,
            None => out.value(&v, false)?,
        }
    }
    out.flush()
}

/// Every item of a list, one per line, with a progress bar on a terminal's stderr.
fn paginate<W: Write>(
    s: &Session,
    a: &Api,
    pairs: &[(String, String)],
    list: ListQuery,
    jq: Option<&Jq>,
    out: &mut Out<W>,
) -> Result<(), Failure> {
    let mut path = a.path.clone();
    for (i, (k, v)) in pairs.iter().enumerate() {
        path.push(if i == 0 && !path.contains('?') {
            '?'
        } else {
            '&'
        });
        path.push_str(&format!("{}={}", encode_component(k), encode_component(v)));
    }
    let bar = if io::stderr().is_terminal() {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} items  {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut pages = s.client.paginate(&path, list, a.page_size);
    let r = (|| {
        while let Some(item) = pages.next() {
            let item = item?;
            if let Some(total) = pages.total() {
                bar.set_length(total);
            }
            bar.inc(1);
            let v = output::from_json(&item);
            match jq {
                Some(jq) => jq.print(v, out)?,
                None => out.value(&v, false)?,
            }
            if signals::raised() {
                return Err(Failure::Call(Error::new(
                    ErrorKind::Interrupted,
                    "Ctrl-C between two pages",
                )));
            }
        }
        out.flush()
    })();
    bar.finish_and_clear();
    r
}

/// The JSON body of -f/-F fields or --input, checked to be JSON.
fn body(a: &Api) -> Result<Option<String>, Failure> {
    if let Some(src) = &a.input {
        let text = read_source(src, "--input")?;
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&text) {
            return Err(Failure::Usage(format!("--input {src}: not JSON: {e}")));
        }
        return Ok(Some(text));
    }
    if a.fields.is_empty() && a.typed_fields.is_empty() {
        return Ok(None);
    }
    let mut map = Map::new();
    for f in &a.fields {
        let (k, v) = pair(f, "-f")?;
        map.insert(k.into(), Value::String(v.into()));
    }
    for f in &a.typed_fields {
        let (k, v) = pair(f, "-F")?;
        map.insert(k.into(), typed(v)?);
    }
    Ok(Some(Value::Object(map).to_string()))
}

/// An -F value: a number, true/false/null, @file (its text), else a string.
fn typed(v: &str) -> Result<Value, Failure> {
    Ok(match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ if v.starts_with('@') => {
            let mut text = read_source(&v[1..], "-F")?;
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            Value::String(text)
        }
        _ => match serde_json::from_str::<serde_json::Number>(v) {
            Ok(n) => Value::Number(n),
            Err(_) => Value::String(v.into()),
        },
    })
}

/// A file's text, or standard input's for `-`.
fn read_source(src: &str, flag: &str) -> Result<String, Failure> {
    let mut text = String::new();
    let r = if src == "-" {
        io::stdin().lock().read_to_string(&mut text).map(drop)
    } else {
        std::fs::File::open(src).and_then(|mut f| f.read_to_string(&mut text).map(drop))
    };
    r.map_err(|e| Failure::Usage(format!("{flag} {src}: {e}")))?;
    Ok(text)
}

/// `key=value`; a malformed one is refused without repeating it (it may be a password).
fn pair<'a>(text: &'a str, flag: &str) -> Result<(&'a str, &'a str), Failure> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k, v)),
        Some(_) => Err(Failure::Usage(format!(
            "{flag}: a field without a key: expected key=value"
        ))),
        None => Err(Failure::Usage(format!(
            "{flag}: an argument without '=': expected key=value"
        ))),
    }
}
