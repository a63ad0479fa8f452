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
//! [`paths`] (URLs and encoding), [`tls`], [`retry`], [`auth`], [`error`], [`query`] (lists),
//! [`secret`] (secrets and scrubbing), `transport` (one HTTP exchange), `socket` (the TCP
//! transport: few system calls per request), [`client`].

#![warn(missing_docs)]

pub mod auth;
pub mod client;
pub mod error;
pub mod ffi;
pub mod paths;
pub mod query;
pub mod retry;
pub mod secret;
mod socket;
pub mod tls;
mod transport;

pub use auth::{KeyInfo, LoginInfo};
pub use client::{Client, ClientBuilder, Request, Response};
pub use error::{ApiError, Error, ErrorKind, Result};
pub use paths::{encode_component, BaseUrl};
pub use query::{ListQuery, Literal, Order, Page, Pages, Where};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use tls::TlsSettings;
pub use transport::USER_AGENT;
