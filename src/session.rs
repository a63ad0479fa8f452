//! The session: the token the client sends, the credentials it may log in again with, the
//! single-flight renewal after an expired session, and the wire format of a login.
//!
//! The platform deletes a token unused for 60 minutes; requests then fail with HTTP 401 or
//! error code 3001. A client that holds credentials (from [`Client::login`] or
//! [`Client::set_credentials`]) logs in again once and repeats the request once; when many
//! threads see the expiry at the same moment, one of them logs in and the others wait for it
//! and reuse its token. This module knows nothing of [`Client`]: the client's pipeline asks it
//! for the current session and hands it a function that performs the login.
//!
//! [`Client`]: crate::Client
//! [`Client::login`]: crate::Client::login
//! [`Client::set_credentials`]: crate::Client::set_credentials

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use serde_json::{json, Value};
use ureq::http::header::{ACCEPT, CONTENT_TYPE, COOKIE, HOST, USER_AGENT};
use ureq::http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};
use crate::request::Request;
use crate::response::Response;
use crate::secret::{Secret, Secrets};

/// How many times one call may renew an expired session. The second and later renewals
/// happen only when the platform confirms that the renewed session expired too.
pub(crate) const MAX_RENEWALS: u32 = 3;

/// What the client sends with: the token, and the credentials to log in again with.
#[derive(Default)]
pub(crate) struct Session {
    pub token: Option<Secret>,
    /// The headers that carry the token — `x-xsrf-token: <token>` and `cookie: ses6=<token>`
    /// — made once per token; each request takes a reference to their bytes (wiped when the
    /// last one goes).
    pub headers: Option<TokenHeaders>,
    pub creds: Option<Arc<Credentials>>,
    /// Changes whenever the token does.
    pub generation: u64,
}

/// The values of the two headers that carry a session token, and the whole header sets of
/// the common requests made with it (cloned per request instead of built).
#[derive(Clone)]
pub(crate) struct TokenHeaders {
    pub xsrf: HeaderValue,
    pub cookie: HeaderValue,
    /// Host, User-Agent, Accept, isp-box-instance, x-xsrf-token, cookie.
    pub plain: HeaderMap,
    /// The same and `Content-Type: application/json`.
    pub json: HeaderMap,
}

/// The client's own headers of a platform request (see [`TokenHeaders`]).
pub(crate) fn base_headers(host: &HeaderValue, capacity: usize) -> HeaderMap {
    let mut h = HeaderMap::with_capacity(capacity);
    h.insert(HOST, host.clone());
    h.insert(
        USER_AGENT,
        HeaderValue::from_static(crate::transport::USER_AGENT),
    );
    h.insert(ACCEPT, HeaderValue::from_static(crate::request::JSON));
    h
}

impl TokenHeaders {
    /// The headers for a token that [`check_token`] accepted, to a host.
    fn new(token: &Secret, host: &HeaderValue) -> Option<Self> {
        let value = |text: String| {
            let mut v =
                HeaderValue::from_maybe_shared(Bytes::from_owner(WipedBytes(text.into_bytes())))
                    .ok()?;
            v.set_sensitive(true);
            Some(v)
        };
        let xsrf = value(token.expose().to_owned())?;
        let cookie = value(format!("ses6={}", token.expose()))?;
        let mut plain = base_headers(host, 8);
        plain.insert(ISP_BOX_INSTANCE, HeaderValue::from_static("true"));
        plain.insert(X_XSRF_TOKEN, xsrf.clone());
        plain.insert(COOKIE, cookie.clone());
        let mut json = plain.clone();
        json.insert(CONTENT_TYPE, HeaderValue::from_static(crate::request::JSON));
        Some(TokenHeaders {
            xsrf,
            cookie,
            plain,
            json,
        })
    }
}

/// The platform's own headers, by their (static, lower-case) names.
pub(crate) const ISP_BOX_INSTANCE: HeaderName = HeaderName::from_static("isp-box-instance");
pub(crate) const X_XSRF_TOKEN: HeaderName = HeaderName::from_static("x-xsrf-token");

/// Bytes overwritten with zeros when dropped (the owner behind a token's header values).
struct WipedBytes(Vec<u8>);

impl AsRef<[u8]> for WipedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for WipedBytes {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // SAFETY: writing through a valid &mut u8.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    }
}

/// An e-mail and password kept for renewals (wiped on drop).
pub(crate) struct Credentials {
    pub email: Secret,
    pub password: Secret,
}

impl Credentials {
    pub fn new(email: &str, password: &str) -> Result<Arc<Self>> {
        required("the e-mail", "email", email)?;
        required("the password", "password", password)?;
        Ok(Arc::new(Credentials {
            email: Secret::new(email),
            password: Secret::new(password),
        }))
    }
}

impl Session {
    /// The secrets this session holds (token, password): no error text may show them.
    pub fn secrets(&self) -> Secrets<'_> {
        let mut s = Secrets::none();
        if let Some(t) = &self.token {
            s.add(t.expose());
        }
        if let Some(c) = &self.creds {
            s.add(c.password.expose());
        }
        s
    }
}

/// The client's session, replaced as a whole (readers never see half a change).
pub(crate) struct SessionStore {
    /// The client's `Host` header, for the token's header sets.
    host: HeaderValue,
    current: RwLock<Arc<Session>>,
    /// Held by the one thread that logs in again.
    renewing: Mutex<()>,
    renewals: AtomicU64,
}

impl SessionStore {
    /// An empty session for a client of this host.
    pub fn new(host: HeaderValue) -> Self {
        SessionStore {
            host,
            current: RwLock::default(),
            renewing: Mutex::new(()),
            renewals: AtomicU64::new(0),
        }
    }

    pub fn current(&self) -> Arc<Session> {
        Arc::clone(&self.current.read())
    }

    /// Replaces token and credentials.
    pub fn replace(&self, token: Option<Secret>, creds: Option<Arc<Credentials>>) {
        let mut cur = self.current.write();
        let generation = cur.generation + 1;
        *cur = Arc::new(Session {
            headers: token
                .as_ref()
                .and_then(|t| TokenHeaders::new(t, &self.host)),
            token,
            creds,
            generation,
        });
    }

    /// Sets the credentials, keeping the token.
    pub fn set_credentials(&self, creds: Option<Arc<Credentials>>) {
        let mut cur = self.current.write();
        *cur = Arc::new(Session {
            token: cur.token.clone(),
            headers: cur.headers.clone(),
            creds,
            generation: cur.generation + 1,
        });
    }

    /// After an unauthorized answer to a request sent with session `seen` (or before a
    /// request when there is no token yet): makes sure a newer token exists, logging in with
    /// `login` if no other thread did meanwhile. `Ok(false)` when there is nothing to log in
    /// with (no credentials).
    pub fn renew(
        &self,
        seen: u64,
        login: impl FnOnce(&Credentials) -> Result<LoginInfo>,
    ) -> Result<bool> {
        let _one_at_a_time = self.renewing.lock();
        let session = self.current();
        if session.generation != seen {
            return Ok(true); // another thread has already replaced the token
        }
        let Some(creds) = &session.creds else {
            return Ok(false);
        };
        let info = login(creds)?;
        self.renewals.fetch_add(1, Ordering::Relaxed);
        self.replace(Some(info.token), Some(Arc::clone(creds)));
        Ok(true)
    }

    /// How many renewals (logins after an expiry, or before the first request) happened.
    pub fn renewals(&self) -> u64 {
        self.renewals.load(Ordering::Relaxed)
    }
}

/// The answer to a login (by password or by key).
#[derive(Debug, Clone)]
pub struct LoginInfo {
    /// The platform's `confirmed` flag (`false` when absent).
    pub confirmed: bool,
    /// The user's id; the platform sends it as a string or a number, here it is text.
    pub id: String,
    /// The session token, now in use by the client. Its `Debug` shows `[redacted]`.
    pub token: Secret,
}

/// A JSON value that the platform sends as a string or a number, as text.
pub(crate) fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A string field of a success answer, or a decode error naming it.
pub(crate) fn text_field<'v>(resp: &Response, v: &'v Value, name: &str) -> Result<&'v str> {
    v.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| resp.decode_error(format!("the answer has no \"{name}\" string")))
}

/// Checks that a token can travel in a header and a cookie (no spaces, controls, `;`, `,`,
/// quotes or backslashes). The token itself never appears in the message.
pub(crate) fn check_token(token: &str) -> Result<()> {
    if token.is_empty() {
        return Err(Error::invalid_arg("token", "the token is empty"));
    }
    if !token
        .bytes()
        .all(|b| (0x21..0x7f).contains(&b) && !b"\";,\\".contains(&b))
    {
        return Err(Error::invalid_arg(
            "token",
            "the token contains a character that cannot be sent in a header or cookie \
             (space, control character such as CR/LF, quote, comma, semicolon or backslash)",
        ));
    }
    Ok(())
}

/// Refuses an empty required argument.
pub(crate) fn required<'a>(what: &str, argument: &'static str, value: &'a str) -> Result<&'a str> {
    if value.is_empty() {
        Err(Error::invalid_arg(argument, format!("{what} is empty")))
    } else {
        Ok(value)
    }
}

/// The body of a password login, kept as a secret (wiped on drop).
pub(crate) fn login_body(email: &str, password: &str) -> Secret {
    Secret::new(json!({ "email": email, "password": password }).to_string())
}

/// POST `auth/v4/public/token` with a body from [`login_body`]; the password is marked as a
/// secret of the request.
pub(crate) fn login_request<'a>(body: &'a Secret, password: &'a str) -> Request<'a> {
    Request::post("auth/v4/public/token")
        .json_text(body.expose())
        .secret(password)
        .public()
}

/// Reads `{confirmed, id, token}` out of a login answer (any 2xx; the id as a string or a
/// number). A token that could not travel in a header is a decode error: the login was sent.
pub(crate) fn read_login_answer(resp: Response) -> Result<LoginInfo> {
    let resp = resp.error_for_status()?;
    let v = resp.json()?;
    let token = text_field(&resp, &v, "token")?;
    if let Err(e) = check_token(token) {
        return Err(resp.decode_error(format!("the platform's token is unusable: {}", e.message())));
    }
    Ok(LoginInfo {
        confirmed: v.get("confirmed").and_then(Value::as_bool).unwrap_or(false),
        id: v.get("id").and_then(id_text).unwrap_or_default(),
        token: Secret::new(token),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_that_cannot_travel_are_refused_without_echo() {
        for bad in ["", "a b", "a\r\nx", "a;b", "a,b", "a\"b", "a\\b", "é"] {
            let e = check_token(bad).unwrap_err();
            assert!(bad.is_empty() || !e.to_string().contains(bad), "{e}");
            assert_eq!(e.argument(), Some("token"));
        }
        check_token("24-cee181d2-ccaa-4b64-a229-234aa7a25db6").unwrap();
    }

    #[test]
    fn ids_as_text() {
        assert_eq!(id_text(&json!("24")).as_deref(), Some("24"));
        assert_eq!(id_text(&json!(24)).as_deref(), Some("24"));
        assert_eq!(id_text(&Value::Null), None);
    }

    #[test]
    fn a_token_with_a_line_break_is_a_decode_error() {
        let body = br#"{"confirmed":true,"id":"3","token":"3-abc\r\nSet-Cookie: x"}"#;
        let e = read_login_answer(Response::from_parts(200, body.to_vec())).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Decode);
        assert!(e.request_sent());
        assert!(!e.to_string().contains("3-abc"), "{e}");
    }

    #[test]
    fn ids_numbers_or_strings_and_any_2xx() {
        for (status, body) in [
            (200, &br#"{"confirmed":true,"id":"3","token":"3-a"}"#[..]),
            (201, br#"{"confirmed":true,"id":3,"token":"3-a"}"#),
        ] {
            let info = read_login_answer(Response::from_parts(status, body.to_vec())).unwrap();
            assert_eq!((info.id.as_str(), info.confirmed), ("3", true));
        }
    }
}
