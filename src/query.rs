//! Lists: the platform's `where` language, `limit=offset,count`, `orderby`, and paging through
//! `{"list":[...],"size":N}`.
//!
//! ```
//! use dcimanager::{ListQuery, Where};
//! let w = Where::is_null("owner_email")
//!     .and(Where::eq("is_new", false))
//!     .and(Where::eq("location_id", 3));
//! assert_eq!(w.to_string(), "(owner_email IS null) AND is_new EQ false AND location_id EQ 3");
//! let q = ListQuery::new().filter(w).order_by("id", dcimanager::Order::Asc).limit(0, 400);
//! assert_eq!(q.pairs()[1], ("limit".to_string(), "0,400".to_string()));
//! ```
//! Strings are single-quoted with `\` escaping `'` and `\`; query values are percent-encoded
//! by the client, so `+`, `(`, `)` and `'` reach the server intact.

use std::fmt;

use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::Request;

/// A value in a `where` comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string, sent single-quoted.
    Str(String),
    /// An integer.
    Int(i64),
    /// `true` / `false`.
    Bool(bool),
}

impl From<&str> for Literal {
    fn from(v: &str) -> Self {
        Literal::Str(v.to_owned())
    }
}
impl From<String> for Literal {
    fn from(v: String) -> Self {
        Literal::Str(v)
    }
}
impl From<i64> for Literal {
    fn from(v: i64) -> Self {
        Literal::Int(v)
    }
}
impl From<i32> for Literal {
    fn from(v: i32) -> Self {
        Literal::Int(v.into())
    }
}
impl From<u32> for Literal {
    fn from(v: u32) -> Self {
        Literal::Int(v.into())
    }
}
impl From<bool> for Literal {
    fn from(v: bool) -> Self {
        Literal::Bool(v)
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => {
                f.write_str("'")?;
                for c in s.chars() {
                    if c == '\'' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("'")
            }
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A string as a `where` literal: single-quoted, with `\` before `'` and `\`.
///
/// ```
/// assert_eq!(dcimanager::quote("it's"), r"'it\'s'");
/// let filter = format!("owner_email EQ {}", dcimanager::quote("client@example.com"));
/// assert_eq!(filter, "owner_email EQ 'client@example.com'");
/// ```
pub fn quote(text: &str) -> String {
    Literal::Str(text.to_owned()).to_string()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Atom,
    And,
    Or,
}

/// A `where` expression. Build it from comparisons and combine with [`and`](Where::and),
/// [`or`](Where::or) and [`not`](Where::not); `Display` renders the platform's syntax.
#[derive(Debug, Clone, PartialEq)]
pub struct Where {
    text: String,
    shape: Shape,
    /// A field name that is not an identifier, reported when the query is used.
    bad_field: Option<String>,
}

fn is_field(f: &str) -> bool {
    !f.is_empty()
        && f.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

impl Where {
    fn cmp(field: &str, op: &str, value: impl fmt::Display) -> Self {
        Where {
            text: format!("{field} {op} {value}"),
            shape: Shape::Atom,
            bad_field: (!is_field(field)).then(|| field.to_owned()),
        }
    }

    /// `field EQ value`.
    pub fn eq(field: &str, value: impl Into<Literal>) -> Self {
        Self::cmp(field, "EQ", value.into())
    }

    /// `field NE value`.
    pub fn ne(field: &str, value: impl Into<Literal>) -> Self {
        Self::cmp(field, "NE", value.into())
    }

    /// `field CP 'pattern'` (like; `%` matches any text).
    pub fn cp(field: &str, pattern: &str) -> Self {
        Self::cmp(field, "CP", Literal::from(pattern))
    }

    /// `field IS null`.
    pub fn is_null(field: &str) -> Self {
        Self::cmp(field, "IS", "null")
    }

    /// `NOT field IS null`.
    pub fn is_not_null(field: &str) -> Self {
        Self::is_null(field).not()
    }

    /// An expression written by hand, used as is (parenthesized when combined).
    pub fn raw(text: &str) -> Self {
        Where {
            text: text.to_owned(),
            shape: Shape::Or,
            bad_field: None,
        }
    }

    /// Renders an operand of `outer`: compound operands of another operator get parentheses,
    /// and so does `IS null` inside AND (as in the platform's own example).
    fn operand(&self, outer: Shape) -> String {
        let bare = match (self.shape, outer) {
            (Shape::Atom, Shape::And) => !self.text.ends_with(" IS null"),
            (Shape::Atom, _) => true,
            (inner, outer) => inner == outer,
        };
        if bare {
            self.text.clone()
        } else {
            format!("({})", self.text)
        }
    }

    fn combine(self, op: &str, shape: Shape, other: Where) -> Where {
        Where {
            text: format!("{} {op} {}", self.operand(shape), other.operand(shape)),
            shape,
            bad_field: self.bad_field.or(other.bad_field),
        }
    }

    /// `self AND other`.
    pub fn and(self, other: Where) -> Where {
        self.combine("AND", Shape::And, other)
    }

    /// `self OR other`.
    pub fn or(self, other: Where) -> Where {
        self.combine("OR", Shape::Or, other)
    }

    /// `NOT (self)`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Where {
        Where {
            text: format!("NOT ({})", self.text),
            shape: Shape::Atom,
            bad_field: self.bad_field,
        }
    }

    fn check(&self) -> Result<()> {
        match &self.bad_field {
            Some(f) => Err(Error::invalid_arg(
                "where",
                format!("{f:?} is not a field name"),
            )),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Where {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Sort direction for [`ListQuery::order_by`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// The parameters of a list call: `where`, `orderby`, `limit`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    filter: Option<Where>,
    order: Option<String>,
    limit: Option<(u64, u64)>,
}

impl ListQuery {
    /// No filter, no order, no limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the `where` filter.
    pub fn filter(mut self, w: Where) -> Self {
        self.filter = Some(w);
        self
    }

    /// Sets `orderby=<field> asc|desc`.
    pub fn order_by(mut self, field: &str, order: Order) -> Self {
        let dir = match order {
            Order::Asc => "asc",
            Order::Desc => "desc",
        };
        self.order = Some(format!("{field} {dir}"));
        self
    }

    /// Sets `orderby` as written, e.g. `"id asc"`.
    pub fn order_by_raw(mut self, orderby: &str) -> Self {
        self.order = Some(orderby.to_owned());
        self
    }

    /// Sets `limit=offset,count`.
    pub fn limit(mut self, offset: u64, count: u64) -> Self {
        self.limit = Some((offset, count));
        self
    }

    /// The query parameters, unencoded, in the order `where`, `limit`, `orderby`.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut v = Vec::with_capacity(3);
        if let Some(w) = &self.filter {
            v.push(("where".into(), w.to_string()));
        }
        if let Some((o, c)) = self.limit {
            v.push(("limit".into(), format!("{o},{c}")));
        }
        if let Some(o) = &self.order {
            v.push(("orderby".into(), o.clone()));
        }
        v
    }
}

/// One page of a list answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The items of this page.
    pub items: Vec<Value>,
    /// The platform's `size`: the number of items matching in all, when it sent it.
    pub size: Option<u64>,
}

impl ListQuery {
    /// The query with a `where` given as text (used as is), for bindings that take a string.
    pub fn filter_text(mut self, text: &str) -> Self {
        self.filter = Some(Where::raw(text));
        self
    }
}

impl Client {
    /// GET a list (`{"list":[...],"size":N}`) with a query.
    pub fn list(&self, path: &str, query: &ListQuery) -> Result<Page> {
        if let Some(w) = &query.filter {
            w.check()?;
        }
        let pairs = query.pairs();
        let mut req = Request::get(path);
        for (k, v) in &pairs {
            req = req.query(k.as_str(), v.as_str());
        }
        let resp = self.send(&req)?.error_for_status()?;
        let mut v = resp.json()?;
        let items = match v.get_mut("list").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => return Err(resp.decode_error("the answer has no \"list\" array")),
        };
        let size = v.get("size").and_then(|s| match s {
            Value::Number(n) => n.as_u64(),
            Value::String(t) => t.parse().ok(),
            _ => None,
        });
        Ok(Page { items, size })
    }

    /// Iterates over every item of a list, `page_size` items per request (the query's own
    /// limit is replaced). Stops after the first error, which it yields.
    pub fn paginate<'c>(&'c self, path: &str, query: ListQuery, page_size: u64) -> Pages<'c> {
        Pages {
            client: self,
            cursor: Paginator::new(path, query, page_size),
        }
    }
}

/// The state of a walk through a list, page by page, without a borrow of the client: the
/// engine of [`Pages`], and of the C ABI's and the bindings' iterators, which keep their
/// client alive by other means.
#[derive(Debug, Clone)]
pub struct Paginator {
    path: String,
    query: ListQuery,
    page_size: u64,
    offset: u64,
    total: Option<u64>,
    buffer: std::vec::IntoIter<Value>,
    done: bool,
}

impl Paginator {
    /// A walk through the list at `path`, `page_size` (at least 1) items per request.
    pub fn new(path: &str, query: ListQuery, page_size: u64) -> Self {
        Paginator {
            path: path.to_owned(),
            query,
            page_size: page_size.max(1),
            offset: 0,
            total: None,
            buffer: Vec::new().into_iter(),
            done: false,
        }
    }

    /// The next item, fetching the next page with `client` when the current one is used up;
    /// `None` after the last item, or after an error (which is returned once).
    pub fn next_item(&mut self, client: &Client) -> Option<Result<Value>> {
        loop {
            if let Some(item) = self.buffer.next() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.fetch(client) {
                return Some(Err(e));
            }
        }
    }

    /// Whether the next [`next_item`](Self::next_item) needs a request (the current page is
    /// used up and the walk is not over) — for callers that must release a lock first.
    pub fn needs_fetch(&self) -> bool {
        self.buffer.len() == 0 && !self.done
    }

    /// The platform's count of matching items, once a page has told it.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    fn fetch(&mut self, client: &Client) -> Result<()> {
        let q = self.query.clone().limit(self.offset, self.page_size);
        match client.list(&self.path, &q) {
            Ok(page) => {
                let n = page.items.len() as u64;
                self.offset += n;
                self.total = page.size.or(self.total);
                self.done = n < self.page_size || page.size.is_some_and(|s| self.offset >= s);
                self.buffer = page.items.into_iter();
                Ok(())
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }
}

/// The iterator of [`Client::paginate`].
pub struct Pages<'c> {
    client: &'c Client,
    cursor: Paginator,
}

impl Pages<'_> {
    /// The platform's count of matching items, once a page has told it.
    pub fn total(&self) -> Option<u64> {
        self.cursor.total()
    }
}

impl Iterator for Pages<'_> {
    type Item = Result<Value>;

    fn next(&mut self) -> Option<Self::Item> {
        self.cursor.next_item(self.client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_platform_example() {
        let w = Where::is_null("owner_email")
            .and(Where::eq("is_new", false))
            .and(Where::eq("location_id", 3));
        assert_eq!(
            w.to_string(),
            "(owner_email IS null) AND is_new EQ false AND location_id EQ 3"
        );
    }

    #[test]
    fn precedence_and_quoting() {
        let w = Where::eq("a", 1)
            .or(Where::eq("b", "x'y"))
            .and(Where::cp("domain", "%srv(1)+%"));
        assert_eq!(
            w.to_string(),
            r"(a EQ 1 OR b EQ 'x\'y') AND domain CP '%srv(1)+%'"
        );
        let w = Where::eq("a", 1)
            .and(Where::eq("b", 2))
            .or(Where::eq("c", 3))
            .not();
        assert_eq!(w.to_string(), "NOT ((a EQ 1 AND b EQ 2) OR c EQ 3)");
        assert_eq!(
            Where::is_not_null("rack.name").to_string(),
            "NOT (rack.name IS null)"
        );
        assert_eq!(Where::eq("s", r"a\b").to_string(), r"s EQ 'a\\b'");
    }

    #[test]
    fn bad_fields_are_reported() {
        assert!(Where::eq("a b", 1).check().is_err());
        assert!(Where::eq("a", 1).and(Where::eq("x;y", 1)).check().is_err());
        assert!(Where::eq("rack.name", "r1").check().is_ok());
    }
}
