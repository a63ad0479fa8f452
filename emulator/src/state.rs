//! Authentication state: users, session and long-lived tokens, login keys, settings; plus the
//! small helpers they need (random token text, civil date <-> unix time).
//!
//! - Seeded users: `admin@example.com` / `secret` (id 3, role admin) and `client@example.com` /
//!   `--client-password` (id 24, role user). Users created through `POST dci/v3/user` get ids
//!   from 25 on.
//! - A session token (from `public/token` or `public/key`) expires after `token_ttl_secs` of
//!   idleness (strictly more than the TTL since its last use); every authenticated use refreshes
//!   it. The TTL in force at the time of the check applies, so changing it affects existing
//!   tokens.
//! - A long-lived token (`POST auth/v4/token`) never idles out; it is dead from `expires_at`
//!   (UTC, inclusive) on.
//! - A login key lasts `key_ttl_secs` (one hour by default, as the guide says) and may be used
//!   several times within that time (the sources do not say keys are single-use).
//! - Tokens look like `<userid>-<8hex>-<4hex>-<4hex>-<4hex>-<12hex>`, keys like
//!   `<keyid>-<8hex>-<4hex>-<4hex>-<4hex>-<12hex>`; the hex comes from a per-thread xorshift
//!   generator seeded from the clock and a global counter.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Settings that can change at run time (`POST /emulator/config`, `auth/v4/setting/token_ttl`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// HTTP status of a successful login (`public/token`, `public/key`).
    pub login_status: u16,
    /// Answer auth ids as JSON numbers rather than strings.
    pub numeric_ids: bool,
    /// Idle lifetime of session tokens.
    pub token_ttl_secs: u64,
    /// Lifetime of login keys.
    pub key_ttl_secs: u64,
    /// HTTP status that carries the 3001 "Unauthorized" envelope.
    pub unauthorized_status: u16,
    /// Keep the request log (`GET /emulator/requests`).
    pub log_requests: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            login_status: 200,
            numeric_ids: false,
            token_ttl_secs: 60 * 60,
            key_ttl_secs: 60 * 60,
            unauthorized_status: 401,
            log_requests: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    User,
}

impl Role {
    /// The role name as the platform writes it in `roles`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "@admin",
            Role::User => "@user",
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub email: String,
    pub full_name: String,
    pub password: String,
    pub phone_number: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A login session: dies after the idle TTL.
    Session { last_used: Instant },
    /// A token made by `POST auth/v4/token`: dies at `expires_at` (unix seconds).
    LongLived {
        id: u64,
        expires_at: i64,
        description: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub user_id: u64,
    pub kind: TokenKind,
}

impl Token {
    /// Whether the token is still valid at `now` (monotonic) / `now_unix` (wall clock).
    pub fn alive(&self, now: Instant, now_unix: i64, ttl: Duration) -> bool {
        match &self.kind {
            TokenKind::Session { last_used } => now.saturating_duration_since(*last_used) <= ttl,
            TokenKind::LongLived { expires_at, .. } => now_unix < *expires_at,
        }
    }
}

#[derive(Debug, Clone)]
struct Key {
    user_id: u64,
    created: Instant,
}

/// Everything the auth service remembers.
pub struct AuthState {
    pub users: Vec<User>,
    tokens: HashMap<String, Token>,
    keys: HashMap<String, Key>,
    next_user_id: u64,
    next_key_id: u64,
    next_token_id: u64,
    issued_since_sweep: u32,
    /// The value of `dci/v3/setting/operation_change_boot_order`.
    pub boot_order_setting: String,
}

/// Sweep dead tokens and keys after this many new ones, so long benchmarks don't grow memory.
const SWEEP_EVERY: u32 = 4096;

impl AuthState {
    pub fn new(client_password: &str) -> Self {
        AuthState {
            users: vec![
                User {
                    id: 3,
                    email: "admin@example.com".into(),
                    full_name: "Admin Example".into(),
                    password: "secret".into(),
                    phone_number: "+10000000003".into(),
                    role: Role::Admin,
                },
                User {
                    id: 24,
                    email: "client@example.com".into(),
                    full_name: "Client Example".into(),
                    password: client_password.into(),
                    phone_number: "+10000000024".into(),
                    role: Role::User,
                },
            ],
            tokens: HashMap::new(),
            keys: HashMap::new(),
            next_user_id: 25,
            next_key_id: 1,
            next_token_id: 1,
            issued_since_sweep: 0,
            boot_order_setting: "false".into(),
        }
    }

    pub fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Looks up a user by e-mail (ASCII case-insensitive).
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    /// The user id for a matching e-mail and password.
    pub fn check_password(&self, email: &str, password: &str) -> Option<u64> {
        self.user_by_email(email)
            .filter(|u| u.password == password)
            .map(|u| u.id)
    }

    /// Adds a user; `Err(())` if the e-mail is taken.
    pub fn add_user(
        &mut self,
        email: &str,
        full_name: &str,
        password: &str,
        phone_number: &str,
        role: Role,
    ) -> Result<u64, ()> {
        if self.user_by_email(email).is_some() {
            return Err(());
        }
        let id = self.next_user_id;
        self.next_user_id += 1;
        self.users.push(User {
            id,
            email: email.into(),
            full_name: full_name.into(),
            password: password.into(),
            phone_number: phone_number.into(),
            role,
        });
        Ok(id)
    }

    fn note_issue(&mut self, now: Instant, now_unix: i64, ttl: Duration, key_ttl: Duration) {
        self.issued_since_sweep += 1;
        if self.issued_since_sweep >= SWEEP_EVERY {
            self.issued_since_sweep = 0;
            self.tokens.retain(|_, t| t.alive(now, now_unix, ttl));
            self.keys
                .retain(|_, k| now.saturating_duration_since(k.created) <= key_ttl);
        }
    }

    /// Creates a session token for `user_id`.
    pub fn issue_session(&mut self, user_id: u64, now: Instant, settings: &Settings) -> String {
        self.note_issue(
            now,
            unix_now(),
            Duration::from_secs(settings.token_ttl_secs),
            Duration::from_secs(settings.key_ttl_secs),
        );
        let token = random_id(user_id);
        self.tokens.insert(
            token.clone(),
            Token {
                user_id,
                kind: TokenKind::Session { last_used: now },
            },
        );
        token
    }

    /// Creates a long-lived token; returns its id and text.
    pub fn issue_long_lived(
        &mut self,
        user_id: u64,
        expires_at: i64,
        description: &str,
    ) -> (u64, String) {
        let id = self.next_token_id;
        self.next_token_id += 1;
        let token = random_id(user_id);
        self.tokens.insert(
            token.clone(),
            Token {
                user_id,
                kind: TokenKind::LongLived {
                    id,
                    expires_at,
                    description: description.into(),
                },
            },
        );
        (id, token)
    }

    /// Validates a token and refreshes its idle timer. A dead token is removed.
    pub fn authenticate(
        &mut self,
        token: &str,
        now: Instant,
        now_unix: i64,
        ttl: Duration,
    ) -> Option<u64> {
        let t = self.tokens.get_mut(token)?;
        if !t.alive(now, now_unix, ttl) {
            self.tokens.remove(token);
            return None;
        }
        if let TokenKind::Session { last_used } = &mut t.kind {
            *last_used = now;
        }
        Some(t.user_id)
    }

    /// The owner of a token (alive or not).
    pub fn token_owner(&self, token: &str) -> Option<u64> {
        self.tokens.get(token).map(|t| t.user_id)
    }

    pub fn delete_token(&mut self, token: &str) -> bool {
        self.tokens.remove(token).is_some()
    }

    /// Deletes session tokens (and long-lived ones with `all`); returns how many.
    pub fn expire_tokens(&mut self, all: bool) -> usize {
        let before = self.tokens.len();
        self.tokens
            .retain(|_, t| !all && matches!(t.kind, TokenKind::LongLived { .. }));
        before - self.tokens.len()
    }

    /// Creates a login key for `user_id`; returns its id and text.
    pub fn issue_key(&mut self, user_id: u64, now: Instant, settings: &Settings) -> (u64, String) {
        self.note_issue(
            now,
            unix_now(),
            Duration::from_secs(settings.token_ttl_secs),
            Duration::from_secs(settings.key_ttl_secs),
        );
        let id = self.next_key_id;
        self.next_key_id += 1;
        let key = random_id(id);
        self.keys.insert(
            key.clone(),
            Key {
                user_id,
                created: now,
            },
        );
        (id, key)
    }

    /// The user of a live key. A dead key is removed.
    pub fn redeem_key(&mut self, key: &str, now: Instant, key_ttl: Duration) -> Option<u64> {
        let k = self.keys.get(key)?;
        if now.saturating_duration_since(k.created) > key_ttl {
            self.keys.remove(key);
            return None;
        }
        Some(k.user_id)
    }
}

// ---------------------------------------------------------------------------------------------
// Random token text

static SEED_COUNTER: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fresh_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let count = SEED_COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    splitmix64(nanos ^ count) | 1
}

thread_local! {
    static RNG: Cell<u64> = Cell::new(fresh_seed());
}

/// A pseudo-random 64-bit number (xorshift64*). Not cryptographic; fine for a test server.
pub fn random_u64() -> u64 {
    RNG.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// `<prefix>-<8hex>-<4hex>-<4hex>-<4hex>-<12hex>`.
pub fn random_id(prefix: u64) -> String {
    let a = random_u64();
    let b = random_u64();
    format!(
        "{prefix}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

// ---------------------------------------------------------------------------------------------
// Civil time

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

/// Parses `YYYY-MM-DD HH:MM:SS` (UTC) into unix seconds.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (y, mo, d) = (i64::from(num(0..4)?), num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59
    {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + i64::from(h * 3600 + mi * 60 + se))
}

/// Formats unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_datetime(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The current UTC year.
pub fn current_year() -> i64 {
    civil_from_days(unix_now().div_euclid(86_400)).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(parse_datetime("2030-01-31 00:00:00"), Some(1_896_048_000));
        assert_eq!(parse_datetime("2000-02-29 12:34:56"), Some(951_827_696));
        assert_eq!(parse_datetime("1970-01-01 00:00:00"), Some(0));
    }

    #[test]
    fn civil_round_trip() {
        for z in (-800_000..800_000).step_by(7) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
        }
        for t in [
            0,
            1,
            86_399,
            86_400,
            951_827_696,
            1_896_048_000,
            4_102_444_799,
        ] {
            assert_eq!(parse_datetime(&format_datetime(t)), Some(t));
        }
        assert_eq!(format_datetime(951_827_696), "2000-02-29 12:34:56");
    }

    #[test]
    fn bad_datetimes() {
        for bad in [
            "",
            "2030-01-31",
            "2030-01-31T00:00:00",
            "2030-1-31 00:00:00",
            "2030-13-01 00:00:00",
            "2030-00-01 00:00:00",
            "2030-02-29 00:00:00",
            "1900-02-29 00:00:00",
            "2030-04-31 00:00:00",
            "2030-01-31 24:00:00",
            "2030-01-31 23:60:00",
            "2030-01-31 23:59:60",
            "2030-01-31 +1:00:00",
            "2030-01-31 00:00:00 ",
            "２０３０-01-31 00:00",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
        assert!(parse_datetime("2000-02-29 00:00:00").is_some());
        assert!(parse_datetime("2024-02-29 23:59:59").is_some());
    }

    #[test]
    fn session_token_idle_expiry() {
        let s = Settings::default();
        let mut st = AuthState::new("pw");
        let t0 = Instant::now();
        let ttl = Duration::from_secs(10);
        let tok = st.issue_session(24, t0, &s);
        assert!(tok.starts_with("24-"));
        assert_eq!(
            st.authenticate(&tok, t0 + Duration::from_secs(10), 0, ttl),
            Some(24)
        );
        // the use at t0+10 refreshed it
        assert_eq!(
            st.authenticate(&tok, t0 + Duration::from_secs(19), 0, ttl),
            Some(24)
        );
        assert_eq!(
            st.authenticate(&tok, t0 + Duration::from_secs(30), 0, ttl),
            None
        );
        // removed once dead
        assert_eq!(st.token_owner(&tok), None);
        assert_eq!(st.authenticate("nope", t0, 0, ttl), None);
    }

    #[test]
    fn long_lived_token_expiry() {
        let mut st = AuthState::new("pw");
        let t0 = Instant::now();
        let (id, tok) = st.issue_long_lived(3, 1000, "x");
        assert_eq!(id, 1);
        let tiny = Duration::from_secs(0);
        // no idle expiry, even with a zero TTL and a far-away monotonic time
        assert_eq!(
            st.authenticate(&tok, t0 + Duration::from_secs(1_000_000), 999, tiny),
            Some(3)
        );
        assert_eq!(st.authenticate(&tok, t0, 1000, tiny), None);
    }

    #[test]
    fn expire_and_delete() {
        let s = Settings::default();
        let mut st = AuthState::new("pw");
        let now = Instant::now();
        let a = st.issue_session(3, now, &s);
        let _b = st.issue_session(24, now, &s);
        let (_, c) = st.issue_long_lived(24, i64::MAX, "");
        assert_eq!(st.expire_tokens(false), 2);
        assert_eq!(st.token_owner(&a), None);
        assert_eq!(st.token_owner(&c), Some(24));
        assert_eq!(st.expire_tokens(true), 1);
        let d = st.issue_session(3, now, &s);
        assert!(st.delete_token(&d));
        assert!(!st.delete_token(&d));
    }

    #[test]
    fn keys_expire() {
        let s = Settings::default();
        let mut st = AuthState::new("pw");
        let t0 = Instant::now();
        let (id, key) = st.issue_key(24, t0, &s);
        assert!(key.starts_with(&format!("{id}-")));
        let hour = Duration::from_secs(3600);
        assert_eq!(st.redeem_key(&key, t0 + hour, hour), Some(24));
        assert_eq!(st.redeem_key(&key, t0 + hour, hour), Some(24));
        assert_eq!(
            st.redeem_key(&key, t0 + hour + Duration::from_secs(1), hour),
            None
        );
        assert_eq!(st.redeem_key(&key, t0, hour), None);
    }

    #[test]
    fn token_format() {
        let t = random_id(24);
        let parts: Vec<&str> = t.split('-').collect();
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[0], "24");
        let lens: Vec<usize> = parts[1..].iter().map(|p| p.len()).collect();
        assert_eq!(lens, vec![8, 4, 4, 4, 12]);
        assert!(parts[1..]
            .iter()
            .all(|p| p.bytes().all(|c| c.is_ascii_hexdigit())));
        assert_ne!(random_id(1), random_id(1));
    }

    #[test]
    fn users() {
        let mut st = AuthState::new("pw");
        assert_eq!(st.check_password("admin@example.com", "secret"), Some(3));
        assert_eq!(st.check_password("CLIENT@example.com", "pw"), Some(24));
        assert_eq!(st.check_password("client@example.com", "bad"), None);
        assert_eq!(
            st.add_user("new@example.com", "N", "p", "", Role::User),
            Ok(25)
        );
        assert!(st
            .add_user("new@example.com", "N", "p", "", Role::User)
            .is_err());
    }
}
