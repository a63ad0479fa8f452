//! The list parameters of DCImanager 6: `where`, `limit` and `orderby`.
//!
//! Grammar of `where` (keywords are case-insensitive):
//!
//! ```text
//! or      := and ( OR and )*
//! and     := unary ( AND unary )*
//! unary   := NOT unary | primary
//! primary := '(' or ')' | field EQ value | field NE value | field CP 'pattern'
//!          | field IS null | field IS NOT null
//! field   := name ( '.' name )*            e.g. rack.name, os_template.name
//! value   := 'quoted string' | integer | decimal | true | false | null
//! ```
//!
//! Inside a quoted string `\'` is a quote and `\\` a backslash (any other `\x` is `x`).
//!
//! Semantics chosen where the sources are silent:
//! - A missing field is `null`. `EQ null` is `IS null`, `NE null` is `IS NOT null`.
//! - `NE` is exactly `NOT EQ`: a `null` field is "not equal" to any non-null value
//!   (no SQL three-valued logic).
//! - Numbers compare numerically; a quoted number matches a numeric field (`id EQ '5'`) and a
//!   bare number matches a string field holding that number. Booleans match `true`/`false` and
//!   the strings `'true'`/`'false'`. Strings compare case-sensitively. Arrays and objects never
//!   compare equal to anything.
//! - `CP` ("like") is case-insensitive; `%` matches any sequence (`_` is an ordinary character).
//!   It applies to strings, numbers and booleans (as text); a `null` field never matches.
//! - Nesting (parentheses and `NOT`) is limited to 64 levels.
//!
//! `limit` is `offset,count` or `count`. `orderby` is `field [asc|desc]`, several keys may be
//! separated by commas; ties keep id order. Sort order across types: null < bool < number <
//! string < array < object.

use serde_json::Value;
use std::cmp::Ordering;

const MAX_DEPTH: usize = 64;

/// A literal value on the right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    /// A number with its source text (used to compare against string fields exactly).
    Num {
        value: f64,
        text: String,
    },
    Str(String),
}

/// A parsed `where` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `field EQ value` (or `NE` when `negated`).
    Eq {
        field: Vec<String>,
        value: Literal,
        negated: bool,
    },
    /// `field CP 'pattern'`; the pattern is stored lowercased.
    Like {
        field: Vec<String>,
        pattern: String,
    },
    /// `field IS null` (or `IS NOT null` when `negated`).
    IsNull {
        field: Vec<String>,
        negated: bool,
    },
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// A bad list parameter: which one and why.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    pub param: &'static str,
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.param, self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Word(String),
    Str(String),
    Num(f64, String),
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::LParen => "'('".to_string(),
        Tok::RParen => "')'".to_string(),
        Tok::Word(w) => format!("'{w}'"),
        Tok::Str(s) => format!("string '{s}'"),
        Tok::Num(_, t) => format!("number {t}"),
    }
}

fn lex(input: &str) -> Result<Vec<(Tok, usize)>, String> {
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                out.push((Tok::LParen, pos));
                i += 1;
            }
            ')' => {
                out.push((Tok::RParen, pos));
                i += 1;
            }
            '\'' => {
                i += 1;
                let mut val = String::new();
                let mut closed = false;
                while i < chars.len() {
                    let c = chars[i].1;
                    if c == '\\' {
                        match chars.get(i + 1) {
                            Some(&(_, next)) => {
                                val.push(next);
                                i += 2;
                                continue;
                            }
                            None => break,
                        }
                    }
                    i += 1;
                    if c == '\'' {
                        closed = true;
                        break;
                    }
                    val.push(c);
                }
                if !closed {
                    return Err(format!("unterminated string starting at position {pos}"));
                }
                out.push((Tok::Str(val), pos));
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|&(_, d)| d.is_ascii_digit())) =>
            {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].1.is_ascii_digit() || chars[i].1 == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().map(|&(_, c)| c).collect();
                let value: f64 = text
                    .parse()
                    .map_err(|_| format!("bad number '{text}' at position {pos}"))?;
                out.push((Tok::Num(value, text), pos));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].1.is_alphanumeric() || chars[i].1 == '_' || chars[i].1 == '.')
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().map(|&(_, c)| c).collect();
                out.push((Tok::Word(text), pos));
            }
            other => return Err(format!("unexpected character '{other}' at position {pos}")),
        }
    }
    Ok(out)
}

const KEYWORDS: [&str; 10] = [
    "AND", "OR", "NOT", "EQ", "NE", "CP", "IS", "NULL", "TRUE", "FALSE",
];

fn is_kw(tok: Option<&Tok>, kw: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
    depth: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|(t, _)| t)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.i).map_or(self.end, |&(_, p)| p)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).map(|(t, _)| t.clone());
        if t.is_some() {
            self.i += 1;
        }
        t
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(t) => format!("{} at position {}", describe(t), self.pos()),
            None => "end of input".to_string(),
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("expression nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn parse_or(&mut self) -> Result<Expr, String> {
        let mut items = vec![self.parse_and()?];
        while is_kw(self.peek(), "OR") {
            self.i += 1;
            items.push(self.parse_and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            Expr::Or(items)
        })
    }

    fn parse_and(&mut self) -> Result<Expr, String> {
        let mut items = vec![self.parse_unary()?];
        while is_kw(self.peek(), "AND") {
            self.i += 1;
            items.push(self.parse_unary()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            Expr::And(items)
        })
    }

    fn parse_unary(&mut self) -> Result<Expr, String> {
        if is_kw(self.peek(), "NOT") {
            self.i += 1;
            self.enter()?;
            let inner = self.parse_unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some(Tok::LParen) => {
                self.i += 1;
                self.enter()?;
                let inner = self.parse_or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(format!("expected ')' but found {}", self.found()));
                }
                self.i += 1;
                Ok(inner)
            }
            Some(Tok::Word(w)) if !KEYWORDS.iter().any(|k| w.eq_ignore_ascii_case(k)) => {
                let w = w.clone();
                let pos = self.pos();
                self.i += 1;
                let field = parse_field(&w).map_err(|m| format!("{m} at position {pos}"))?;
                self.parse_comparison(field)
            }
            _ => Err(format!(
                "expected a field name or '(' but found {}",
                self.found()
            )),
        }
    }

    fn parse_comparison(&mut self, field: Vec<String>) -> Result<Expr, String> {
        let op = match self.peek() {
            Some(Tok::Word(w)) => w.to_ascii_uppercase(),
            _ => {
                return Err(format!(
                    "expected EQ, NE, CP or IS but found {}",
                    self.found()
                ))
            }
        };
        match op.as_str() {
            "EQ" | "NE" => {
                self.i += 1;
                let value = self.parse_value()?;
                let negated = op == "NE";
                Ok(match value {
                    Literal::Null => Expr::IsNull { field, negated },
                    value => Expr::Eq {
                        field,
                        value,
                        negated,
                    },
                })
            }
            "CP" => {
                self.i += 1;
                let pattern = match self.next() {
                    Some(Tok::Str(s)) => s,
                    Some(Tok::Num(_, t)) => t,
                    _ => {
                        self.i = self.i.saturating_sub(1);
                        return Err(format!(
                            "expected a quoted pattern after CP but found {}",
                            self.found()
                        ));
                    }
                };
                Ok(Expr::Like {
                    field,
                    pattern: pattern.to_lowercase(),
                })
            }
            "IS" => {
                self.i += 1;
                let negated = is_kw(self.peek(), "NOT");
                if negated {
                    self.i += 1;
                }
                if !is_kw(self.peek(), "NULL") {
                    return Err(format!("expected null after IS but found {}", self.found()));
                }
                self.i += 1;
                Ok(Expr::IsNull { field, negated })
            }
            _ => Err(format!(
                "expected EQ, NE, CP or IS but found {}",
                self.found()
            )),
        }
    }

    fn parse_value(&mut self) -> Result<Literal, String> {
        let lit = match self.peek() {
            Some(Tok::Str(s)) => Literal::Str(s.clone()),
            Some(Tok::Num(v, t)) => Literal::Num {
                value: *v,
                text: t.clone(),
            },
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Literal::Null,
            _ => return Err(format!("expected a value but found {}", self.found())),
        };
        self.i += 1;
        Ok(lit)
    }
}

fn parse_field(text: &str) -> Result<Vec<String>, String> {
    let parts: Vec<String> = text.split('.').map(str::to_string).collect();
    if parts.iter().any(String::is_empty) {
        return Err(format!("bad field name '{text}'"));
    }
    Ok(parts)
}

/// Parses a `where` expression. `Ok(None)` for an empty (or blank) one.
pub fn parse_where(input: &str) -> Result<Option<Expr>, String> {
    let toks = lex(input)?;
    if toks.is_empty() {
        return Ok(None);
    }
    let mut p = Parser {
        toks,
        i: 0,
        depth: 0,
        end: input.len(),
    };
    let expr = p.parse_or()?;
    if p.peek().is_some() {
        return Err(format!("unexpected {}", p.found()));
    }
    Ok(Some(expr))
}

/// Follows a dotted path through nested objects.
pub fn lookup<'a>(item: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = item;
    for seg in path {
        cur = cur.as_object()?.get(seg)?;
    }
    Some(cur)
}

fn num_eq(n: &serde_json::Number, value: f64, text: &str) -> bool {
    if let (Some(a), Ok(b)) = (n.as_i64(), text.parse::<i64>()) {
        return a == b;
    }
    if let (Some(a), Ok(b)) = (n.as_u64(), text.parse::<u64>()) {
        return a == b;
    }
    n.as_f64() == Some(value)
}

fn eq(field: &Value, lit: &Literal) -> bool {
    match (field, lit) {
        (Value::Null, Literal::Null) => true,
        (Value::Null, _) | (_, Literal::Null) => false,
        (Value::Number(n), Literal::Num { value, text }) => num_eq(n, *value, text),
        (Value::Number(n), Literal::Str(s)) => {
            let t = s.trim();
            t.parse::<f64>().is_ok_and(|v| num_eq(n, v, t))
        }
        (Value::String(s), Literal::Str(t)) => s == t,
        (Value::String(s), Literal::Num { value, text }) => {
            s == text || s.trim().parse::<f64>().is_ok_and(|v| v == *value)
        }
        (Value::Bool(b), Literal::Bool(c)) => b == c,
        (Value::Bool(b), Literal::Str(s)) => (*b && s == "true") || (!*b && s == "false"),
        (Value::String(s), Literal::Bool(b)) => s == if *b { "true" } else { "false" },
        _ => false,
    }
}

/// `%`-only "like" on already-lowercased text and pattern.
fn like(text: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return text == pattern;
    }
    let first = parts[0];
    let last = parts[parts.len() - 1];
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Expr {
    /// Whether `item` (a JSON object) satisfies the expression.
    pub fn matches(&self, item: &Value) -> bool {
        match self {
            Expr::Eq {
                field,
                value,
                negated,
            } => eq(lookup(item, field).unwrap_or(&Value::Null), value) != *negated,
            Expr::Like { field, pattern } => lookup(item, field)
                .and_then(scalar_text)
                .is_some_and(|t| like(&t, pattern)),
            Expr::IsNull { field, negated } => {
                lookup(item, field).is_none_or(Value::is_null) != *negated
            }
            Expr::Not(e) => !e.matches(item),
            Expr::And(v) => v.iter().all(|e| e.matches(item)),
            Expr::Or(v) => v.iter().any(|e| e.matches(item)),
        }
    }
}

fn rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// Total order used by `orderby` (missing fields sort as `null`).
pub fn cmp_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    const NULL: Value = Value::Null;
    let a = a.unwrap_or(&NULL);
    let b = b.unwrap_or(&NULL);
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .unwrap_or(Ordering::Equal),
        },
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Parses `limit`: `offset,count` or `count`.
pub fn parse_limit(s: &str) -> Result<(usize, usize), String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let num = |p: &str| {
        p.parse::<usize>()
            .map_err(|_| format!("expected 'offset,count' or 'count', got '{s}'"))
    };
    match parts.as_slice() {
        [count] => Ok((0, num(count)?)),
        [offset, count] => Ok((num(offset)?, num(count)?)),
        _ => Err(format!("expected 'offset,count' or 'count', got '{s}'")),
    }
}

/// One `orderby` key: the field path and whether it is descending.
pub type OrderKey = (Vec<String>, bool);

/// Parses `orderby`: `field [asc|desc]` (comma-separated keys).
pub fn parse_orderby(s: &str) -> Result<Vec<OrderKey>, String> {
    let mut keys = Vec::new();
    for part in s.split(',') {
        let words: Vec<&str> = part.split_whitespace().collect();
        let (field, desc) = match words.as_slice() {
            [f] => (*f, false),
            [f, d] if d.eq_ignore_ascii_case("asc") => (*f, false),
            [f, d] if d.eq_ignore_ascii_case("desc") => (*f, true),
            [_, d] => return Err(format!("direction must be asc or desc, got '{d}'")),
            [] => return Err(format!("empty sort key in '{s}'")),
            _ => {
                return Err(format!(
                    "expected '<field> asc|desc', got '{}'",
                    part.trim()
                ))
            }
        };
        let valid = field
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
        if !valid {
            return Err(format!("bad field name '{field}'"));
        }
        keys.push((parse_field(field)?, desc));
    }
    Ok(keys)
}

/// The parsed list parameters of one request.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub filter: Option<Expr>,
    /// `(offset, count)`.
    pub limit: Option<(usize, usize)>,
    pub order: Vec<OrderKey>,
}

impl ListQuery {
    /// Reads `where`, `limit` and `orderby` from decoded query parameters (last one wins);
    /// other parameters are ignored.
    pub fn from_params(params: &[(String, String)]) -> Result<Self, QueryError> {
        let mut q = ListQuery::default();
        let get = |name: &str| {
            params
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if let Some(w) = get("where") {
            q.filter = parse_where(w).map_err(|message| QueryError {
                param: "where",
                message,
            })?;
        }
        if let Some(l) = get("limit") {
            q.limit = Some(parse_limit(l).map_err(|message| QueryError {
                param: "limit",
                message,
            })?);
        }
        if let Some(o) = get("orderby") {
            if !o.trim().is_empty() {
                q.order = parse_orderby(o).map_err(|message| QueryError {
                    param: "orderby",
                    message,
                })?;
            }
        }
        Ok(q)
    }

    /// No filter, no order, no limit: the whole list as is.
    pub fn is_trivial(&self) -> bool {
        self.filter.is_none() && self.limit.is_none() && self.order.is_empty()
    }

    /// Filters, sorts and pages `items` (given in id order). Returns the page and the number of
    /// items that matched the filter.
    pub fn apply<'a, T>(
        &self,
        items: impl IntoIterator<Item = &'a T>,
        value_of: impl Fn(&T) -> &Value,
    ) -> (Vec<&'a T>, usize) {
        let mut out: Vec<&'a T> = match &self.filter {
            Some(f) => items
                .into_iter()
                .filter(|it| f.matches(value_of(it)))
                .collect(),
            None => items.into_iter().collect(),
        };
        if !self.order.is_empty() {
            out.sort_by(|a, b| {
                let (va, vb) = (value_of(a), value_of(b));
                for (field, desc) in &self.order {
                    let o = cmp_values(lookup(va, field), lookup(vb, field));
                    let o = if *desc { o.reverse() } else { o };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        let total = out.len();
        if let Some((offset, count)) = self.limit {
            let start = offset.min(total);
            let end = start.saturating_add(count).min(total);
            out = out[start..end].to_vec();
        }
        (out, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn server() -> Value {
        json!({
            "id": 5,
            "domain": "srv5.example.com",
            "owner_email": null,
            "is_new": false,
            "location_id": 3,
            "rack": {"name": "R01"},
            "os_template": {"name": "Ubuntu 22.04", "id": 2},
            "unit": "12",
            "comment": "a+b (c) it's",
            "path": "C:\\dir",
        })
    }

    fn m(expr: &str) -> bool {
        parse_where(expr)
            .unwrap_or_else(|e| panic!("{expr}: {e}"))
            .expect("non-empty")
            .matches(&server())
    }

    #[test]
    fn guide_example() {
        assert!(m(
            "(owner_email IS null) AND is_new EQ false AND location_id EQ 3"
        ));
        assert!(!m(
            "(owner_email IS NOT null) AND is_new EQ false AND location_id EQ 3"
        ));
        assert!(!m(
            "(owner_email IS null) AND is_new EQ true AND location_id EQ 3"
        ));
    }

    #[test]
    fn keywords_case_insensitive() {
        assert!(m("owner_email is NULL and is_new eq FALSE"));
        assert!(m("not id eq 4"));
        assert!(m("id Ne 4"));
    }

    #[test]
    fn numbers_and_quoted_numbers() {
        assert!(m("id EQ 5"));
        assert!(m("id EQ '5'"));
        assert!(m("id EQ 5.0"));
        assert!(!m("id EQ '6'"));
        assert!(!m("id EQ 'five'"));
        assert!(m("id NE 6"));
        assert!(m("unit EQ 12"));
        assert!(m("unit EQ '12'"));
        assert!(m("location_id EQ -3 OR location_id EQ 3"));
    }

    #[test]
    fn strings_are_case_sensitive_but_cp_is_not() {
        assert!(m("domain EQ 'srv5.example.com'"));
        assert!(!m("domain EQ 'SRV5.example.com'"));
        assert!(m("domain CP 'SRV5%'"));
        assert!(m("domain CP '%example%'"));
        assert!(m("domain CP '%.com'"));
        assert!(m("domain CP 'srv%example%com'"));
        assert!(!m("domain CP 'srv%net'"));
        assert!(!m("domain CP 'example'"));
        assert!(m("id CP '5'"));
        assert!(!m("owner_email CP '%'"));
    }

    #[test]
    fn dotted_fields() {
        assert!(m("rack.name EQ 'R01'"));
        assert!(m("os_template.name CP 'ubuntu%'"));
        assert!(m("os_template.id EQ 2"));
        assert!(m("rack.missing IS null"));
        assert!(m("nothing.at.all IS null"));
        assert!(!m("rack IS null"));
    }

    #[test]
    fn null_semantics() {
        assert!(m("owner_email EQ null"));
        assert!(!m("owner_email NE null"));
        assert!(m("owner_email NE 'client@example.com'"));
        assert!(!m("owner_email EQ 'client@example.com'"));
        assert!(m("missing_field IS null"));
    }

    #[test]
    fn precedence_and_parentheses() {
        // AND binds tighter than OR: false AND false OR true = true
        assert!(m("id EQ 1 AND id EQ 2 OR id EQ 5"));
        // true OR (false AND false) = true
        assert!(m("id EQ 5 OR id EQ 1 AND id EQ 2"));
        // (true OR false) AND false = false
        assert!(!m("(id EQ 5 OR id EQ 1) AND id EQ 2"));
        assert!(m("NOT (id EQ 1 OR id EQ 2)"));
        assert!(m("NOT NOT id EQ 5"));
        assert!(m("((((id EQ 5))))"));
    }

    #[test]
    fn special_characters_in_strings() {
        assert!(m(r"comment EQ 'a+b (c) it\'s'"));
        assert!(m(r"comment CP '%+b (c%'"));
        assert!(m(r"comment CP '%it\'s'"));
        assert!(m(r"path EQ 'C:\\dir'"));
        assert!(m("domain NE ') OR id EQ 5 OR ('"));
    }

    #[test]
    fn parse_tree_shape() {
        let e = parse_where("a EQ 1 OR b EQ 'x' AND NOT c IS NOT null")
            .unwrap()
            .unwrap();
        match e {
            Expr::Or(v) => {
                assert_eq!(v.len(), 2);
                assert!(matches!(v[1], Expr::And(ref w) if w.len() == 2));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "id EQ",
            "id",
            "id EQUALS 5",
            "EQ 5",
            "(id EQ 5",
            "id EQ 5)",
            "id EQ 'unterminated",
            "id EQ 5 AND",
            "id EQ 5 id EQ 6",
            "id IS 5",
            "id CP",
            "id EQ \"5\"",
            "id EQ 5 # x",
            "a..b EQ 1",
            "AND EQ 1",
        ] {
            assert!(parse_where(bad).is_err(), "should fail: {bad}");
        }
        let deep = format!("{}id EQ 1{}", "(".repeat(1000), ")".repeat(1000));
        assert!(parse_where(&deep).unwrap_err().contains("nested"));
        let nots = format!("{}id EQ 1", "NOT ".repeat(1000));
        assert!(parse_where(&nots).is_err());
        assert_eq!(parse_where("   ").unwrap(), None);
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit("0,400"), Ok((0, 400)));
        assert_eq!(parse_limit("100"), Ok((0, 100)));
        assert_eq!(parse_limit(" 5 , 10 "), Ok((5, 10)));
        assert!(parse_limit("a").is_err());
        assert!(parse_limit("1,2,3").is_err());
        assert!(parse_limit("-1,5").is_err());
        assert!(parse_limit("").is_err());
    }

    #[test]
    fn orderby_parsing() {
        assert_eq!(
            parse_orderby("id desc").unwrap(),
            vec![(vec!["id".to_string()], true)]
        );
        assert_eq!(
            parse_orderby("rack.name ASC, id desc").unwrap(),
            vec![
                (vec!["rack".to_string(), "name".to_string()], false),
                (vec!["id".to_string()], true)
            ]
        );
        assert_eq!(
            parse_orderby("domain").unwrap(),
            vec![(vec!["domain".to_string()], false)]
        );
        assert!(parse_orderby("id sideways").is_err());
        assert!(parse_orderby("id asc extra").is_err());
        assert!(parse_orderby("i'd").is_err());
    }

    #[test]
    fn apply_filter_order_limit() {
        let items: Vec<Value> = (1..=10)
            .map(|i| json!({"id": i, "loc": i % 3, "name": if i % 2 == 0 { Value::Null } else { json!(format!("n{i}")) }}))
            .collect();
        let params = vec![
            ("where".to_string(), "loc NE 0".to_string()),
            ("orderby".to_string(), "loc desc, id asc".to_string()),
            ("limit".to_string(), "1,3".to_string()),
        ];
        let q = ListQuery::from_params(&params).unwrap();
        let (page, total) = q.apply(items.iter(), |v| v);
        let ids: Vec<i64> = page.iter().map(|v| v["id"].as_i64().unwrap()).collect();
        // loc != 0: ids 1,2,4,5,7,8,10 (7 items); loc desc: 2,5,8 (loc 2), 1,4,7,10 (loc 1)
        assert_eq!(total, 7);
        assert_eq!(ids, vec![5, 8, 1]);

        let q = ListQuery::from_params(&[("orderby".into(), "name asc".into())]).unwrap();
        let (page, _) = q.apply(items.iter(), |v| v);
        let ids: Vec<i64> = page.iter().map(|v| v["id"].as_i64().unwrap()).collect();
        // nulls first in id order, then strings n1 < n3 < n5 < n7 < n9
        assert_eq!(ids, vec![2, 4, 6, 8, 10, 1, 3, 5, 7, 9]);

        let q = ListQuery::from_params(&[("limit".into(), "8,5".into())]).unwrap();
        let (page, total) = q.apply(items.iter(), |v| v);
        assert_eq!((page.len(), total), (2, 10));
        let q = ListQuery::from_params(&[("limit".into(), "50,5".into())]).unwrap();
        assert_eq!(q.apply(items.iter(), |v| v).0.len(), 0);

        let err = ListQuery::from_params(&[("where".into(), "id EQ".into())]).unwrap_err();
        assert_eq!(err.param, "where");
    }
}
