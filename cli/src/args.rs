//! The command line: every command, flag and help text (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit;

/// `dcimanager`: the DCImanager 6 API from the command line.
#[derive(Parser, Debug)]
#[command(
    name = "dcimanager",
    version,
    about = "The DCImanager 6 API from the command line: log in once, call the API as `gh api` \
             does, walk every page, filter with jq, make single sign-on links, learn a server's pin.",
    after_help = exit::HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes, named as curl names them.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The platform's address (https://host[:port]); else $DCI_URL, else the one host stored.
    #[arg(long, global = true, env = "DCI_URL", value_name = "URL")]
    pub url: Option<String>,
    /// Trust this certificate (PEM): the platform's own self-signed one, or your CA's.
    /// Remembered for the host by `auth login`.
    #[arg(long, global = true, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Accept the server only when its public key has one of these pins
    /// (sha256//BASE64[;sha256//...], as `dcimanager pin` prints), on top of the CA check;
    /// with -k, instead of it (curl's -k --pinnedpubkey). Remembered by `auth login`.
    #[arg(long, global = true, value_name = "PINS")]
    pub pinnedpubkey: Option<String>,
    /// Do not verify the server's certificate against a CA. Alone it is never remembered;
    /// with --pinnedpubkey at login, the pin alone is trusted from then on.
    #[arg(short = 'k', long, global = true)]
    pub insecure: bool,
    /// Use this proxy (http://, socks5://, socks5h://; user:password@ allowed), instead of
    /// the environment's http_proxy/https_proxy/all_proxy.
    #[arg(short = 'x', long, global = true, value_name = "URL")]
    pub proxy: Option<String>,
    /// Hosts reached without the proxy (comma-separated, as NO_PROXY).
    #[arg(long, global = true, value_name = "LIST")]
    pub noproxy: Option<String>,
    /// The time budget of each call in seconds, its retries included.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// How many times a call is retried while the platform answers 503 or cannot be
    /// reached (0: never).
    #[arg(long, global = true, value_name = "N")]
    pub retries: Option<u32>,
    /// Show what the library does (requests, retries, re-logins) on stderr, and the facts
    /// of an error.
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Log in, see who is logged in, log out, make long-lived tokens.
    #[command(
        subcommand,
        after_help = "Examples:\n  dcimanager auth login --url https://dci.example.com --email admin@example.com\n  \
                                        dcimanager auth status\n  dcimanager auth logout"
    )]
    Auth(Auth),
    /// Call the API: GET by default, POST when fields or a body are given.
    #[command(after_help = API_EXAMPLES)]
    Api(Api),
    /// Make a single sign-on key for a user and print its login link (valid for one hour).
    #[command(after_help = "Example:\n  dcimanager key client@example.com\n  \
                            dcimanager key 42   # by user id")]
    Key {
        /// The user: an e-mail address or a user id.
        user: String,
    },
    /// Print the pin of the certificate a server presents, to check and then pin it.
    #[command(after_help = PIN_EXAMPLES)]
    Pin {
        /// The server: https://host[:port].
        url: String,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  dcimanager completion bash > /etc/bash_completion.d/dcimanager\n  \
                            dcimanager completion zsh > \"${fpath[1]}/_dcimanager\""
    )]
    Completion {
        /// The shell.
        shell: Shell,
    },
    /// Print the manual page (roff), for `make install` and the Debian package.
    #[command(hide = true)]
    Man,
}

/// The shells `completion` writes for.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Subcommand, Debug)]
pub enum Auth {
    /// Log in and store the session token for the host (hosts.toml, mode 0600).
    #[command(after_help = LOGIN_EXAMPLES)]
    Login(Login),
    /// Show who is logged in where (the token itself is never printed).
    #[command(
        after_help = "Example:\n  dcimanager auth status\n  dcimanager auth status --url https://dci.example.com"
    )]
    Status,
    /// Delete the session token on the platform and forget it here.
    #[command(after_help = "Example:\n  dcimanager auth logout")]
    Logout,
    /// Long-lived tokens.
    #[command(
        subcommand,
        after_help = "Example:\n  dcimanager auth token create --expires \"2030-01-31 00:00:00\""
    )]
    Token(Token),
    /// Set the platform's token and session lifetime, in minutes.
    #[command(after_help = "Example:\n  dcimanager auth ttl 1440")]
    Ttl {
        /// The lifetime in minutes.
        minutes: u32,
    },
}

#[derive(Args, Debug)]
pub struct Login {
    /// The e-mail to log in with; else $DCI_EMAIL, else the one stored for the host, else
    /// asked on the terminal.
    #[arg(long, env = "DCI_EMAIL")]
    pub email: Option<String>,
    /// Read the password from the first line of standard input (else $DCI_PASSWORD, else
    /// it is asked on the terminal without echo). Never give it as an argument.
    #[arg(long, conflicts_with = "token_stdin")]
    pub password_stdin: bool,
    /// Store a long-lived token read from standard input instead of logging in.
    #[arg(long)]
    pub token_stdin: bool,
    /// Keep the password in hosts.toml (mode 0600) to log in again when the session
    /// expires. Off by default.
    #[arg(long, conflicts_with = "token_stdin")]
    pub remember_password: bool,
}

#[derive(Subcommand, Debug)]
pub enum Token {
    /// Create a long-lived token and print it (once: it is not stored).
    #[command(
        after_help = "Example:\n  dcimanager auth token create --expires \"2030-01-31 00:00:00\" --description billing"
    )]
    Create {
        /// When it expires, UTC: "YYYY-MM-DD HH:MM:SS".
        #[arg(long, value_name = "DATETIME")]
        expires: String,
        /// What it is for.
        #[arg(long, default_value = "")]
        description: String,
    },
}

#[derive(Args, Debug)]
pub struct Api {
    /// The path, as the API guide writes it (dci/v3/server, auth/v4/whoami), or
    /// /-rooted from the host.
    pub path: String,
    /// The method (GET, POST, DELETE...); GET by default, POST when -f, -F or --input
    /// are given.
    #[arg(short = 'X', long, value_name = "METHOD")]
    pub method: Option<String>,
    /// A string field of the JSON body: key=value.
    #[arg(short = 'f', long = "raw-field", value_name = "KEY=VALUE")]
    pub fields: Vec<String>,
    /// A typed field: key=42, key=true, key=false, key=null, key=@file (the file's text
    /// without one trailing newline; @- for standard input); anything else is a string.
    #[arg(short = 'F', long = "field", value_name = "KEY=VALUE")]
    pub typed_fields: Vec<String>,
    /// The request body from a file (- for standard input), sent as JSON.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fields", "typed_fields"])]
    pub input: Option<String>,
    /// A query parameter: name=value (encoded for you).
    #[arg(short = 'q', long = "query", value_name = "NAME=VALUE")]
    pub query: Vec<String>,
    /// A `where` filter, e.g. "power_status EQ 'on' AND id GT 10".
    #[arg(long = "where", value_name = "EXPR")]
    pub filter: Option<String>,
    /// The order, e.g. "id desc".
    #[arg(long, value_name = "ORDER")]
    pub orderby: Option<String>,
    /// Walk every page of a list and print one item per line (NDJSON).
    #[arg(long)]
    pub paginate: bool,
    /// Items per page with --paginate.
    #[arg(long, default_value_t = 100, requires = "paginate", value_name = "N")]
    pub page_size: u64,
    /// A jq filter applied to the answer (to each item with --paginate); strings are
    /// printed without quotes.
    #[arg(long, value_name = "FILTER")]
    pub jq: Option<String>,
    /// Print the status line and the headers first.
    #[arg(short = 'i', long, conflicts_with = "paginate")]
    pub include: bool,
    /// Print the answer's body exactly as received.
    #[arg(long, conflicts_with_all = ["jq", "paginate"])]
    pub raw: bool,
}

const API_EXAMPLES: &str = "\
Examples:
  dcimanager api auth/v4/whoami
  dcimanager api dci/v3/server --paginate --jq '.domain'
  dcimanager api dci/v3/server --where \"power_status EQ 'on'\" --orderby 'id desc'
  dcimanager api dci/v3/server/12/power_reset -X POST
  echo \"$NEW_PASSWORD\" | dcimanager api dci/v3/user -f email=jane@example.com -f role=@user -F password=@-
  dcimanager api dci/v3/user --input user.json
  dcimanager api dci/v3/server/12 -i";

const LOGIN_EXAMPLES: &str = "\
Examples:
  dcimanager auth login --url https://dci.example.com --email admin@example.com
  pass show dci | dcimanager auth login --url https://dci.example.com --email admin@example.com --password-stdin
  dcimanager auth login --url https://dci.example.com --cacert dci.pem --email admin@example.com
  echo \"$TOKEN\" | dcimanager auth login --url https://dci.example.com --token-stdin";

const PIN_EXAMPLES: &str = "\
Example:
  dcimanager pin https://dci.example.com
  # compare the pin with the platform's own (on its console), then trust that key:
  dcimanager auth login --url https://dci.example.com -k --pinnedpubkey 'sha256//...'
  # or trust the certificate the platform installed with:
  dcimanager auth login --url https://dci.example.com --cacert dci.pem";
