//! Printing answers: JSON pretty on a terminal and compact when piped (keys in the order
//! the platform sent them), jq filters (jaq), and standard output closed early.

use std::io::{self, Write};

use jaq_core::load::{self, lex, Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::write::Pp;
use jaq_json::Val;

use crate::exit::Failure;

/// Where answers go, and how they look.
pub struct Out<W: Write> {
    w: W,
    pp: Pp,
}

impl<W: Write> Out<W> {
    /// Pretty (two spaces) when `pretty`, else one value per line.
    pub fn new(w: W, pretty: bool) -> Self {
        let pp = Pp {
            indent: pretty.then(|| "  ".to_string()),
            sep_space: pretty,
            ..Pp::default()
        };
        Out { w, pp }
    }

    /// One JSON value and a newline; `raw_strings` prints a string's text without quotes
    /// (jq -r, as `gh api --jq` does).
    pub fn value(&mut self, v: &Val, raw_strings: bool) -> Result<(), Failure> {
        let r = match v {
            Val::TStr(s) if raw_strings => self.w.write_all(s),
            _ => jaq_json::write::write(&mut self.w, &self.pp, 0, v),
        };
        r.and_then(|()| self.w.write_all(b"\n")).map_err(closed)
    }

    /// Bytes as they are.
    pub fn bytes(&mut self, b: &[u8]) -> Result<(), Failure> {
        self.w.write_all(b).map_err(closed)
    }

    pub fn flush(&mut self) -> Result<(), Failure> {
        self.w.flush().map_err(closed)
    }
}

/// A write error: a closed pipe ends the command quietly; anything else is reported.
pub fn closed(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::Closed
    } else {
        Failure::Local(format!("cannot write the output: {e}"))
    }
}

/// JSON text (an answer's body) as a value, keys in their order.
pub fn parse(body: &[u8]) -> Result<Val, String> {
    jaq_json::read::parse_single(body).map_err(|e| e.to_string())
}

/// A library value (a page's item) as a jaq value.
pub fn from_json(v: &serde_json::Value) -> Val {
    // serde_json writes valid JSON, which jaq reads back.
    parse(v.to_string().as_bytes()).unwrap_or(Val::Null)
}

/// A compiled jq filter.
pub struct Jq {
    filter: jaq_core::Filter<data::JustLut<Val>>,
}

impl Jq {
    /// Compiles `code` with jq's standard library; a syntax error or an unknown name is a
    /// usage error that quotes the filter near the mistake.
    pub fn new(code: &str) -> Result<Jq, Failure> {
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let bad = |what: String| Failure::Usage(format!("--jq {code:?}: {what}"));
        let modules = loader
            .load(&arena, File { code, path: () })
            .map_err(|errs| {
                let what: Vec<String> = errs.into_iter().flat_map(|(_, e)| load_error(e)).collect();
                bad(what.join("; "))
            })?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| {
                let what: Vec<String> = errs
                    .into_iter()
                    .flat_map(|(_, es)| es)
                    .map(|(name, kind)| format!("{} `{name}` is not defined", undefined(&kind)))
                    .collect();
                bad(what.join("; "))
            })?;
        Ok(Jq { filter })
    }

    /// Runs the filter on one value and prints every output; an error of the filter (say
    /// `.[0]` on an object) is a local failure.
    pub fn print<W: Write>(&self, input: Val, out: &mut Out<W>) -> Result<(), Failure> {
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        for y in self.filter.id.run((ctx, input)).map(unwrap_valr) {
            match y {
                Ok(v) => out.value(&v, true)?,
                Err(e) => return Err(Failure::Local(format!("--jq: {e}"))),
            }
        }
        Ok(())
    }
}

fn load_error(e: jaq_core::load::Error<&str>) -> Vec<String> {
    use jaq_core::load::Error;
    let near = |rest: &str| {
        let shown: String = rest.chars().take(20).collect();
        if shown.is_empty() {
            "at the end".to_string()
        } else {
            format!("near `{shown}`")
        }
    };
    match e {
        Error::Io(v) => v.into_iter().map(|(p, m)| format!("{p}: {m}")).collect(),
        Error::Lex(v) => v
            .into_iter()
            .map(|(exp, rest): lex::Error<&str>| {
                format!("expected {} {}", exp.as_str(), near(rest))
            })
            .collect(),
        Error::Parse(v) => v
            .into_iter()
            .map(|(exp, rest): load::parse::Error<&str>| {
                format!("expected {} {}", exp.as_str(), near(rest))
            })
            .collect(),
    }
}

fn undefined(kind: &jaq_core::compile::Undefined) -> &'static str {
    use jaq_core::compile::Undefined;
    match kind {
        Undefined::Mod => "module",
        Undefined::Var => "variable",
        Undefined::Label => "label",
        Undefined::Filter(_) => "filter",
        _ => "name",
    }
}
