//! The TLS sessions a shared rustls configuration keeps to resume (see `shared_config` in
//! tls/mod.rs): per server, the key-exchange group it chose, a TLS 1.2 session, and up to
//! [`MAX_TICKETS`] TLS 1.3 tickets, for the last [`MAX_SERVERS`] servers.
//!
//! rustls's own `ClientSessionMemoryCache` does the same in hash maps; these live as long as
//! the process, and hashbrown keeps a pointer into the middle of its tables, which memcheck
//! reports as "possibly lost" at exit in every C test. Plain vectors (a client talks to one
//! server; a process to a handful) keep them "still reachable", so the C suites' leak check
//! stays strict.

use std::sync::Mutex;

use rustls::client::{ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;
use rustls::NamedGroup;

/// Servers remembered (the least recently stored goes first).
const MAX_SERVERS: usize = 16;
/// TLS 1.3 tickets kept per server (each is used once).
const MAX_TICKETS: usize = 8;

/// What is kept of one server.
struct Server {
    name: ServerName<'static>,
    kx_hint: Option<NamedGroup>,
    tls12: Option<Tls12ClientSessionValue>,
    tls13: Vec<Tls13ClientSessionValue>,
}

/// The session store of a shared configuration.
#[derive(Default)]
pub(crate) struct Sessions {
    servers: Mutex<Vec<Server>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.servers.lock().map_or(0, |s| s.len());
        write!(f, "Sessions({n} servers)")
    }
}

impl Sessions {
    /// Runs `f` on a server's entry, made (as the most recent) when missing.
    fn edit(&self, name: ServerName<'static>, f: impl FnOnce(&mut Server)) {
        let mut servers = self.servers.lock().unwrap_or_else(|p| p.into_inner());
        let i = match servers.iter().position(|s| s.name == name) {
            Some(i) => i,
            None => {
                if servers.len() == MAX_SERVERS {
                    servers.remove(0);
                }
                servers.push(Server {
                    name,
                    kx_hint: None,
                    tls12: None,
                    tls13: Vec::new(),
                });
                servers.len() - 1
            }
        };
        f(&mut servers[i]);
    }

    /// Reads (or takes from) a server's entry, if there is one.
    fn with<T>(
        &self,
        name: &ServerName<'_>,
        f: impl FnOnce(&mut Server) -> Option<T>,
    ) -> Option<T> {
        let mut servers = self.servers.lock().unwrap_or_else(|p| p.into_inner());
        servers.iter_mut().find(|s| s.name == *name).and_then(f)
    }
}

impl ClientSessionStore for Sessions {
    fn set_kx_hint(&self, name: ServerName<'static>, group: NamedGroup) {
        self.edit(name, |s| s.kx_hint = Some(group));
    }

    fn kx_hint(&self, name: &ServerName<'_>) -> Option<NamedGroup> {
        self.with(name, |s| s.kx_hint)
    }

    fn set_tls12_session(&self, name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.edit(name, |s| s.tls12 = Some(value));
    }

    fn tls12_session(&self, name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.with(name, |s| s.tls12.clone())
    }

    fn remove_tls12_session(&self, name: &ServerName<'static>) {
        self.with(name, |s| s.tls12.take());
    }

    fn insert_tls13_ticket(&self, name: ServerName<'static>, value: Tls13ClientSessionValue) {
        self.edit(name, |s| {
            if s.tls13.len() == MAX_TICKETS {
                s.tls13.remove(0);
            }
            s.tls13.push(value);
        });
    }

    fn take_tls13_ticket(&self, name: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        // The newest first, as rustls's own store does.
        self.with(name, |s| s.tls13.pop())
    }
}
