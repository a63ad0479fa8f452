//! The platform's auth v4 calls, a thin layer over [`Client::send`]: login by password or
//! key, single sign-on keys and their login link, long-lived tokens, the token lifetime,
//! whoami and logout — plus the session setters (token, credentials).
//!
//! Every result that carries a secret holds it as a [`Secret`] (never printed).

use serde_json::{json, Value};
use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::paths::encode_component;
use crate::request::Request;
use crate::secret::Secret;
use crate::session::{
    check_token, id_text, login_body, login_request, read_login_answer, required, text_field,
    Credentials, LoginInfo,
};

/// A key for single sign-on, from [`Client::create_key`].
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// The key's id (text, whether the platform sent a string or a number).
    pub id: String,
    /// The key: log in with it ([`Client::login_with_key`]) or send the user to
    /// [`Client::key_login_url`]. Valid for one hour. Its `Debug` shows `[redacted]`.
    pub key: Secret,
}

impl Client {
    /// POST auth/v4/public/token; does not touch the session.
    pub(crate) fn login_call(&self, email: &str, password: &str) -> Result<LoginInfo> {
        let body = login_body(email, password);
        read_login_answer(self.send(&login_request(&body, password))?)
    }

    /// Logs in with e-mail and password (POST `auth/v4/public/token`) and uses the token from
    /// then on. The credentials are kept in memory, wiped on drop, to log in again once when
    /// the session expires.
    pub fn login(&self, email: &str, password: &str) -> Result<LoginInfo> {
        let creds = Credentials::new(email, password)?;
        let info = self.login_call(email, password)?;
        self.session.replace(Some(info.token.clone()), Some(creds));
        Ok(info)
    }

    /// Logs in with a single sign-on key (POST `auth/v4/public/key`) and uses the token from
    /// then on. Credentials from an earlier [`login`](Self::login) are forgotten: a key
    /// session is not renewed automatically.
    pub fn login_with_key(&self, key: &str) -> Result<LoginInfo> {
        required("the key", "key", key)?;
        let body = Secret::new(json!({ "key": key }).to_string());
        let req = Request::post("auth/v4/public/key")
            .json_text(body.expose())
            .secret(key)
            .public();
        let info = read_login_answer(self.send(&req)?)?;
        self.session.replace(Some(info.token.clone()), None);
        Ok(info)
    }

    /// Creates a single sign-on key for a user, given by e-mail or id (POST
    /// `auth/v4/user/<user>/key`; admin only).
    pub fn create_key(&self, user: &str) -> Result<KeyInfo> {
        required("the user", "user", user)?;
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
    /// system redirects its customer). Sends nothing.
    pub fn key_login_url(&self, key: &str) -> Result<String> {
        required("the key", "key", key)?;
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
        if let Err(e) = check_token(token) {
            return Err(
                resp.decode_error(format!("the platform's token is unusable: {}", e.message()))
            );
        }
        Ok(Secret::new(token))
    }

    /// Sets the token and session lifetime (POST `auth/v4/setting/token_ttl`); the platform
    /// takes minutes, as text.
    pub fn set_token_ttl(&self, value: &str) -> Result<()> {
        required("the value", "value", value)?;
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
        self.end_session(|r| r)
    }

    /// [`logout`](Self::logout) in one attempt within `budget`, whatever the retry policy
    /// and the time budget: for the end of a `with` block, which must not delay (or hide)
    /// what the block raised when the platform does not answer.
    pub fn logout_once(&self, budget: Duration) -> Result<()> {
        self.end_session(|r| r.once().timeout(Some(budget)))
    }

    fn end_session(&self, shape: impl FnOnce(Request<'_>) -> Request<'_>) -> Result<()> {
        let session = self.session.current();
        let Some(token) = &session.token else {
            self.session.replace(None, None);
            return Ok(());
        };
        let path = format!("auth/v4/token/{}", encode_component(token.expose()));
        // The token is in the path: marked as a secret, so no error shows it and no cache
        // keeps it.
        let result = self.send(&shape(
            Request::delete(path).secret(token.expose()).no_relogin(),
        ));
        self.session.replace(None, None);
        match result?.error() {
            None => Ok(()),
            Some(e) if e.kind() == ErrorKind::Unauthorized => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// Uses a token obtained elsewhere. Credentials from an earlier login are forgotten, so
    /// this session is not renewed automatically — call
    /// [`set_credentials`](Self::set_credentials) afterwards to renew it with a password.
    pub fn set_token(&self, token: &str) -> Result<()> {
        check_token(token)?;
        self.session.replace(Some(Secret::new(token)), None);
        Ok(())
    }

    /// Keeps e-mail and password to log in with when the session expires — or before the
    /// first request, when there is no token — without logging in now. The token in use (a
    /// cached one, from [`set_token`](Self::set_token)) is kept: a web application can start
    /// each request with its cached token and log in only when that token has expired.
    pub fn set_credentials(&self, email: &str, password: &str) -> Result<()> {
        self.session
            .set_credentials(Some(Credentials::new(email, password)?));
        Ok(())
    }

    /// Forgets the token and credentials without telling the platform.
    pub fn clear_token(&self) {
        self.session.replace(None, None);
    }

    /// The token in use, if any.
    pub fn token(&self) -> Option<Secret> {
        self.session.current().token.clone()
    }

    /// Whether the client holds credentials to log in again with.
    pub fn has_credentials(&self) -> bool {
        self.session.current().creds.is_some()
    }

    /// How many times this client logged in by itself: after an expired session, or before
    /// its first request when it had credentials but no token.
    pub fn relogin_count(&self) -> u64 {
        self.session.renewals()
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
        return Err(Error::invalid_arg(
            "expires_at",
            "expires_at must be \"YYYY-MM-DD HH:MM:SS\"",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
