//! Routing and handlers: the DCImanager 6 API (auth v4, dci v3) and the `/emulator` control
//! endpoints.
//!
//! Choices the sources (the guide and the notes) do not dictate:
//!
//! | situation | HTTP | code | msg |
//! |---|---|---|---|
//! | body empty, not JSON or not an object; bad HTTP framing | 400 | 1000 | `Invalid request` (value `{"reason"}`) |
//! | a required property is missing | 400 | 1001 | `Missing property` (value `{"property"}`) |
//! | a property the endpoint does not accept (`POST dci/v3/user`, control endpoints) | 400 | 1002 | `Unexpected property` (value `{"property"}`) |
//! | a property has a bad type or value | 400 | 1003 | `Invalid value` (value `{"property","reason"}`) |
//! | `POST dci/v3/user` with an e-mail in use | 400 | 1004 | `Instance already exists` (value `{"property":"email"}`) |
//! | bad `where`/`limit`/`orderby` | 400 | 1005 | the parser's message (value `{"param"}`) |
//! | a handler panicked | 500 | 1010 | `Internal error` |
//! | no such function, or wrong method for it | 404 | 1106 | `request handler not found` |
//! | method other than GET/POST/DELETE | 405 | 1107 | `Method not allowed` (+ `Allow`) |
//! | no/unknown/expired token, token header and cookie differ, bad login or key | 401 (`unauthorized_status`) | 3001 | `Unauthorized` |
//! | a user calls an admin function | 403 | 3002 | `Access denied` |
//! | unknown or invisible server/user/token | 404 | 3080 | `instance not found` |
//! | suspended (suspend mode, fault `503`) | 503 | 503 | `Service is suspended` |
//!
//! - POST bodies must be JSON objects; an empty body is refused (clients are expected to send
//!   `{}`, as the notes say they do). GET/DELETE bodies are ignored.
//! - The route is looked up before authentication: an unknown function is 1106 even without a
//!   token.
//! - Ids in auth v4 answers (`id` of login, key login, key, long-lived token, whoami) are strings
//!   unless `numeric_ids`; dci v3 ids (servers, users, `{"id":N}` of a new user) are numbers.
//! - A user sees only servers whose `owner_email` is theirs; others are 404 3080. A user deleting
//!   someone else's token gets 404 3080 too.
//! - `power_reset` returns `{"id":<server id>,"task":<n>}` and changes nothing in the inventory.
//! - `GET /auth/key-v4/<key>` counts as a key login (`key_logins`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::{json, Map, Value};

use crate::faults::{Control, EchoForm, Fault, FaultKind};
use crate::http::{self, Body, Handler, Outcome, Request, Response};
use crate::inventory::{Inventory, ServerRec};
use crate::query::{ListQuery, QueryError};
use crate::state::{self, AuthState, Role, Settings};

/// An API error, answered as `{"error":{"code":..,"msg":..,"value":..}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: i64,
    pub msg: String,
    pub value: Option<Value>,
}

impl ApiError {
    pub fn new(status: u16, code: i64, msg: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            msg: msg.into(),
            value: None,
        }
    }

    pub fn with_value(mut self, value: Value) -> Self {
        self.value = Some(value);
        self
    }

    pub fn bad_request(reason: &str) -> Self {
        Self::new(400, 1000, "Invalid request").with_value(json!({ "reason": reason }))
    }

    pub fn missing(property: &str) -> Self {
        Self::new(400, 1001, "Missing property").with_value(json!({ "property": property }))
    }

    pub fn unexpected(property: &str) -> Self {
        Self::new(400, 1002, "Unexpected property").with_value(json!({ "property": property }))
    }

    pub fn invalid(property: &str, reason: &str) -> Self {
        Self::new(400, 1003, "Invalid value")
            .with_value(json!({ "property": property, "reason": reason }))
    }

    pub fn exists(property: &str) -> Self {
        Self::new(400, 1004, "Instance already exists").with_value(json!({ "property": property }))
    }

    pub fn query(e: &QueryError) -> Self {
        Self::new(400, 1005, e.to_string()).with_value(json!({ "param": e.param }))
    }

    pub fn no_handler() -> Self {
        Self::new(404, 1106, "request handler not found")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(405, 1107, "Method not allowed")
    }

    pub fn unauthorized(status: u16) -> Self {
        Self::new(status, 3001, "Unauthorized")
    }

    pub fn forbidden() -> Self {
        Self::new(403, 3002, "Access denied")
    }

    pub fn not_found() -> Self {
        Self::new(404, 3080, "instance not found")
    }

    pub fn suspended() -> Self {
        Self::new(503, 503, "Service is suspended")
    }

    pub fn to_response(&self) -> Response {
        let mut err = Map::new();
        err.insert("code".into(), json!(self.code));
        err.insert("msg".into(), json!(self.msg));
        if let Some(v) = &self.value {
            err.insert("value".into(), v.clone());
        }
        let resp = Response::json_value(self.status, &json!({ "error": err }));
        if self.status == 405 {
            resp.with_header("Allow", "GET, POST, DELETE")
        } else {
            resp
        }
    }
}

type ApiResult = Result<Response, ApiError>;

/// What an `echo` fault sends back: the request's body and its `x-xsrf-token`, as received.
fn echo(req: &Request, form: EchoForm) -> Response {
    let mut text = String::from_utf8_lossy(&req.body).into_owned();
    if let Some(token) = req.header("x-xsrf-token") {
        text.push_str(" x-xsrf-token: ");
        text.push_str(token);
    }
    let html = |status| Response {
        status,
        content_type: "text/html",
        headers: Vec::new(),
        body: Body::Owned(
            format!("<html><body><h1>Bad Gateway</h1><pre>{text}</pre></body></html>").into_bytes(),
        ),
    };
    match form {
        EchoForm::Unauthorized => ApiError {
            status: 401,
            code: 3001,
            msg: format!("Unauthorized: {text}"),
            value: Some(json!({ "echo": text })),
        }
        .to_response(),
        EchoForm::Redirect => Response {
            status: 302,
            content_type: "text/html",
            headers: vec![("Location", format!("/login?back={}", percent_encode(&text)))],
            body: Body::Owned(Vec::new()),
        },
        EchoForm::Html502 => html(502),
        EchoForm::BadJson => Response {
            status: 200,
            content_type: "application/json",
            headers: Vec::new(),
            body: Body::Owned(format!("{{\"echo\": {text}").into_bytes()),
        },
    }
}

/// Percent-encodes everything but unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Route<'a> {
    Login,
    KeyLogin,
    KeyLink(&'a str),
    CreateKey(&'a str),
    CreateToken,
    DeleteToken(&'a str),
    SetTokenTtl,
    Whoami,
    ServerList,
    ServerConfigs,
    Server(&'a str),
    PowerReset(&'a str),
    UserList,
    UserCreate,
    BootOrder,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Level {
    Public,
    User,
    Admin,
}

impl Route<'_> {
    fn level(&self) -> Level {
        match self {
            Route::Login | Route::KeyLogin | Route::KeyLink(_) => Level::Public,
            Route::CreateKey(_)
            | Route::SetTokenTtl
            | Route::UserList
            | Route::UserCreate
            | Route::BootOrder => Level::Admin,
            _ => Level::User,
        }
    }
}

fn resolve<'a>(method: &str, segs: &'a [String]) -> Option<Route<'a>> {
    let s: Vec<&'a str> = segs.iter().map(String::as_str).collect();
    let (service, rest): (&str, &[&'a str]) = match s.as_slice() {
        ["api", "auth", "v4", rest @ ..] | ["auth", "v4", rest @ ..] => ("auth", rest),
        ["api", "dci", "v3", rest @ ..] => ("dci", rest),
        ["auth", "key-v4", key] if method == "GET" => return Some(Route::KeyLink(key)),
        _ => return None,
    };
    Some(match (service, method, rest) {
        ("auth", "POST", ["public", "token"]) => Route::Login,
        ("auth", "POST", ["public", "key"]) => Route::KeyLogin,
        ("auth", "POST", ["user", user, "key"]) => Route::CreateKey(user),
        ("auth", "POST", ["token"]) => Route::CreateToken,
        ("auth", "DELETE", ["token", token]) => Route::DeleteToken(token),
        ("auth", "POST", ["setting", "token_ttl"]) => Route::SetTokenTtl,
        ("auth", "GET", ["whoami"]) => Route::Whoami,
        ("dci", "GET", ["server"]) => Route::ServerList,
        ("dci", "GET", ["server", "configuration"]) => Route::ServerConfigs,
        ("dci", "GET", ["server", id]) => Route::Server(id),
        ("dci", "POST", ["server", id, "power_reset"]) => Route::PowerReset(id),
        ("dci", "GET", ["user"]) => Route::UserList,
        ("dci", "POST", ["user"]) => Route::UserCreate,
        ("dci", "POST", ["setting", "operation_change_boot_order"]) => Route::BootOrder,
        _ => return None,
    })
}

/// The authenticated user of a request.
struct Caller {
    id: u64,
    email: String,
    admin: bool,
}

fn id_value(id: u64, numeric: bool) -> Value {
    if numeric {
        json!(id)
    } else {
        json!(id.to_string())
    }
}

fn ok(v: &Value) -> ApiResult {
    Ok(Response::json_value(200, v))
}

/// The session token of a request: header `x-xsrf-token` or cookie `ses6`. `None` when absent
/// or when both are present and differ.
fn token_from(req: &Request) -> Option<String> {
    let header = req
        .header("x-xsrf-token")
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let cookie = req
        .headers_named("cookie")
        .flat_map(|c| c.split(';'))
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| k.trim() == "ses6")
        .map(|(_, v)| v.trim().trim_matches('"'))
        .filter(|v| !v.is_empty());
    match (header, cookie) {
        (Some(h), Some(c)) if h != c => None,
        (Some(t), _) | (None, Some(t)) => Some(t.to_string()),
        (None, None) => None,
    }
}

/// The body of a POST as a JSON object (an empty body is an error).
fn body_object(req: &Request) -> Result<Map<String, Value>, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "empty body: send a JSON object (at least {})",
        ));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request("the body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(&format!("bad JSON: {e}"))),
    }
}

/// The body of a control request: empty means `{}`.
fn control_object(req: &Request) -> Result<Map<String, Value>, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        Ok(Map::new())
    } else {
        body_object(req)
    }
}

fn req_str(obj: &Map<String, Value>, name: &str) -> Result<String, ApiError> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Err(ApiError::missing(name)),
        Some(_) => Err(ApiError::invalid(name, "expected a string")),
    }
}

fn opt_str(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(ApiError::invalid(name, "expected a string")),
    }
}

/// A non-negative integer given as a JSON number or a numeric string.
fn int_value(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn bool_value(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// The emulator: settings, auth state, inventory and test control.
pub struct App {
    settings: Mutex<Settings>,
    auth: Mutex<AuthState>,
    inventory: Inventory,
    control: Control,
    tasks: AtomicU64,
}

impl Handler for App {
    fn handle(&self, req: &Request) -> Outcome {
        let segs = http::path_segments(&req.path);
        if segs.first().map(String::as_str) == Some("emulator") {
            let resp = self
                .control_request(req, &segs[1..])
                .unwrap_or_else(|e| e.to_response());
            return Outcome::Respond(resp);
        }
        self.api_request(req, &segs)
    }

    fn connection_accepted(&self) {
        self.control
            .counters
            .connections
            .fetch_add(1, Ordering::Relaxed);
    }
}

impl App {
    pub fn new(settings: Settings, client_password: &str, servers: usize) -> Self {
        App {
            settings: Mutex::new(settings),
            auth: Mutex::new(AuthState::new(client_password)),
            inventory: Inventory::generate(servers),
            control: Control::default(),
            tasks: AtomicU64::new(0),
        }
    }

    fn settings(&self) -> Settings {
        *self.settings.lock()
    }

    // -----------------------------------------------------------------------------------------
    // API requests: counting, faults, logging, dispatch

    fn api_request(&self, req: &Request, segs: &[String]) -> Outcome {
        let settings = self.settings();
        let route = resolve(&req.method, segs);
        self.control.count(&req.method);
        let counters = &self.control.counters;
        match route {
            Some(Route::Login) => {
                counters.logins.fetch_add(1, Ordering::Relaxed);
            }
            Some(Route::KeyLogin | Route::KeyLink(_)) => {
                counters.key_logins.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
        let decoded = format!("/{}", segs.join("/"));
        let fault = self.control.take_fault(&req.method, &req.path, &decoded);
        if settings.log_requests {
            self.control.log(req, fault.as_ref().map(FaultKind::name));
        }
        let Some(fault) = fault else {
            return Outcome::Respond(self.dispatch(req, route, &settings));
        };
        counters.faults_served.fetch_add(1, Ordering::Relaxed);
        let resp = match fault {
            FaultKind::Suspended => ApiError::suspended().to_response(),
            FaultKind::Unavailable { retry_after } => {
                let resp = ApiError::suspended().to_response();
                match retry_after {
                    Some(v) => resp.with_header("Retry-After", v),
                    None => resp,
                }
            }
            FaultKind::Close => return Outcome::Close,
            FaultKind::Delay { ms } => {
                std::thread::sleep(Duration::from_millis(ms));
                self.dispatch(req, route, &self.settings())
            }
            FaultKind::Truncate => {
                let mut resp = self.dispatch(req, route, &settings);
                let body = resp.body.as_slice();
                let half = body[..body.len() / 2].to_vec();
                resp.body = Body::Owned(half);
                resp.status = 200;
                resp
            }
            FaultKind::Html502 => Response {
                status: 502,
                content_type: "text/html",
                headers: Vec::new(),
                body: Body::Owned(HTML_502.as_bytes().to_vec()),
            },
            FaultKind::Unauthorized { status } => ApiError::unauthorized(status).to_response(),
            FaultKind::ApiError {
                status,
                code,
                msg,
                value,
            } => ApiError {
                status,
                code,
                msg,
                value,
            }
            .to_response(),
            FaultKind::Redirect { status, location } => Response {
                status,
                content_type: "text/html",
                headers: vec![("Location", location)],
                body: Body::Owned(Vec::new()),
            },
            FaultKind::Empty { status } => Response {
                status,
                content_type: "application/json",
                headers: Vec::new(),
                body: Body::Owned(Vec::new()),
            },
            FaultKind::BadUtf8 => Response {
                status: 200,
                content_type: "application/json",
                headers: Vec::new(),
                body: Body::Owned(b"{\"domain\":\"\xff\xfe\xfd\"}".to_vec()),
            },
            FaultKind::Echo { form } => echo(req, form),
        };
        Outcome::Respond(resp)
    }

    fn dispatch(&self, req: &Request, route: Option<Route>, s: &Settings) -> Response {
        self.route_request(req, route, s)
            .unwrap_or_else(|e| e.to_response())
    }

    fn route_request(&self, req: &Request, route: Option<Route>, s: &Settings) -> ApiResult {
        if !matches!(req.method.as_str(), "GET" | "POST" | "DELETE") {
            return Err(ApiError::method_not_allowed());
        }
        let route = route.ok_or_else(ApiError::no_handler)?;
        let level = route.level();
        if level == Level::Public {
            return match route {
                Route::Login => self.login(req, s),
                Route::KeyLogin => self.key_login(req, s),
                Route::KeyLink(key) => self.key_link(key, s),
                _ => Err(ApiError::no_handler()),
            };
        }
        let caller = self.authenticate(req, s)?;
        if level == Level::Admin && !caller.admin {
            return Err(ApiError::forbidden());
        }
        let c = &caller;
        match route {
            Route::CreateKey(user) => self.create_key(req, user, s),
            Route::CreateToken => self.create_token(req, c, s),
            Route::DeleteToken(token) => self.delete_token(token, c),
            Route::SetTokenTtl => self.set_token_ttl(req),
            Route::Whoami => self.whoami(c, s),
            Route::ServerList => self.server_list(req, c),
            Route::ServerConfigs => {
                Ok(Response::shared(200, self.inventory.configurations.clone()))
            }
            Route::Server(id) => {
                let rec = self.visible_server(id, c)?;
                Ok(Response::json(200, rec.json.to_vec()))
            }
            Route::PowerReset(id) => self.power_reset(req, id, c),
            Route::UserList => self.user_list(req),
            Route::UserCreate => self.user_create(req),
            Route::BootOrder => self.boot_order(req),
            Route::Login | Route::KeyLogin | Route::KeyLink(_) => Err(ApiError::no_handler()),
        }
    }

    fn authenticate(&self, req: &Request, s: &Settings) -> Result<Caller, ApiError> {
        let unauthorized = || ApiError::unauthorized(s.unauthorized_status);
        let token = token_from(req).ok_or_else(unauthorized)?;
        let mut auth = self.auth.lock();
        let id = auth
            .authenticate(
                &token,
                Instant::now(),
                state::unix_now(),
                Duration::from_secs(s.token_ttl_secs),
            )
            .ok_or_else(unauthorized)?;
        let user = auth.user(id).ok_or_else(unauthorized)?;
        Ok(Caller {
            id,
            email: user.email.clone(),
            admin: user.role == Role::Admin,
        })
    }

    // -----------------------------------------------------------------------------------------
    // auth v4

    fn session_answer(&self, user_id: u64, s: &Settings) -> Response {
        let token = self.auth.lock().issue_session(user_id, Instant::now(), s);
        Response::json_value(
            s.login_status,
            &json!({
                "confirmed": true,
                "id": id_value(user_id, s.numeric_ids),
                "token": token,
            }),
        )
    }

    fn login(&self, req: &Request, s: &Settings) -> ApiResult {
        let body = body_object(req)?;
        let email = req_str(&body, "email")?;
        let password = req_str(&body, "password")?;
        let user_id = self
            .auth
            .lock()
            .check_password(&email, &password)
            .ok_or_else(|| ApiError::unauthorized(s.unauthorized_status))?;
        Ok(self.session_answer(user_id, s))
    }

    fn redeem_key(&self, key: &str, s: &Settings) -> Result<u64, ApiError> {
        self.auth
            .lock()
            .redeem_key(key, Instant::now(), Duration::from_secs(s.key_ttl_secs))
            .ok_or_else(|| ApiError::unauthorized(s.unauthorized_status))
    }

    fn key_login(&self, req: &Request, s: &Settings) -> ApiResult {
        let body = body_object(req)?;
        let key = req_str(&body, "key")?;
        let user_id = self.redeem_key(&key, s)?;
        Ok(self.session_answer(user_id, s))
    }

    fn key_link(&self, key: &str, s: &Settings) -> ApiResult {
        let user_id = self.redeem_key(key, s)?;
        let token = self.auth.lock().issue_session(user_id, Instant::now(), s);
        Ok(Response {
            status: 302,
            content_type: "text/html",
            headers: vec![
                ("Location", "/".to_string()),
                (
                    "Set-Cookie",
                    format!("ses6={token}; Path=/; HttpOnly; Secure"),
                ),
            ],
            body: Body::Owned(Vec::new()),
        })
    }

    fn create_key(&self, req: &Request, user: &str, s: &Settings) -> ApiResult {
        body_object(req)?;
        let mut auth = self.auth.lock();
        let user_id = if !user.is_empty() && user.bytes().all(|b| b.is_ascii_digit()) {
            user.parse().ok().and_then(|id| auth.user(id)).map(|u| u.id)
        } else {
            auth.user_by_email(user).map(|u| u.id)
        }
        .ok_or_else(ApiError::not_found)?;
        let (key_id, key) = auth.issue_key(user_id, Instant::now(), s);
        drop(auth);
        ok(&json!({ "id": id_value(key_id, s.numeric_ids), "key": key }))
    }

    fn create_token(&self, req: &Request, c: &Caller, s: &Settings) -> ApiResult {
        let body = body_object(req)?;
        let expires = req_str(&body, "expires_at")?;
        let description = opt_str(&body, "description")?.unwrap_or_default();
        let at = state::parse_datetime(expires.trim()).ok_or_else(|| {
            ApiError::invalid("expires_at", "expected 'YYYY-MM-DD HH:MM:SS' (UTC)")
        })?;
        if at <= state::unix_now() {
            return Err(ApiError::invalid("expires_at", "must be in the future"));
        }
        let (id, token) = self.auth.lock().issue_long_lived(c.id, at, &description);
        ok(&json!({
            "id": id_value(id, s.numeric_ids),
            "token": token,
            "expires_at": state::format_datetime(at),
            "description": description,
        }))
    }

    fn delete_token(&self, token: &str, c: &Caller) -> ApiResult {
        let mut auth = self.auth.lock();
        match auth.token_owner(token) {
            Some(owner) if owner == c.id || c.admin => {
                auth.delete_token(token);
                ok(&json!({}))
            }
            _ => Err(ApiError::not_found()),
        }
    }

    fn set_token_ttl(&self, req: &Request) -> ApiResult {
        let body = body_object(req)?;
        let v = body
            .get("value")
            .ok_or_else(|| ApiError::missing("value"))?;
        let minutes = int_value(v)
            .filter(|m| (1..=u64::MAX / 60).contains(m))
            .ok_or_else(|| ApiError::invalid("value", "expected a positive number of minutes"))?;
        self.settings.lock().token_ttl_secs = minutes * 60;
        ok(&json!({}))
    }

    fn whoami(&self, c: &Caller, s: &Settings) -> ApiResult {
        let auth = self.auth.lock();
        let u = auth.user(c.id).ok_or_else(ApiError::not_found)?;
        ok(&json!({
            "id": id_value(u.id, s.numeric_ids),
            "email": u.email,
            "full_name": u.full_name,
            "phone_number": u.phone_number,
            "roles": [u.role.name()],
            "state": "active",
        }))
    }

    // -----------------------------------------------------------------------------------------
    // dci v3

    fn can_see(c: &Caller, rec: &ServerRec) -> bool {
        c.admin
            || rec
                .owner
                .as_deref()
                .is_some_and(|o| o.eq_ignore_ascii_case(&c.email))
    }

    fn visible_server(&self, id: &str, c: &Caller) -> Result<&ServerRec, ApiError> {
        id.parse::<u64>()
            .ok()
            .and_then(|id| self.inventory.get(id))
            .filter(|rec| Self::can_see(c, rec))
            .ok_or_else(ApiError::not_found)
    }

    fn server_list(&self, req: &Request, c: &Caller) -> ApiResult {
        let q = ListQuery::from_params(&http::parse_query(&req.query))
            .map_err(|e| ApiError::query(&e))?;
        if c.admin && q.is_trivial() {
            return Ok(Response::shared(200, self.inventory.full_list.clone()));
        }
        let visible = self
            .inventory
            .servers
            .iter()
            .filter(|rec| Self::can_see(c, rec));
        let (page, total) = q.apply(visible, |rec| &rec.value);
        let mut body =
            Vec::with_capacity(page.iter().map(|r| r.json.len() + 1).sum::<usize>() + 40);
        body.extend_from_slice(b"{\"list\":[");
        for (i, rec) in page.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&rec.json);
        }
        body.push(b']');
        if q.limit.is_some() {
            body.extend_from_slice(format!(",\"size\":{total}").as_bytes());
        }
        body.push(b'}');
        Ok(Response::json(200, body))
    }

    fn power_reset(&self, req: &Request, id: &str, c: &Caller) -> ApiResult {
        body_object(req)?;
        let rec = self.visible_server(id, c)?;
        let task = self.tasks.fetch_add(1, Ordering::Relaxed) + 1;
        ok(&json!({ "id": rec.id, "task": task }))
    }

    fn user_list(&self, req: &Request) -> ApiResult {
        let q = ListQuery::from_params(&http::parse_query(&req.query))
            .map_err(|e| ApiError::query(&e))?;
        let users: Vec<Value> = self
            .auth
            .lock()
            .users
            .iter()
            .map(|u| {
                json!({
                    "id": u.id,
                    "email": u.email,
                    "full_name": u.full_name,
                    "phone_number": u.phone_number,
                    "roles": [u.role.name()],
                    "state": "active",
                })
            })
            .collect();
        let (page, total) = q.apply(users.iter(), |v| v);
        let mut out = json!({ "list": page });
        if q.limit.is_some() {
            out["size"] = json!(total);
        }
        ok(&out)
    }

    fn user_create(&self, req: &Request) -> ApiResult {
        const ALLOWED: [&str; 5] = ["email", "full_name", "password", "phone_number", "role"];
        let body = body_object(req)?;
        if let Some(k) = body.keys().find(|k| !ALLOWED.contains(&k.as_str())) {
            return Err(ApiError::unexpected(k));
        }
        let email = req_str(&body, "email")?;
        if !email.contains('@') || email.trim() != email {
            return Err(ApiError::invalid("email", "expected an e-mail address"));
        }
        let password = req_str(&body, "password")?;
        if password.is_empty() {
            return Err(ApiError::invalid("password", "must not be empty"));
        }
        let full_name = opt_str(&body, "full_name")?.unwrap_or_default();
        let phone = opt_str(&body, "phone_number")?.unwrap_or_default();
        let role = match opt_str(&body, "role")?.as_deref() {
            None | Some("@user" | "user") => Role::User,
            Some("@admin" | "admin") => Role::Admin,
            Some(_) => {
                return Err(ApiError::invalid(
                    "role",
                    "expected @admin or @user (admin, user)",
                ))
            }
        };
        let id = self
            .auth
            .lock()
            .add_user(&email, &full_name, &password, &phone, role)
            .map_err(|()| ApiError::exists("email"))?;
        ok(&json!({ "id": id }))
    }

    fn boot_order(&self, req: &Request) -> ApiResult {
        let body = body_object(req)?;
        let v = body
            .get("value")
            .ok_or_else(|| ApiError::missing("value"))?;
        let b = bool_value(v)
            .ok_or_else(|| ApiError::invalid("value", "expected \"true\" or \"false\""))?;
        self.auth.lock().boot_order_setting = b.to_string();
        ok(&json!({}))
    }

    // -----------------------------------------------------------------------------------------
    // /emulator control endpoints

    fn config_json(s: &Settings) -> Value {
        json!({
            "login_status": s.login_status,
            "numeric_ids": s.numeric_ids,
            "token_ttl_secs": s.token_ttl_secs,
            "key_ttl_secs": s.key_ttl_secs,
            "unauthorized_status": s.unauthorized_status,
            "log_requests": s.log_requests,
        })
    }
}

/// Applies a `POST /emulator/config` body to settings (all or nothing).
fn apply_config(mut s: Settings, body: &Map<String, Value>) -> Result<Settings, ApiError> {
    for (k, v) in body {
        let status_in = |lo: u64, hi: u64| {
            int_value(v)
                .filter(|n| (lo..=hi).contains(n))
                .map(|n| n as u16)
                .ok_or_else(|| ApiError::invalid(k, &format!("expected an HTTP status {lo}..{hi}")))
        };
        let boolean = || bool_value(v).ok_or_else(|| ApiError::invalid(k, "expected a boolean"));
        let secs =
            || int_value(v).ok_or_else(|| ApiError::invalid(k, "expected seconds (integer)"));
        match k.as_str() {
            "login_status" => s.login_status = status_in(200, 299)?,
            "unauthorized_status" => s.unauthorized_status = status_in(100, 599)?,
            "numeric_ids" => s.numeric_ids = boolean()?,
            "log_requests" => s.log_requests = boolean()?,
            "token_ttl_secs" => s.token_ttl_secs = secs()?,
            "key_ttl_secs" => s.key_ttl_secs = secs()?,
            _ => return Err(ApiError::unexpected(k)),
        }
    }
    Ok(s)
}

impl App {
    fn control_request(&self, req: &Request, rest: &[String]) -> ApiResult {
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        let method = req.method.as_str();
        match (method, rest.as_slice()) {
            ("GET", ["health"]) => ok(&json!({ "ok": true })),
            ("POST", ["faults"]) => {
                if req.body.iter().all(u8::is_ascii_whitespace) {
                    return Err(ApiError::missing("kind"));
                }
                let v: Value = serde_json::from_slice(&req.body)
                    .map_err(|e| ApiError::bad_request(&format!("bad JSON: {e}")))?;
                let items = match v {
                    Value::Array(a) => a,
                    other => vec![other],
                };
                let faults = items
                    .iter()
                    .map(Fault::from_json)
                    .collect::<Result<Vec<_>, _>>()?;
                let queued = self.control.push_faults(faults);
                ok(&json!({ "queued": queued }))
            }
            ("GET", ["faults"]) => ok(&self.control.faults_json()),
            ("DELETE", ["faults"]) => {
                self.control.clear_faults();
                ok(&json!({ "queued": 0 }))
            }
            ("POST", ["suspend"]) => {
                let body = control_object(req)?;
                let v = body
                    .get("requests")
                    .ok_or_else(|| ApiError::missing("requests"))?;
                let n = int_value(v).ok_or_else(|| {
                    ApiError::invalid("requests", "expected a non-negative integer")
                })?;
                if let Some(k) = body.keys().find(|k| *k != "requests") {
                    return Err(ApiError::unexpected(k));
                }
                self.control.set_suspend(n);
                ok(&json!({ "suspended": n }))
            }
            ("GET", ["config"]) => ok(&Self::config_json(&self.settings())),
            ("POST", ["config"]) => {
                let body = control_object(req)?;
                let mut guard = self.settings.lock();
                let new = apply_config(*guard, &body)?;
                *guard = new;
                drop(guard);
                ok(&Self::config_json(&new))
            }
            ("POST", ["expire_tokens"]) => {
                let body = control_object(req)?;
                if let Some(k) = body.keys().find(|k| *k != "all") {
                    return Err(ApiError::unexpected(k));
                }
                let all = match body.get("all") {
                    None | Some(Value::Null) => false,
                    Some(v) => bool_value(v)
                        .ok_or_else(|| ApiError::invalid("all", "expected a boolean"))?,
                };
                let expired = self.auth.lock().expire_tokens(all);
                ok(&json!({ "expired": expired }))
            }
            ("GET", ["requests"]) => {
                let params = http::parse_query(&req.query);
                let since = match params.iter().rev().find(|(k, _)| k == "since") {
                    None => 0,
                    Some((_, v)) => v
                        .trim()
                        .parse()
                        .map_err(|_| ApiError::invalid("since", "expected an integer"))?,
                };
                Ok(Response::json(200, self.control.log_json(since)))
            }
            ("DELETE", ["requests"]) => {
                let cleared = self.control.clear_log();
                ok(&json!({ "cleared": cleared }))
            }
            ("GET", ["stats"]) => ok(&self.control.counters.to_json()),
            _ if !matches!(method, "GET" | "POST" | "DELETE") => {
                Err(ApiError::method_not_allowed())
            }
            _ => Err(ApiError::no_handler()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Request {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            minor_version: 1,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn call(app: &App, r: &Request) -> (u16, Value) {
        match app.handle(r) {
            Outcome::Respond(resp) => {
                let body = resp.body.as_slice();
                let v = if body.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_slice(body).unwrap_or(Value::Null)
                };
                (resp.status, v)
            }
            Outcome::Close => (0, Value::Null),
        }
    }

    fn login(app: &App, email: &str, pw: &str) -> String {
        let body = format!(r#"{{"email":"{email}","password":"{pw}"}}"#);
        let (st, v) = call(app, &req("POST", "/api/auth/v4/public/token", &[], &body));
        assert_eq!(st, 200, "{v}");
        v["token"].as_str().unwrap().to_string()
    }

    fn app() -> App {
        App::new(Settings::default(), "client-secret", 100)
    }

    #[test]
    fn login_and_list() {
        let app = app();
        let t = login(&app, "client@example.com", "client-secret");
        assert!(t.starts_with("24-"));
        let (st, v) = call(
            &app,
            &req(
                "GET",
                "/api/dci/v3/server?where=location_id+EQ+3&limit=0,2&orderby=id+desc",
                &[("x-xsrf-token", &t)],
                "",
            ),
        );
        assert_eq!(st, 200);
        let list = v["list"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert!(v["size"].as_u64().unwrap() >= 2);
        assert!(list[0]["id"].as_u64() > list[1]["id"].as_u64());
        for s in list {
            assert_eq!(s["owner_email"], "client@example.com");
            assert_eq!(s["location_id"], 3);
        }
        // cookie works too, mismatch does not
        let cookie = format!("a=b; ses6={t}");
        let (st, _) = call(
            &app,
            &req("GET", "/api/auth/v4/whoami", &[("cookie", &cookie)], ""),
        );
        assert_eq!(st, 200);
        let (st, v) = call(
            &app,
            &req(
                "GET",
                "/auth/v4/whoami",
                &[("cookie", &cookie), ("x-xsrf-token", "24-x")],
                "",
            ),
        );
        assert_eq!((st, v["error"]["code"].as_i64()), (401, Some(3001)));
    }

    #[test]
    fn roles_and_errors() {
        let app = app();
        let user = login(&app, "client@example.com", "client-secret");
        let admin = login(&app, "admin@example.com", "secret");
        let h = |t: &str| vec![("x-xsrf-token".to_string(), t.to_string())];
        let with = |m: &str, p: &str, t: &str, b: &str| {
            let mut r = req(m, p, &[], b);
            r.headers = h(t);
            call(&app, &r)
        };
        assert_eq!(with("GET", "/api/dci/v3/user", &user, "").0, 403);
        assert_eq!(with("GET", "/api/dci/v3/user", &admin, "").0, 200);
        // server 4 belongs to owner1..4@example.org: invisible to the client
        assert_eq!(
            with("GET", "/api/dci/v3/server/4", &user, "").1["error"]["code"],
            3080
        );
        assert_eq!(with("GET", "/api/dci/v3/server/4", &admin, "").1["id"], 4);
        assert_eq!(with("GET", "/api/dci/v3/server/1", &user, "").1["id"], 1);
        assert_eq!(
            with("GET", "/api/dci/v3/nothing", &user, "").1["error"]["code"],
            1106
        );
        assert_eq!(
            with("GET", "/api/dci/v3/server?where=id+EQ", &user, "").0,
            400
        );
        let (st, v) = with(
            "POST",
            "/api/dci/v3/user",
            &admin,
            r#"{"email":"n@example.com","password":"p","colour":"red"}"#,
        );
        assert_eq!(
            (st, v["error"]["msg"].as_str()),
            (400, Some("Unexpected property"))
        );
        assert_eq!(v["error"]["value"]["property"], "colour");
        let (st, v) = with(
            "POST",
            "/api/dci/v3/user",
            &admin,
            r#"{"email":"n@example.com","password":"p","role":"@user"}"#,
        );
        assert_eq!((st, v["id"].as_u64()), (200, Some(25)));
        assert_eq!(
            login(&app, "n@example.com", "p").split('-').next(),
            Some("25")
        );
        // keys
        let (st, v) = with(
            "POST",
            "/api/auth/v4/user/client%40example.com/key",
            &admin,
            "{}",
        );
        assert_eq!(st, 200);
        let key = v["key"].as_str().unwrap().to_string();
        assert!(key.starts_with(&format!("{}-", v["id"].as_str().unwrap())));
        let (st, v) = call(
            &app,
            &req(
                "POST",
                "/api/auth/v4/public/key",
                &[],
                &format!(r#"{{"key":"{key}"}}"#),
            ),
        );
        assert_eq!((st, v["id"].as_str()), (200, Some("24")));
        assert_eq!(
            with(
                "POST",
                "/api/auth/v4/user/nobody@example.com/key",
                &admin,
                "{}"
            )
            .0,
            404
        );
        assert_eq!(with("POST", "/api/auth/v4/user/24/key", &user, "{}").0, 403);
        // logout
        let path = format!("/api/auth/v4/token/{user}");
        assert_eq!(with("DELETE", &path, &user, "").0, 200);
        assert_eq!(with("GET", "/api/auth/v4/whoami", &user, "").0, 401);
        // empty POST body
        assert_eq!(
            with("POST", "/api/dci/v3/server/1/power_reset", &admin, "").0,
            400
        );
        assert_eq!(
            with("POST", "/api/dci/v3/server/1/power_reset", &admin, "{}").1["id"],
            1
        );
        assert_eq!(with("PUT", "/api/dci/v3/server", &admin, "").0, 405);
    }

    #[test]
    fn faults_apply() {
        let app = app();
        let (st, v) = call(
            &app,
            &req(
                "POST",
                "/emulator/faults",
                &[],
                r#"[{"kind":"truncate","path":"public/token"},{"kind":"api_error","status":502,"code":7,"msg":"m"}]"#,
            ),
        );
        assert_eq!((st, v["queued"].as_u64()), (200, Some(2)));
        let login_body = r#"{"email":"admin@example.com","password":"secret"}"#;
        let r = req("POST", "/api/auth/v4/public/token", &[], login_body);
        match app.handle(&r) {
            Outcome::Respond(resp) => {
                assert_eq!(resp.status, 200);
                assert!(serde_json::from_slice::<Value>(resp.body.as_slice()).is_err());
            }
            Outcome::Close => panic!(),
        }
        let (st, v) = call(&app, &r);
        assert_eq!((st, v["error"]["code"].as_i64()), (502, Some(7)));
        assert_eq!(call(&app, &r).0, 200);
        let (_, stats) = call(&app, &req("GET", "/emulator/stats", &[], ""));
        assert_eq!(stats["logins"], 3);
        assert_eq!(stats["faults_served"], 2);
        let (_, log) = call(&app, &req("GET", "/emulator/requests", &[], ""));
        let faults: Vec<Value> = log["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["fault"].clone())
            .collect();
        assert_eq!(
            faults,
            vec![json!("truncate"), json!("api_error"), Value::Null]
        );
    }
}
