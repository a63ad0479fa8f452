//! Authentication: the session token, the credentials kept for re-login, the single-flight
//! re-login after an expired session, and the auth v4 calls (login, key login, keys,
//! long-lived tokens, token TTL, whoami, logout).
//!
//! The platform deletes a token unused for 60 minutes; requests then fail with HTTP 401 or
//! error code 3001. A client that logged in with [`Client::login`] keeps the credentials in
//! memory (wiped on drop) and, on such an answer, logs in again once and repeats the request
//! once. When many threads see the expiry at the same moment, one of them logs in and the
//! others wait for it and reuse its token.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use serde_json::{json, Value};

use crate::client::{Client, Request, Response};
use crate::error::{excerpt, Error, Result};
use crate::paths::encode_component;
use crate::secret::Secret;

/// What the client sends with: the token, and the credentials to log in again with.
#[derive(Default)]
pub(crate) struct Session {
    pub token: Option<Secret>,
    /// `ses6=<token>`, the cookie sent with the token, made once per token.
    pub cookie: Option<Secret>,
    pub creds: Option<Credentials>,
    /// Changes whenever the token does.
    pub generation: u64,
}

pub(crate) struct Credentials {
    email: Secret,
    password: Secret,
}

impl Session {
    /// Secrets that must not appear in any error text.
    pub fn known_secrets(&self) -> Vec<&str> {
        let mut v = Vec::with_capacity(2);
        if let Some(t) = &self.token {
            v.push(t.expose());
        }
        if let Some(c) = &self.creds {
            v.push(c.password.expose());
        }
        v
    }
}

#[derive(Default)]
pub(crate) struct AuthState {
    current: RwLock<Arc<Session>>,
    /// Held by the one thread that logs in again.
    relogin: Mutex<()>,
    relogins: AtomicU64,
}

impl AuthState {
    pub fn current(&self) -> Arc<Session> {
        Arc::clone(&self.current.read())
    }

    fn replace(&self, token: Option<Secret>, creds: Option<Credentials>) {
        let mut cur = self.current.write();
        let generation = cur.generation + 1;
        *cur = Arc::new(Session {
            cookie: token
                .as_ref()
                .map(|t| Secret::new(format!("ses6={}", t.expose()))),
            token,
            creds,
            generation,
        });
    }

    /// After an unauthorized answer to a request sent with session `seen`: makes sure a newer
    /// token exists, logging in again if nobody else did. `Ok(false)` when there is nothing
    /// to log in with (no credentials).
    pub fn relogin(&self, client: &Client, seen: u64) -> Result<bool> {
        let _one_at_a_time = self.relogin.lock();
        let session = self.current();
        if session.generation != seen {
            return Ok(true); // another thread has already replaced the token
        }
        let Some(creds) = &session.creds else {
            return Ok(false);
        };
        let info = client.login_call(creds.email.expose(), creds.password.expose())?;
        self.relogins.fetch_add(1, Ordering::Relaxed);
        self.replace(
            Some(info.token),
            Some(Credentials {
                email: creds.email.clone(),
                password: creds.password.clone(),
            }),
        );
        Ok(true)
    }
}

/// The answer to a login (by password or by key).
#[derive(Debug, Clone)]
pub struct LoginInfo {
    /// The platform's `confirmed` flag (`false` when absent).
    pub confirmed: bool,
    /// The user's id; the platform sends it as a string or a number, here it is text.
    pub id: String,
    /// The session token, now in use by the client.
    pub token: Secret,
}

/// A key for single sign-on, from [`Client::create_key`].
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// The key's id (text, whether the platform sent a string or a number).
    pub id: String,
    /// The key: log in with it ([`Client::login_with_key`]) or send the user to
    /// [`Client::key_login_url`]. Valid for one hour.
    pub key: Secret,
}

/// A JSON value that the platform sends as a string or a number, as text.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A string field of a success answer, or a decode error naming it (with a scrubbed excerpt).
fn text_field<'v>(resp: &Response, v: &'v Value, name: &str) -> Result<&'v str> {
    v.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Decode {
            message: format!("the answer has no \"{name}\" string"),
            excerpt: excerpt(resp.body(), &[]),
        })
}

/// Checks that a token can travel in a header and a cookie (no spaces, controls, `;`, `,`,
/// quotes or backslashes). The token itself never appears in the message.
pub(crate) fn check_token(token: &str) -> Result<()> {
    if token.is_empty() {
        return Err(Error::invalid("the token is empty"));
    }
    if !token
        .bytes()
        .all(|b| (0x21..0x7f).contains(&b) && !b"\";,\\".contains(&b))
    {
        return Err(Error::invalid(
            "the token contains a character that cannot be sent in a header or cookie \
             (space, control character such as CR/LF, quote, comma, semicolon or backslash)",
        ));
    }
    Ok(())
}

fn required<'a>(what: &str, value: &'a str) -> Result<&'a str> {
    if value.is_empty() {
        Err(Error::invalid(format!("{what} is empty")))
    } else {
        Ok(value)
    }
}

impl Client {
    /// POST auth/v4/public/token; does not touch the session.
    fn login_call(&self, email: &str, password: &str) -> Result<LoginInfo> {
        let body = Secret::new(json!({ "email": email, "password": password }).to_string());
        let req = Request::post("auth/v4/public/token")
            .json_text(body.expose())
            .public();
        self.session_answer(self.send(&req)?)
    }

    /// Reads `{confirmed, id, token}` out of a login answer (any 2xx).
    fn session_answer(&self, resp: Response) -> Result<LoginInfo> {
        let resp = resp.error_for_status()?;
        let v = resp.json()?;
        let token = text_field(&resp, &v, "token")?;
        check_token(token)?;
        Ok(LoginInfo {
            confirmed: v.get("confirmed").and_then(Value::as_bool).unwrap_or(false),
            id: v.get("id").and_then(id_text).unwrap_or_default(),
            token: Secret::new(token),
        })
    }

    /// Logs in with e-mail and password (POST `auth/v4/public/token`) and uses the token from
    /// then on. The credentials are kept in memory, wiped on drop, to log in again once when
    /// the session expires.
    pub fn login(&self, email: &str, password: &str) -> Result<LoginInfo> {
        required("the e-mail", email)?;
        required("the password", password)?;
        let info = self.login_call(email, password)?;
        self.auth.replace(
            Some(info.token.clone()),
            Some(Credentials {
                email: Secret::new(email),
                password: Secret::new(password),
            }),
        );
        Ok(info)
    }

    /// Logs in with a single sign-on key (POST `auth/v4/public/key`) and uses the token from
    /// then on. Credentials from an earlier [`login`](Self::login) are forgotten: a key
    /// session is not renewed automatically.
    pub fn login_with_key(&self, key: &str) -> Result<LoginInfo> {
        required("the key", key)?;
        let body = Secret::new(json!({ "key": key }).to_string());
        let req = Request::post("auth/v4/public/key")
            .json_text(body.expose())
            .public();
        let info = self.session_answer(self.send(&req)?)?;
        self.auth.replace(Some(info.token.clone()), None);
        Ok(info)
    }

    /// Creates a single sign-on key for a user, given by e-mail or id (POST
    /// `auth/v4/user/<user>/key`; admin only).
    pub fn create_key(&self, user: &str) -> Result<KeyInfo> {
        required("the user", user)?;
        let path = format!("auth/v4/user/{}/key", encode_component(user));
        let resp = self.send(&Request::post(path))?.error_for_status()?;
        let v = resp.json()?;
        let key = text_field(&resp, &v, "key")?;
        Ok(KeyInfo {
            id: v.get("id").and_then(id_text).unwrap_or_default(),
            key: Secret::new(key),
        })
    }

    /// The link that logs a user in with a key: `{origin}/auth/key-v4/<key>` (where a billing
    /// system redirects its customer).
    pub fn key_login_url(&self, key: &str) -> Result<String> {
        required("the key", key)?;
        Ok(format!(
            "{}/auth/key-v4/{}",
            self.base_url().origin(),
            encode_component(key)
        ))
    }

    /// Creates a long-lived token (POST `auth/v4/token`) expiring at `expires_at`
    /// (`"YYYY-MM-DD HH:MM:SS"`). The token is returned, not put in use: pass it to
    /// [`set_token`](Self::set_token) to switch to it.
    pub fn create_token(&self, expires_at: &str, description: &str) -> Result<Secret> {
        check_datetime(expires_at)?;
        let body = json!({ "expires_at": expires_at, "description": description });
        let resp = self
            .send(&Request::post("auth/v4/token").json(&body))?
            .error_for_status()?;
        let v = resp.json()?;
        let token = text_field(&resp, &v, "token")?;
        check_token(token)?;
        Ok(Secret::new(token))
    }

    /// Sets the token and session lifetime (POST `auth/v4/setting/token_ttl`); the platform
    /// takes minutes, as text.
    pub fn set_token_ttl(&self, value: &str) -> Result<()> {
        required("the value", value)?;
        self.post("auth/v4/setting/token_ttl", &json!({ "value": value }))
            .map(drop)
    }

    /// The current user (GET `auth/v4/whoami`).
    pub fn whoami(&self) -> Result<Value> {
        self.get("auth/v4/whoami")
    }

    /// Ends the session (DELETE `auth/v4/token/<token>`) and forgets the token and the
    /// credentials, whatever the answer. A session the platform already dropped (401/3001)
    /// counts as logged out. Without a token this does nothing.
    pub fn logout(&self) -> Result<()> {
        let session = self.auth.current();
        let Some(token) = &session.token else {
            return Ok(());
        };
        let path = format!("auth/v4/token/{}", encode_component(token.expose()));
        let result = self.send(&Request::delete(path).no_relogin());
        self.auth.replace(None, None);
        let resp = result?;
        match resp.error() {
            None => Ok(()),
            Some(Error::Unauthorized(_)) => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// Uses a token obtained elsewhere. Credentials from an earlier login are forgotten, so
    /// this session is not renewed automatically.
    pub fn set_token(&self, token: &str) -> Result<()> {
        check_token(token)?;
        self.auth.replace(Some(Secret::new(token)), None);
        Ok(())
    }

    /// Forgets the token and credentials without telling the platform.
    pub fn clear_token(&self) {
        self.auth.replace(None, None);
    }

    /// The token in use, if any.
    pub fn token(&self) -> Option<Secret> {
        self.auth.current().token.clone()
    }

    /// How many times this client logged in again after an expired session.
    pub fn relogin_count(&self) -> u64 {
        self.auth.relogins.load(Ordering::Relaxed)
    }
}

/// Checks `YYYY-MM-DD HH:MM:SS`.
fn check_datetime(s: &str) -> Result<()> {
    let b = s.as_bytes();
    let shape = b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(99);
    if !shape
        || !(1..=12).contains(&num(5..7))
        || !(1..=31).contains(&num(8..10))
        || num(11..13) > 23
        || num(14..16) > 59
        || num(17..19) > 59
    {
        return Err(Error::invalid("expires_at must be \"YYYY-MM-DD HH:MM:SS\""));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_that_cannot_travel_are_refused_without_echo() {
        for bad in ["", "a b", "a\r\nx", "a;b", "a,b", "a\"b", "a\\b", "é"] {
            let e = check_token(bad).unwrap_err();
            assert!(bad.is_empty() || !e.to_string().contains(bad), "{e}");
        }
        check_token("24-cee181d2-ccaa-4b64-a229-234aa7a25db6").unwrap();
    }

    #[test]
    fn datetimes() {
        check_datetime("2030-01-31 00:00:00").unwrap();
        for bad in [
            "2030-01-31",
            "2030-13-01 00:00:00",
            "2030-01-31T00:00:00",
            "2030-01-31 24:00:00",
        ] {
            assert!(check_datetime(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_as_text() {
        assert_eq!(id_text(&json!("24")).as_deref(), Some("24"));
        assert_eq!(id_text(&json!(24)).as_deref(), Some("24"));
        assert_eq!(id_text(&Value::Null), None);
    }
}
