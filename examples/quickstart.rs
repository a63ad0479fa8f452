//! The documented DCImanager 6 flow with the Rust API.
//!
//! ```text
//! DCI_URL=https://dci.example.com DCI_CA=ca.pem cargo run --release --example quickstart
//! ```
//! (against the emulator: `make demo`).

use dcimanager::{Client, ListQuery, Order, Request, Where};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("DCI_URL").map_err(|_| "set DCI_URL to the platform's URL")?;
    let mut builder = Client::builder(&base);
    if let Ok(ca) = std::env::var("DCI_CA") {
        builder = builder.ca_file(ca);
    }
    let client = builder.build()?;
    println!(
        "dcimanager {} -> {}",
        env!("CARGO_PKG_VERSION"),
        client.base_url().origin()
    );

    // 1. Log in; the session is renewed automatically if it expires.
    let login = client.login("admin@example.com", "secret")?;
    println!("{:<28} user id {}", "1. login", login.id);

    // 2. Who am I?
    println!("{:<28} {}", "2. whoami", client.whoami()?["email"]);

    // 3. Every server of a customer that is powered on, 100 per request (literals quoted by
    //    the `where` builder).
    let query = ListQuery::new()
        .filter(Where::eq("owner_email", "client@example.com").and(Where::eq("power_status", "on")))
        .order_by("id", Order::Asc);
    let mine: Vec<String> = client
        .paginate("dci/v3/server", query, 100)
        .map(|s| s.map(|s| s["domain"].to_string()))
        .collect::<Result<_, _>>()?;
    println!(
        "{:<28} {} servers: {}, ...",
        "3. paginate",
        mine.len(),
        mine[..3].join(", ")
    );

    // 4. Read one server.
    let server = client.get("dci/v3/server/2")?;
    println!(
        "{:<28} {} ({})",
        "4. server 2", server["domain"], server["configuration"]
    );

    // 5. A long-lived token for an integration (a Secret: it never prints itself).
    let token = client.create_token("2030-01-31 00:00:00", "Token for integration")?;
    println!("{:<28} created: {token}", "5. long-lived token");

    // 6. A key for a customer, and the link a billing system redirects to.
    let key = client.create_key("client@example.com")?;
    println!(
        "{:<28} {}",
        "6. customer login link",
        client.key_login_url(key.key.expose())?
    );

    // 7. The customer's side: log in with the key.
    let mut customer = Client::builder(&base);
    if let Ok(ca) = std::env::var("DCI_CA") {
        customer = customer.ca_file(ca);
    }
    let customer = customer.build()?;
    customer.login_with_key(key.key.expose())?;
    println!(
        "{:<28} {}",
        "7. customer whoami",
        customer.whoami()?["email"]
    );
    customer.logout()?;

    // 8. The platform wakes from suspension: five 503s (queued through the emulator).
    let suspend = Request::post("/emulator/suspend").json(&json!({"requests": 5}));
    if client.send(&suspend)?.is_success() {
        let resp = client.send(&Request::get("dci/v3/server/2"))?;
        println!(
            "{:<28} HTTP {} after {} attempts",
            "8. suspended platform",
            resp.status(),
            resp.attempts()
        );
    }

    // 9. Log out.
    client.logout()?;
    println!("{:<28} ok", "9. logout");
    Ok(())
}
