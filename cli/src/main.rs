//! `dcimanager`: the DCImanager 6 API from the command line, built on the `dcimanager`
//! library — login and stored sessions, 503 retries, re-login, TLS verified (or pinned),
//! proxies, Ctrl-C — for what operators script with curl and jq today.
//!
//! Modules: [`args`] (every command and flag), [`commands`] (what each does), [`hosts`]
//! (hosts.toml), [`output`] (JSON and jq), [`exit`] (exit codes and error lines),
//! [`signals`] (Ctrl-C).

mod args;
mod commands;
mod exit;
mod hosts;
mod output;
mod signals;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let verbose = cli.global.verbose;
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if let Some(line) = failure.report(verbose) {
                eprintln!("{line}");
            }
            ExitCode::from(failure.code())
        }
    }
}
