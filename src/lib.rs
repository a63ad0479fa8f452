//! # dcimanager
//!
//! A client for the ISPsystem DCImanager 6 REST API: login, long-lived tokens, single sign-on
//! keys, retries while the platform wakes from suspension (HTTP 503), one re-login when a
//! session expires, and TLS verified by default. The same engine serves C and C++ (through
//! the C ABI in [`ffi`], header `include/dcimanager.h`), Python and PHP.
//!
//! ```no_run
//! use dcimanager::{Client, ListQuery, Where};
//!
//! let client = Client::builder("https://dci.example.com")
//!     .ca_file("/etc/ssl/dci-ca.pem")
//!     .build()?;
//! client.login("admin@example.com", "secret")?;
//! for server in client.paginate("dci/v3/server", ListQuery::new().filter(Where::eq("power_status", "on")), 100) {
//!     println!("{}", server?["domain"]);
//! }
//! client.logout()?;
//! # Ok::<(), dcimanager::Error>(())
//! ```
//!
//! Layers: this crate's core modules know nothing of FFI; [`ffi`] maps them onto the C ABI;
//! the language bindings sit on top of that. Each concern lives in one module:
//! [`client`] (the pipeline), [`request`] and [`response`], [`session`] (token, credentials,
//! single-flight renewal), `endpoints` (the auth v4 calls), [`paths`] (URLs and encoding),
//! [`tls`] (trust, pins, the verifier), [`proxy`] (which proxy, and its tunnel), [`retry`], [`error`] (the error model and what an answer means), [`query`]
//! (lists and paging), [`secret`] (secrets and scrubbing), [`defaults`], [`events`] (what
//! the client does, for logs), `transport` (one
//! HTTP exchange and its phases), `socket` (the TCP transport: few system calls per request,
//! every resolved address tried as RFC 8305 says).

#![warn(missing_docs)]

pub mod client;
pub mod defaults;
mod endpoints;
pub mod error;
pub mod events;
pub mod ffi;
pub mod interrupt;
mod json;
pub mod paths;
pub mod proxy;
pub mod query;
pub mod request;
pub mod response;
pub mod retry;
pub mod secret;
pub mod session;
mod socket;
pub mod tls;
mod transport;

pub use client::{Client, ClientBuilder};
pub use endpoints::KeyInfo;
pub use error::{ApiError, Error, ErrorKind, Phase, Result};
pub use events::{Event, Observer};
pub use paths::{encode_component, BaseUrl};
pub use proxy::{Proxy, ProxySettings};
pub use query::{quote, ListQuery, Literal, Order, Page, Pages, Paginator, Where};
pub use request::Request;
pub use response::Response;
pub use retry::RetryPolicy;
pub use secret::{Secret, Secrets};
pub use session::LoginInfo;
pub use tls::{peer_certificate, server_pin, PeerCertificate, Pins, TlsSettings};
pub use transport::USER_AGENT;

/// The SONAME of the shared library (`libdcimanager.so.0.<minor>` while the version is 0.x,
/// `libdcimanager.so.<major>` after), set by build.rs from the crate's version; the C
/// header's `DCI_SONAME` is written from it.
pub const SONAME: &str = env!("DCI_SONAME");
