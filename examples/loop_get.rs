//! Sends N keep-alive GETs of one server (for counting system calls and profiling):
//! `DCI_URL=http://127.0.0.1:PORT cargo run --release --example loop_get -- 1000`.
fn main() -> Result<(), dcimanager::Error> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let url = std::env::var("DCI_URL").expect("DCI_URL");
    let mut b = dcimanager::Client::builder(&url);
    if let Ok(ca) = std::env::var("DCI_CA") {
        b = b.ca_file(ca);
    }
    let c = b.build()?;
    c.login("admin@example.com", "secret")?;
    for _ in 0..n {
        c.send(&dcimanager::Request::get("dci/v3/server/2"))?;
    }
    Ok(())
}
