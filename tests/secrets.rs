//! Secrets never leave: a server (or proxy) that echoes what it received — the password of a
//! login, the key of a key login, the session token of any call — in a 401 message and value,
//! a redirect's Location, an HTML 502 page or a JSON body that does not parse, and the secret
//! appears in no text or value of the error. Plus: strict JSON (UTF-8), and a starting token
//! held with credentials.

mod common;

use common::Emulator;
use dcimanager::{Client, ErrorKind, Request};
use serde_json::json;

const FORMS: [&str; 4] = ["unauthorized", "redirect", "html502", "bad_json"];
const PASSWORD: &str = "pa55-W0rd-q7Zx!";
const KEY: &str = "42-k3y-Vq9T-secret";

/// Every text and value of an error a user can see.
fn everything(e: &dcimanager::Error) -> String {
    let api = e
        .api()
        .map(|a| format!("{} {}", a.msg, a.value))
        .unwrap_or_default();
    format!(
        "{e} | {e:?} | {} | {} | {api}",
        e.message(),
        e.body_excerpt()
    )
}

fn assert_hidden(secret: &str, e: &dcimanager::Error, what: &str) {
    let text = everything(e);
    // The secret, and any long piece of it (an excerpt may cut it).
    for piece in [secret, &secret[..secret.len() - 2], &secret[2..]] {
        assert!(!text.contains(piece), "{what}: {piece:?} in {text}");
    }
    let encoded = dcimanager::encode_component(secret);
    assert!(!text.contains(&encoded), "{what}: encoded secret in {text}");
}

#[test]
fn an_echoed_password_appears_nowhere() {
    let emu = Emulator::start();
    for form in FORMS {
        emu.fault(json!({"kind": "echo", "as": form, "path": "public/token"}));
        let e = emu
            .client()
            .login("admin@example.com", PASSWORD)
            .unwrap_err();
        assert_hidden(PASSWORD, &e, form);
    }
}

#[test]
fn an_echoed_key_appears_nowhere() {
    let emu = Emulator::start();
    for form in FORMS {
        emu.fault(json!({"kind": "echo", "as": form, "path": "public/key"}));
        let e = emu.client().login_with_key(KEY).unwrap_err();
        assert_hidden(KEY, &e, form);
    }
}

#[test]
fn an_echoed_session_token_appears_nowhere() {
    let emu = Emulator::start();
    // A token without credentials: an echoed 401 is not renewed away.
    let token = emu.admin().token().unwrap().expose().to_owned();
    let c = emu.client();
    c.set_token(&token).unwrap();
    for form in FORMS {
        emu.fault(json!({"kind": "echo", "as": form, "path": "server/2"}));
        let e = c.get("dci/v3/server/2").unwrap_err();
        assert_hidden(&token, &e, form);
    }
}

#[test]
fn an_echoed_password_during_a_renewal_appears_nowhere() {
    let emu = Emulator::start();
    let c = emu.client();
    c.login("admin@example.com", "secret").unwrap();
    emu.expire_tokens();
    emu.fault(json!({"kind": "echo", "as": "unauthorized", "path": "public/token"}));
    let e = c.get("dci/v3/server/2").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_hidden("secret", &e, "renewal");
}

#[test]
fn json_with_invalid_utf8_is_a_decode_error() {
    let emu = Emulator::start();
    let c = emu.admin();
    emu.fault(json!({"kind": "bad_utf8"}));
    let e = c.get("dci/v3/server/2").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    emu.fault(json!({"kind": "bad_utf8"}));
    let r = c.send(&Request::get("dci/v3/server/2")).unwrap();
    assert_eq!(r.check_json().unwrap_err().kind(), ErrorKind::Decode);
}

#[test]
fn a_starting_token_with_credentials_logs_in_once_on_expiry() {
    let emu = Emulator::start();
    let cached = emu.admin().token().unwrap();
    let c = {
        let mut b = Client::builder(&emu.url)
            .token(cached.expose())
            .credentials("admin@example.com", "secret");
        if let Some(ca) = &emu.ca {
            b = b.ca_file(ca);
        }
        b.build().unwrap()
    };
    let logins = || emu.stats()["logins"].as_u64().unwrap();
    let before = logins();
    c.get("dci/v3/server/2").unwrap();
    assert_eq!(logins(), before, "the cached token is used");
    emu.expire_tokens();
    for id in 1..=5 {
        c.get(&format!("dci/v3/server/{id}")).unwrap();
    }
    assert_eq!(logins(), before + 1, "one login for the expiry");
    assert_eq!(c.relogin_count(), 1);
    assert_ne!(c.token().unwrap(), cached);
}
