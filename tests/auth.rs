//! Every auth call against the emulator, with the variants the real platform is known to use.
mod common;

use common::Emulator;
use dcimanager::{Client, ErrorKind};
use serde_json::json;

#[test]
fn login_stores_the_token_and_whoami_uses_it() {
    let emu = Emulator::start();
    let c = emu.client();
    let info = c.login("admin@example.com", "secret").unwrap();
    assert!(info.confirmed);
    assert_eq!(info.id, "3");
    assert_eq!(c.token().unwrap().expose(), info.token.expose());
    let me = c.whoami().unwrap();
    assert_eq!(me["email"], "admin@example.com");
    // The login itself went to the documented path, as JSON, without a token.
    let log = emu.requests();
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["path"], "/api/auth/v4/public/token");
    let body: serde_json::Value = serde_json::from_str(log[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"email": "admin@example.com", "password": "secret"})
    );
    assert!(log[0]["headers"].get("x-xsrf-token").is_none());
}

#[test]
fn login_accepts_201_and_numeric_ids() {
    let emu = Emulator::start_with(&["--login-status", "201", "--numeric-ids"]);
    let c = emu.client();
    let info = c.login("client@example.com", "client-secret").unwrap();
    assert_eq!(info.id, "24");
    assert_eq!(emu.requests()[0]["path"], "/api/auth/v4/public/token");
    assert_eq!(c.whoami().unwrap()["email"], "client@example.com");
}

#[test]
fn wrong_password_is_unauthorized_after_exactly_one_request() {
    let emu = Emulator::start();
    let c = emu.client();
    let err = c.login("admin@example.com", "wrong-password").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.api_code(), 3001);
    assert_eq!(err.http_status(), Some(401));
    assert!(!err.to_string().contains("wrong-password"));
    assert_eq!(emu.stats()["logins"], 1);
    assert!(c.token().is_none());
}

#[test]
fn key_flow_for_single_sign_on() {
    let emu = Emulator::start();
    let admin = emu.admin();
    let key = admin.create_key("client@example.com").unwrap();
    assert!(!key.id.is_empty());
    // The e-mail travels percent-encoded as one path segment.
    assert_eq!(
        emu.count("POST", "/api/auth/v4/user/client%40example.com/key"),
        1
    );
    let link = admin.key_login_url(key.key.expose()).unwrap();
    assert_eq!(
        link,
        format!("{}/auth/key-v4/{}", emu.url, key.key.expose())
    );

    let customer = emu.client();
    let info = customer.login_with_key(key.key.expose()).unwrap();
    assert_eq!(info.id, "24");
    assert_eq!(customer.whoami().unwrap()["email"], "client@example.com");
    // Keys can also be made for a user id.
    admin.create_key("24").unwrap();
    // A bad key is refused.
    let err = emu
        .client()
        .login_with_key("4-00000000-0000-0000-0000-000000000000")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
}

#[test]
fn create_token_returns_a_new_token_without_swapping() {
    let emu = Emulator::start();
    let c = emu.admin();
    let before = c.token().unwrap();
    let long = c
        .create_token("2030-01-31 00:00:00", "integration")
        .unwrap();
    assert_ne!(long.expose(), before.expose());
    assert_eq!(c.token().unwrap().expose(), before.expose());
    let sent = emu
        .requests()
        .into_iter()
        .find(|r| r["path"] == "/api/auth/v4/token")
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(sent["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"expires_at": "2030-01-31 00:00:00", "description": "integration"})
    );
    // The long-lived token works on its own.
    let other = emu.client();
    other.set_token(long.expose()).unwrap();
    assert_eq!(other.whoami().unwrap()["email"], "admin@example.com");
    // A malformed date never leaves the client.
    let n = emu.requests().len();
    assert_eq!(
        c.create_token("2030-01-31", "x").unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(emu.requests().len(), n);
}

#[test]
fn token_ttl_is_sent_as_text_and_applies() {
    let emu = Emulator::start();
    let c = emu.admin();
    c.set_token_ttl("999").unwrap();
    let sent = emu.requests().into_iter().last().unwrap();
    assert_eq!(sent["path"], "/api/auth/v4/setting/token_ttl");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(sent["body"].as_str().unwrap()).unwrap(),
        json!({"value": "999"})
    );
    // A user may not change it.
    let user = emu.client();
    user.login("client@example.com", "client-secret").unwrap();
    let err = user.set_token_ttl("5").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.http_status(), Some(403));
}

#[test]
fn logout_deletes_the_token_and_forgets_it() {
    let emu = Emulator::start();
    let c = emu.admin();
    let token = c.token().unwrap();
    c.logout().unwrap();
    assert!(c.token().is_none());
    assert_eq!(
        emu.count("DELETE", &format!("/api/auth/v4/token/{}", token.expose())),
        1
    );
    // The platform no longer knows the token.
    let again = emu.client();
    again.set_token(token.expose()).unwrap();
    assert_eq!(again.whoami().unwrap_err().kind(), ErrorKind::Unauthorized);
    // Without credentials nothing logs in again.
    assert_eq!(emu.stats()["logins"], 1);
    // Logging out twice is harmless.
    c.logout().unwrap();
}

#[test]
fn starting_token_from_the_builder() {
    let emu = Emulator::start();
    let token = emu
        .admin()
        .create_token("2031-01-01 00:00:00", "ci")
        .unwrap();
    let c = Client::builder(&emu.url)
        .token(token.expose())
        .build()
        .unwrap();
    assert_eq!(c.whoami().unwrap()["email"], "admin@example.com");
    assert_eq!(
        Client::builder(&emu.url)
            .token("bad\r\ntoken")
            .build()
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn auth_is_also_served_without_the_api_prefix() {
    let emu = Emulator::start();
    let c = emu.admin();
    let me = c
        .send(&dcimanager::Request::get("/auth/v4/whoami"))
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(emu.requests().last().unwrap()["path"], "/auth/v4/whoami");
}
