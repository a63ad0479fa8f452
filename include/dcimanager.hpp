// dcimanager.hpp: a header-only C++17 wrapper over the C API in dcimanager.h.
//
//   dci::Client client("https://dci.example.com");
//   client.set_ca_file("/etc/ssl/dci-ca.pem");
//   dci::LoginInfo me = client.login("admin@example.com", "secret");   // me.user_id == "3"
//   std::string server = client.get("dci/v3/server/2");                 // JSON text
//   for (const std::string &s : client.paginate("dci/v3/server",
//                                               "owner_email EQ " + dci::quote(email)))
//       ...;
//
// Errors are exceptions, one class per dci_status, chosen in one place (dci::detail::raise):
// dci::Error ⊃ dci::ApiError ⊃ dci::UnauthorizedError; dci::HttpError, dci::ConnectError,
// dci::TimeoutError, dci::TlsError, dci::RetriesExhaustedError, dci::InvalidArgumentError,
// dci::DecodeError, dci::InterruptedError, dci::InternalError. Every error carries the facts
// of the C API's dci_last_error_* (phase, request_sent, attempts, http_status,
// api_code/message/value, argument, body, tls_pin, method, url), read once, right after the
// failing call (ErrorFacts::last): decide on them, not on what(). what() names the request
// when there was one: "GET /api/dci/v3/server/999: API error 3080 (HTTP 404): ...". Messages
// and URLs never contain a token, password, key or a proxy's credentials; dci::KeyInfo and
// dci::LoginInfo print without their secret.
//
// Interrupting: Client::interrupt() — from another thread, or from a signal handler (it is
// async-signal-safe) — makes every call in flight on that client throw dci::InterruptedError
// within 100 ms of its next wait (connecting, TLS, sending, waiting for the answer, sleeping
// before a retry); later calls are not affected and the client stays usable.
//
//   static dci::Client *g_client;                       // set while g_client is alive
//   extern "C" void on_sigint(int) { if (g_client) g_client->interrupt(); }
//
// Networks and certificates (see the notes at the top of dcimanager.h):
//   - Trust: the operating system's store (SSL_CERT_FILE and SSL_CERT_DIR honoured; Mozilla's
//     roots compiled in where the system has none), read once per process.
//   - The platform's self-signed certificate: client.set_ca_file("/etc/ssl/dci.pem") with the
//     certificate itself (trusted when the server presents exactly it; name and dates are
//     still checked), or pin its key: learn the pin once with dci::server_pin(url), compare it
//     out of band (on the platform's console), keep it in the configuration, then
//     client.set_pinned_pubkey(pin). A refused certificate throws dci::TlsError, whose
//     tls_pin() is the pin of the key the server presented.
//   - Proxies: from the environment by default (https_proxy, all_proxy, no_proxy...), or
//     client.set_proxy("http://user:pass@proxy:3128") / set_proxy("") (none) /
//     use_environment_proxy(), and set_no_proxy("localhost,10.0.0.0/8") /
//     use_environment_no_proxy(). A proxy that refuses throws dci::ConnectError (phase
//     "connect"), its message naming the proxy without its credentials.
//
// Logging: client.set_log_callback(f) (one client) and dci::set_log_callback(f) (every client
// of the process) call f(const dci::LogRecord &) for each event from a level up: requests and
// connections (debug), retries and re-logins (info), calls given up and an insecure client
// (warning). The record's strings are views valid during the call only. f runs on the thread
// that makes the request (in send_all, on the batch's threads, several at once): it must be
// thread-safe, quick, and must not use the client that is logging. An exception f throws is
// caught and dropped (it never crosses into C). No record carries a token, password or key.
//
//   client.set_log_callback([](const dci::LogRecord &r) {
//       std::clog << dci::to_string(r.level) << ' ' << r.message << ' ' << r.fields_json << '\n';
//   });  // [info] GET /api/dci/v3/server/2: HTTP 503; retry 1 of 10 in 0 ms {"event":"retry",...}
//
// Batches: client.send_all(requests, concurrency) sends them at once (8 in flight by default,
// on threads that live only during the call) and returns one dci::Result per request, in
// order: the Response whatever its HTTP status, or the failure send() would have thrown, kept
// as a std::exception_ptr of its own class with its own facts. One failure does not fail the
// others; the batch shares the client's time budget (set_timeout): requests that cannot start
// in time fail with TimeoutError, never sent.
//
//   std::vector<dci::Request> reqs;
//   for (int id : ids) reqs.emplace_back("GET", "dci/v3/server/" + std::to_string(id));
//   for (dci::Result &r : client.send_all(reqs, 16)) {
//       try {
//           r.response().raise_for_status();         // rethrows a failure without an answer,
//           use(r.response().body());                 // then the answer's own error, if any
//       } catch (const dci::Error &e) { ... }
//   }
//
// Ownership: dci::Client, dci::Request, dci::Response and dci::Pages own their C handles
// (move-only, freed once in the destructor); every string the library hands out is copied
// into a std::string and freed with dci_string_free at once. A dci::Client may be used from
// many threads at once; a dci::Pages keeps its client alive.
#ifndef DCIMANAGER_HPP
#define DCIMANAGER_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcimanager.h"

namespace dci {

/// The facts of a failure, read from the C API's dci_last_error_* right after it.
struct ErrorFacts {
    /// Where an exchange without an answer stopped ("resolve", "connect", "tls", "send",
    /// "wait", "read"), empty when an answer arrived or nothing was attempted.
    std::string phase;
    /// Whether the server may have seen the request.
    bool request_sent = false;
    /// Attempts made for the call, retries included: each try counts, one whose connection
    /// failed too (3 for a refused connection retried twice, nothing sent).
    uint32_t attempts = 0;
    /// The HTTP status behind the error, 0 without an answer.
    uint16_t http_status = 0;
    /// The platform's error code (e.g. 3001), 0 when none.
    int32_t api_code = 0;
    /// The platform's error.msg, empty when none.
    std::string api_message;
    /// The platform's error.value as JSON text, empty when none.
    std::string api_value;
    /// For InvalidArgumentError: the argument refused ("url", "path", "header"...), else empty.
    std::string argument;
    /// The start of a body that was not what was expected, secrets masked.
    std::string body;
    /// For a TlsError about the server's certificate (not trusted, expired, another name, a
    /// pin mismatch): the pin of the key the server presented ("sha256//<base64>", curl's
    /// format), to compare out of band and give to Client::set_pinned_pubkey; else empty.
    std::string tls_pin;
    /// The failed request's method ("GET", "POST"...), empty when the failure had no request
    /// (a setter's invalid argument, an error found by the wrapper itself).
    std::string method;
    /// The failed request's full URL, query included, secrets redacted (a token in the path
    /// too): "https://dci.example.com/api/dci/v3/server/999"; empty when the failure had no
    /// request or its path could not be made into a URL.
    std::string url;

    /// The facts of the last failed call on this thread. They are errno-like: only a call
    /// that fails replaces them — a successful call does not clear them (dci_last_error_clear
    /// does) — so read them right after the call that failed, as detail::check does; every
    /// exception of this wrapper holds its own copy.
    static ErrorFacts last() {
        ErrorFacts f;
        f.phase = dci_phase_name(static_cast<int32_t>(dci_last_error_phase()));
        f.request_sent = dci_last_error_request_sent();
        f.attempts = dci_last_error_attempts();
        f.http_status = dci_last_error_http_status();
        f.api_code = dci_last_error_api_code();
        f.api_message = dci_last_error_api_msg();
        f.api_value = dci_last_error_api_value();
        f.argument = dci_last_error_argument();
        f.body = dci_last_error_body();
        f.tls_pin = dci_last_error_tls_pin();
        f.method = dci_last_error_method();
        f.url = dci_last_error_url();
        return f;
    }
};

/// Base of every error: the status, the message and the facts.
class Error : public std::runtime_error {
public:
    Error(dci_status status, const std::string &message, ErrorFacts facts)
        : std::runtime_error(message), status_(status), facts_(std::move(facts)) {}
    /// The C API's status for this error.
    [[nodiscard]] dci_status status() const noexcept { return status_; }
    /// Every fact of the error.
    [[nodiscard]] const ErrorFacts &facts() const noexcept { return facts_; }
    /// The platform's error code (e.g. 3001), 0 when none.
    [[nodiscard]] int32_t api_code() const noexcept { return facts_.api_code; }
    /// The HTTP status of the answer behind the error, 0 when no answer arrived.
    [[nodiscard]] uint16_t http_status() const noexcept { return facts_.http_status; }
    /// The platform's own message (error.msg), empty when none.
    [[nodiscard]] const std::string &api_message() const noexcept { return facts_.api_message; }
    /// The platform's error.value as JSON text, empty when none.
    [[nodiscard]] const std::string &api_value() const noexcept { return facts_.api_value; }
    /// Where the exchange stopped ("connect", "wait"...), empty when an answer arrived.
    [[nodiscard]] const std::string &phase() const noexcept { return facts_.phase; }
    /// Whether the server may have seen the request.
    [[nodiscard]] bool request_sent() const noexcept { return facts_.request_sent; }
    /// Attempts made for the call, retries and failed connections included.
    [[nodiscard]] uint32_t attempts() const noexcept { return facts_.attempts; }
    /// The argument refused, for InvalidArgumentError.
    [[nodiscard]] const std::string &argument() const noexcept { return facts_.argument; }
    /// The start of a body that was not what was expected.
    [[nodiscard]] const std::string &body() const noexcept { return facts_.body; }
    /// For a TlsError about the server's certificate: the pin of the key it presented
    /// ("sha256//<base64>"), which the message shows too; empty otherwise.
    [[nodiscard]] const std::string &tls_pin() const noexcept { return facts_.tls_pin; }
    /// The failed request's method ("GET", "POST"...), empty when there was no request.
    [[nodiscard]] const std::string &method() const noexcept { return facts_.method; }
    /// The failed request's URL, query included, secrets redacted; empty when there was no
    /// request.
    [[nodiscard]] const std::string &url() const noexcept { return facts_.url; }

private:
    dci_status status_;
    ErrorFacts facts_;
};

/// The platform answered with its error body {"error":{"code","msg","value"}}.
class ApiError : public Error {
public:
    using Error::Error;
};
/// The platform refused the session (HTTP 401 or code 3001).
class UnauthorizedError : public ApiError {
public:
    using ApiError::ApiError;
};
/// An HTTP error status without the platform's error body (e.g. a proxy's HTML 502).
class HttpError : public Error {
public:
    using Error::Error;
};
/// The connection could not be made, or broke before a complete answer.
class ConnectError : public Error {
public:
    using Error::Error;
};
/// The call ran out of time.
class TimeoutError : public Error {
public:
    using Error::Error;
};
/// The TLS handshake failed (untrusted certificate, wrong host name, a pin mismatch...);
/// tls_pin() is the pin of the key the server presented.
class TlsError : public Error {
public:
    using Error::Error;
};
/// The platform kept answering 503 until no retry was left.
class RetriesExhaustedError : public Error {
public:
    using Error::Error;
};
/// An argument the library cannot use (bad URL, NUL inside a string, another origin...).
class InvalidArgumentError : public Error {
public:
    using Error::Error;
};
/// The name of 0.1 (every other class ends in "Error"); kept for one release.
using InvalidArgument [[deprecated("use dci::InvalidArgumentError")]] = InvalidArgumentError;
/// A success answer whose body is not the JSON expected, or is too large.
class DecodeError : public Error {
public:
    using Error::Error;
};
/// The call was interrupted while it waited (Client::interrupt, or an interrupt check set
/// on Client::native() with dci_client_set_interrupt_check): not retried, its connection
/// dropped; the client stays usable. phase() and request_sent() tell how far it got.
class InterruptedError : public Error {
public:
    using Error::Error;
};
/// A bug inside the library, caught at the C boundary.
class InternalError : public Error {
public:
    using Error::Error;
};

namespace detail {

/// The one place where a dci_status becomes an exception class.
[[noreturn]] inline void raise(dci_status status, const std::string &message, ErrorFacts facts) {
    switch (status) {
    case DCI_ERROR_INVALID_ARGUMENT: throw InvalidArgumentError(status, message, std::move(facts));
    case DCI_ERROR_CONNECT: throw ConnectError(status, message, std::move(facts));
    case DCI_ERROR_TIMEOUT: throw TimeoutError(status, message, std::move(facts));
    case DCI_ERROR_TLS: throw TlsError(status, message, std::move(facts));
    case DCI_ERROR_HTTP: throw HttpError(status, message, std::move(facts));
    case DCI_ERROR_API: throw ApiError(status, message, std::move(facts));
    case DCI_ERROR_UNAUTHORIZED: throw UnauthorizedError(status, message, std::move(facts));
    case DCI_ERROR_RETRIES_EXHAUSTED: throw RetriesExhaustedError(status, message, std::move(facts));
    case DCI_ERROR_DECODE: throw DecodeError(status, message, std::move(facts));
    case DCI_ERROR_INTERRUPTED: throw InterruptedError(status, message, std::move(facts));
    case DCI_ERROR_PANIC: throw InternalError(status, message, std::move(facts));
    case DCI_OK: break;
    }
    throw Error(status, message, std::move(facts));
}

/// Throws for a failed call, reading this thread's last error right away.
inline void check(dci_status status) {
    if (status != DCI_OK) {
        raise(status, dci_last_error_message(), ErrorFacts::last());
    }
}

/// An error found by the wrapper itself (nothing was sent).
[[noreturn]] inline void invalid(const std::string &what, const std::string &argument) {
    ErrorFacts f;
    f.argument = argument;
    raise(DCI_ERROR_INVALID_ARGUMENT, "invalid argument: " + what, std::move(f));
}

/// A std::string as a C string; a NUL inside would silently cut it, so it is refused.
inline const char *c_str(const std::string &s, const char *what) {
    if (s.find('\0') != std::string::npos) {
        invalid(std::string(what) + " contains a NUL byte", what);
    }
    return s.c_str();
}

/// Overwrites a string's bytes before it goes (it held a secret).
inline void wipe(std::string &s) noexcept {
    volatile char *p = s.data();
    for (size_t i = 0; i < s.size(); i++) p[i] = 0;
    s.clear();
}

struct StringFree {
    void operator()(char *s) const noexcept { dci_string_free(s); }
};
struct ClientFree {
    void operator()(dci_client *c) const noexcept { dci_client_free(c); }
};
struct RequestFree {
    void operator()(dci_request *r) const noexcept { dci_request_free(r); }
};
struct ResponseFree {
    void operator()(dci_response *r) const noexcept { dci_response_free(r); }
};
struct PagesFree {
    void operator()(dci_pages *p) const noexcept { dci_pages_free(p); }
};
struct BatchFree {
    void operator()(dci_batch *b) const noexcept { dci_batch_free(b); }
};

/// The exception a failed status stands for (made by raise(), with this thread's last error
/// read right away), captured instead of thrown; null for DCI_OK.
inline std::exception_ptr failure(dci_status status) {
    try {
        check(status);
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

/// Takes ownership of a string from the library: copies it, frees it once.
inline std::string take(char *s) {
    std::unique_ptr<char, StringFree> owned(s);
    return owned ? std::string(owned.get()) : std::string();
}

} // namespace detail

/// How much an event matters (the C API's dci_log_level).
enum class LogLevel {
    /// Every request and connection.
    debug = DCI_LOG_DEBUG,
    /// Retries and re-logins: the client working around something.
    info = DCI_LOG_INFO,
    /// A call given up after its retries; a client without TLS verification (once).
    warning = DCI_LOG_WARNING,
};

/// The level's lower-case name: "debug", "info" or "warning".
[[nodiscard]] inline const char *to_string(LogLevel level) noexcept {
    switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    }
    return "unknown";
}

/// One event of a client, handed to a log callback. The three strings are views of the
/// library's text, valid only during the callback: copy them (std::string(r.message)) to
/// keep them. None carries a token, password or key.
struct LogRecord {
    /// How much it matters.
    LogLevel level;
    /// A stable name: "request", "connection", "retry", "relogin", "give_up", "insecure".
    std::string_view event;
    /// For humans: "GET /api/dci/v3/server/2: HTTP 503; retry 1 of 10 in 0 ms".
    std::string_view message;
    /// The facts as a JSON object: {"event":"retry","method":"GET","path":"/api/dci/v3/server/2",
    /// "attempt":1,"max_retries":10,"status":503,"wait_ms":0}.
    std::string_view fields_json;
};

/// A log callback (Client::set_log_callback, dci::set_log_callback).
using LogCallback = std::function<void(const LogRecord &)>;

namespace detail {

/// Where the C callback finds the C++ one: the `user_data` the library is given, which lives
/// as long as anything may log through it (a Client's, shared with its Pages; the process's,
/// never freed). The function itself is swapped under a lock and copied out for each event,
/// so replacing or removing it while another thread logs is safe, and a removed function is
/// destroyed once the last event in flight is done with it.
class LogSlot {
public:
    /// The callback in place (null: none).
    [[nodiscard]] std::shared_ptr<const LogCallback> get() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return fn_;
    }
    /// Puts a callback in place (null: none) and returns the one it replaces.
    std::shared_ptr<const LogCallback> exchange(std::shared_ptr<const LogCallback> fn) {
        std::lock_guard<std::mutex> lock(mutex_);
        fn_.swap(fn);
        return fn;
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const LogCallback> fn_;
};

/// The slot of the process-wide callback: made once, never destroyed (a library thread may
/// log while the program exits).
inline LogSlot &global_log_slot() {
    static LogSlot *slot = new LogSlot();
    return *slot;
}

/// A C string as a view ("" for NULL).
inline std::string_view view(const char *s) noexcept { return s ? std::string_view(s) : std::string_view(); }

extern "C" {
/// The dci_log_fn of every callback of this wrapper: user_data is a LogSlot. Whatever the
/// C++ callback throws is caught and dropped here: no exception crosses into C.
inline void dcimanager_hpp_log(void *user_data, dci_log_level level, const char *event, const char *message,
                               const char *fields_json) noexcept {
    try {
        std::shared_ptr<const LogCallback> fn = static_cast<const LogSlot *>(user_data)->get();
        if (fn && *fn) {
            (*fn)(LogRecord{static_cast<LogLevel>(level), view(event), view(message), view(fields_json)});
        }
    } catch (...) {
        // Dropped: the callback must not break the call that logs, and C cannot unwind.
    }
}
}

} // namespace detail

/// Sends the events of every client of the process to `callback`, from `min_level` up,
/// besides each client's own callback; replaces an earlier one. The callback is kept (in a
/// static) until it is replaced or removed; an empty std::function removes it, as
/// clear_log_callback() does. See LogRecord, and Client::set_log_callback for the rules the
/// callback keeps (thread-safe, quick, not using the client that logs; what it throws is
/// dropped). Throws InvalidArgumentError when the process (a Rust program linking the library)
/// has installed another `log` logger.
inline void set_log_callback(LogCallback callback, LogLevel min_level = LogLevel::info) {
    if (!callback) {
        detail::check(dci_set_log_callback(DCI_LOG_WARNING, nullptr, nullptr));
        detail::global_log_slot().exchange(nullptr);
        return;
    }
    detail::LogSlot &slot = detail::global_log_slot();
    std::shared_ptr<const LogCallback> old = slot.exchange(std::make_shared<const LogCallback>(std::move(callback)));
    dci_status st = dci_set_log_callback(static_cast<dci_log_level>(min_level), detail::dcimanager_hpp_log, &slot);
    if (st != DCI_OK) {
        slot.exchange(std::move(old));
        detail::check(st);
    }
}

/// Stops the process-wide callback (each client's own goes on).
inline void clear_log_callback() { set_log_callback(nullptr); }

/// Query parameters: (name, value) pairs in order; the library encodes them.
using Params = std::vector<std::pair<std::string, std::string>>;

/// The answer to a login. The session token is not in it: the client uses it
/// (Client::token()).
struct LoginInfo {
    /// The user's id (text, whether the platform sent a string or a number).
    std::string user_id;
    /// The platform's confirmed flag.
    bool confirmed = false;
};

/// A single sign-on key, valid for one hour. Printing it shows its id only; its key is wiped
/// from memory when it is destroyed. Move-only.
class KeyInfo {
public:
    KeyInfo(std::string id, std::string key) : id_(std::move(id)), key_(std::move(key)) {}
    KeyInfo(KeyInfo &&) noexcept = default;
    KeyInfo &operator=(KeyInfo &&) noexcept = default;
    KeyInfo(const KeyInfo &) = delete;
    KeyInfo &operator=(const KeyInfo &) = delete;
    ~KeyInfo() { detail::wipe(key_); }
    /// The key's id.
    [[nodiscard]] const std::string &id() const noexcept { return id_; }
    /// The key (a secret: do not log it).
    [[nodiscard]] const std::string &key() const noexcept { return key_; }

private:
    std::string id_;
    std::string key_;
};

/// Prints "KeyInfo{id=4, key=<hidden>}".
inline std::ostream &operator<<(std::ostream &os, const KeyInfo &k) {
    return os << "KeyInfo{id=" << k.id() << ", key=<hidden>}";
}

/// Prints "LoginInfo{user_id=3, confirmed=true}".
inline std::ostream &operator<<(std::ostream &os, const LoginInfo &i) {
    return os << "LoginInfo{user_id=" << i.user_id << ", confirmed=" << (i.confirmed ? "true" : "false") << "}";
}

/// A request to build and send with Client::send (RAII over dci_request; move-only;
/// reusable).
class Request {
public:
    /// A request: "GET", "POST", "DELETE"... and a path ("dci/v3/server").
    Request(const std::string &method, const std::string &path)
        : r_(dci_request_new(detail::c_str(method, "method"), detail::c_str(path, "path"))) {
        if (!r_) detail::check(DCI_ERROR_INVALID_ARGUMENT);
    }
    /// Adds a query parameter (encoded by the library).
    Request &query(const std::string &name, const std::string &value) {
        detail::check(dci_request_add_query(r_.get(), detail::c_str(name, "name"), detail::c_str(value, "value")));
        return *this;
    }
    /// Adds query parameters in order.
    Request &query(const Params &params) {
        for (const auto &p : params) query(p.first, p.second);
        return *this;
    }
    /// A JSON body (checked when sent). Without one a POST sends {}.
    Request &json(const std::string &body) {
        detail::check(dci_request_set_json(r_.get(), detail::c_str(body, "json")));
        return *this;
    }
    /// Adds a header (replaces the client's own of the same name).
    Request &header(const std::string &name, const std::string &value) {
        detail::check(dci_request_add_header(r_.get(), detail::c_str(name, "name"), detail::c_str(value, "value")));
        return *this;
    }
    /// This call's time budget, retries included, instead of the client's (0: none).
    Request &timeout(std::chrono::milliseconds t) {
        detail::check(dci_request_set_timeout_ms(r_.get(), static_cast<uint64_t>(t.count())));
        return *this;
    }
    /// The C handle (still owned by this Request).
    [[nodiscard]] const dci_request *native() const noexcept { return r_.get(); }

private:
    std::unique_ptr<dci_request, detail::RequestFree> r_;
};

/// An HTTP answer, whatever its status. Move-only; the body stays valid for its life.
class Response {
public:
    /// The HTTP status.
    [[nodiscard]] uint16_t status() const noexcept { return dci_response_status(r_.get()); }
    /// The body (for JSON answers, the JSON text; any bytes); valid while this Response lives.
    [[nodiscard]] std::string_view body() const noexcept {
        size_t len = 0;
        const uint8_t *p = dci_response_bytes(r_.get(), &len);
        return p ? std::string_view(reinterpret_cast<const char *>(p), len) : std::string_view();
    }
    /// A header's value (repeats joined with ", "), if the answer has it.
    [[nodiscard]] std::optional<std::string> header(const std::string &name) const {
        const char *v = dci_response_header(r_.get(), detail::c_str(name, "name"));
        return v ? std::optional<std::string>(v) : std::nullopt;
    }
    /// How many times the request was sent.
    [[nodiscard]] uint32_t attempts() const noexcept { return dci_response_attempts(r_.get()); }
    /// Whether the request succeeded (2xx, not a retry-exhausted 503).
    [[nodiscard]] bool ok() const noexcept { return ok_; }
    /// Throws the error this answer means (ApiError, UnauthorizedError, HttpError,
    /// RetriesExhaustedError), with its facts; does nothing on success.
    void raise_for_status() const {
        if (!ok_) detail::check(dci_response_error(r_.get()));
    }

private:
    friend class Client;
    explicit Response(dci_response *r) : r_(r), ok_(dci_response_error(r) == DCI_OK) {}
    std::unique_ptr<dci_response, detail::ResponseFree> r_;
    bool ok_;
};

/// The outcome of one request of a batch (Client::send_all): the answer, whatever its HTTP
/// status — what send() would have returned — or the failure send() would have thrown, kept
/// as a std::exception_ptr to an exception of its own class (TimeoutError, ConnectError,
/// InterruptedError...) with the facts of that request's failure. Move-only.
///
///   dci::Result &r = results[i];
///   if (r) { ... r.response().status() ... }        // an answer arrived (maybe a 404)
///   else try { r.rethrow(); } catch (const dci::TimeoutError &e) { ... e.request_sent() ... }
///
/// response() rethrows the failure when there is no answer, so
/// `r.response().raise_for_status()` throws whichever error the request met, as
/// `client.send(req).raise_for_status()` would.
class Result {
public:
    /// Whether an answer arrived (whatever its HTTP status: judge it with response().ok() or
    /// response().raise_for_status()).
    [[nodiscard]] bool has_response() const noexcept { return response_.has_value(); }
    /// The same as has_response().
    explicit operator bool() const noexcept { return has_response(); }
    /// DCI_OK when an answer arrived, else the status of the failure.
    [[nodiscard]] dci_status status() const noexcept { return status_; }
    /// The answer; rethrows the failure when there is none.
    [[nodiscard]] Response &response() & {
        rethrow();
        return *response_;
    }
    /// The answer; rethrows the failure when there is none.
    [[nodiscard]] const Response &response() const & {
        rethrow();
        return *response_;
    }
    /// The answer, moved out of a Result about to go; rethrows the failure when there is none.
    [[nodiscard]] Response response() && {
        rethrow();
        return std::move(*response_);
    }
    /// The failure (an exception of its own dci::Error subclass), null when an answer arrived.
    [[nodiscard]] std::exception_ptr error() const noexcept { return error_; }
    /// Throws the failure, with its class and facts; does nothing when an answer arrived.
    void rethrow() const {
        if (error_) std::rethrow_exception(error_);
    }

private:
    friend class Client;
    explicit Result(Response r) : response_(std::move(r)) {}
    Result(dci_status status, std::exception_ptr error) : error_(std::move(error)), status_(status) {}
    std::optional<Response> response_;
    std::exception_ptr error_;
    dci_status status_ = DCI_OK;
};

/// Every item of a list, as JSON text, fetched page by page (Client::paginate). Move-only;
/// an input range: `for (const std::string &item : pages)`. An error while fetching a page
/// is thrown from the iteration. It keeps its client alive, and that client's log callback
/// (its requests log there even after the Client object is gone).
class Pages {
public:
    /// The next item, or nothing at the end.
    std::optional<std::string> next() {
        char *item = nullptr;
        detail::check(dci_pages_next(p_.get(), &item));
        if (!item) return std::nullopt;
        return detail::take(item);
    }
    /// The platform's count of matching items, once a page has told it.
    [[nodiscard]] std::optional<uint64_t> total() const {
        int64_t t = -1;
        detail::check(dci_pages_total(p_.get(), &t));
        return t < 0 ? std::nullopt : std::optional<uint64_t>(static_cast<uint64_t>(t));
    }

    /// The input iterator of a range-for.
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = std::string;
        using difference_type = std::ptrdiff_t;
        using pointer = const std::string *;
        using reference = const std::string &;
        iterator() = default;
        explicit iterator(Pages *pages) : pages_(pages) { ++*this; }
        reference operator*() const { return current_; }
        pointer operator->() const { return &current_; }
        iterator &operator++() {
            std::optional<std::string> item = pages_->next();
            if (item) {
                current_ = std::move(*item);
            } else {
                pages_ = nullptr;
            }
            return *this;
        }
        bool operator==(const iterator &o) const { return pages_ == o.pages_; }
        bool operator!=(const iterator &o) const { return pages_ != o.pages_; }

    private:
        Pages *pages_ = nullptr;
        std::string current_;
    };
    iterator begin() { return iterator(this); }
    iterator end() { return iterator(); }

private:
    friend class Client;
    Pages(dci_pages *p, std::shared_ptr<detail::LogSlot> log) : log_(std::move(log)), p_(p) {}
    std::shared_ptr<detail::LogSlot> log_;  // the client's log callback outlives p_, which may log
    std::unique_ptr<dci_pages, detail::PagesFree> p_;
};

/// The library's defaults (what a new client uses).
[[nodiscard]] inline dci_defaults defaults() noexcept { return dci_get_defaults(); }

/// A client of one DCImanager installation (RAII over dci_client; move-only; thread-safe).
class Client {
public:
    /// A client for "https://host[:port]", TLS verified, the library's defaults.
    explicit Client(const std::string &base_url) : c_(dci_client_new(detail::c_str(base_url, "base_url"))) {
        if (!c_) detail::check(DCI_ERROR_INVALID_ARGUMENT);
    }
    Client(Client &&) noexcept = default;
    /// Frees this client's handle (as the destructor does) and takes over the other's.
    Client &operator=(Client &&other) noexcept {
        Client gone(std::move(other));
        std::swap(log_, gone.log_);
        std::swap(c_, gone.c_);
        return *this;  // `gone` frees the handle first, then its log callback
    }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;
    /// Frees the handle (see dci_client_free: no call may be running on it), then the log
    /// callback, unless a Pages still uses them.
    ~Client() = default;

    /// TLS verification on (default) or off (insecure, only for tests, unless a key is pinned
    /// with set_pinned_pubkey: then the pin alone decides).
    Client &set_verify_tls(bool verify) { return done(dci_client_set_verify_tls(c_.get(), verify)); }
    /// Trusts the certificates of a PEM file in addition to the system's trust store: as CAs,
    /// and as the exact certificate a server presents (the platform's self-signed one
    /// included, whatever its CA flag; host name and dates are still checked).
    Client &set_ca_file(const std::string &pem_path) {
        return done(dci_client_set_ca_file(c_.get(), detail::c_str(pem_path, "pem_path")));
    }
    /// Trusts the certificates of PEM text, as set_ca_file does.
    Client &set_ca_pem(std::string_view pem) {
        return done(dci_client_set_ca_pem(c_.get(), pem.data(), pem.size()));
    }
    /// Pins the server's public key, in curl's format: "sha256//<base64>", several joined by
    /// ';'. With verification on, the certificate must verify and match a pin; with it off
    /// (set_verify_tls(false)), the pin alone decides. A mismatch throws TlsError (with
    /// tls_pin()). An empty string removes the pins, as clear_pinned_pubkey() does. Learn the
    /// pin with dci::server_pin and compare it out of band first. A malformed pin throws
    /// InvalidArgumentError (argument() == "pinned_pubkey"). Applies from the next connection.
    Client &set_pinned_pubkey(const std::string &pins) {
        return done(dci_client_set_pinned_pubkey(c_.get(), detail::c_str(pins, "pinned_pubkey")));
    }
    /// Removes the pins (the default: none).
    Client &clear_pinned_pubkey() { return done(dci_client_set_pinned_pubkey(c_.get(), nullptr)); }
    /// Uses this proxy instead of the environment's: "http://[user:password@]host[:port]"
    /// (HTTP CONNECT, Basic credentials percent-decoded), "socks5://..." (names resolved
    /// here) or "socks5h://..." (names resolved by the proxy); a port left out is 1080. An
    /// empty string means no proxy at all, whatever the environment says (curl's
    /// CURLOPT_PROXY ""). TLS runs inside the tunnel. A proxy that refuses or cannot be
    /// reached throws ConnectError (phase "connect"), its message naming the proxy without
    /// its credentials. A bad URL throws InvalidArgumentError (argument() == "proxy"). Applies
    /// from the next connection.
    Client &set_proxy(const std::string &url) {
        return done(dci_client_set_proxy(c_.get(), detail::c_str(url, "proxy")));
    }
    /// Takes the proxy from the environment again (the default): https_proxy, else
    /// HTTPS_PROXY, else all_proxy/ALL_PROXY for an https URL; read now, not per request.
    Client &use_environment_proxy() { return done(dci_client_set_proxy(c_.get(), nullptr)); }
    /// The hosts reached without the proxy, instead of no_proxy/NO_PROXY: comma-separated,
    /// as curl and requests read it ("*", "example.com" or ".example.com" with its
    /// subdomains, an IP address, a CIDR range such as "10.0.0.0/8", "host:port"). An empty
    /// string: none (every host through the proxy).
    Client &set_no_proxy(const std::string &list) {
        return done(dci_client_set_no_proxy(c_.get(), detail::c_str(list, "no_proxy")));
    }
    /// Takes the bypass list from no_proxy/NO_PROXY again (the default); read now.
    Client &use_environment_no_proxy() { return done(dci_client_set_no_proxy(c_.get(), nullptr)); }
    /// Time budget of each call, retries included (0: unlimited).
    Client &set_timeout(std::chrono::milliseconds t) {
        return done(dci_client_set_timeout_ms(c_.get(), static_cast<uint64_t>(t.count())));
    }
    /// Time to set up a connection (0: bounded by the call's budget only).
    Client &set_connect_timeout(std::chrono::milliseconds t) {
        return done(dci_client_set_connect_timeout_ms(c_.get(), static_cast<uint64_t>(t.count())));
    }
    /// Retries on HTTP 503 and connection failures, with urllib3's backoff.
    Client &set_retry(uint32_t max_retries, double backoff_factor) {
        return done(dci_client_set_retry(c_.get(), max_retries, backoff_factor));
    }
    /// No retry starts later than this after a call's first attempt (0: no limit).
    Client &set_retry_deadline(std::chrono::milliseconds t) {
        return done(dci_client_set_retry_deadline_ms(c_.get(), static_cast<uint64_t>(t.count())));
    }
    /// Also retries a POST whose connection broke after sending (it may then run twice).
    Client &set_retry_post(bool retry) { return done(dci_client_set_retry_post(c_.get(), retry)); }
    /// The largest response body accepted, in bytes.
    Client &set_max_body_size(uint64_t bytes) { return done(dci_client_set_max_body_size(c_.get(), bytes)); }

    /// Logs in; the session is renewed once, automatically, when it expires.
    LoginInfo login(const std::string &email, const std::string &password) {
        dci_login_info info{};
        detail::check(dci_client_login(c_.get(), detail::c_str(email, "email"), detail::c_str(password, "password"),
                                       &info));
        return take(info);
    }
    /// Logs in with a single sign-on key.
    LoginInfo login_with_key(const std::string &key) {
        dci_login_info info{};
        detail::check(dci_client_login_with_key(c_.get(), detail::c_str(key, "key"), &info));
        return take(info);
    }
    /// Logs in with a key from create_key().
    LoginInfo login_with_key(const KeyInfo &key) { return login_with_key(key.key()); }
    /// Keeps credentials to log in with when the session expires (or before the first
    /// request without a token), without logging in now; the token in use is kept.
    Client &set_credentials(const std::string &email, const std::string &password) {
        return done(dci_client_set_credentials(c_.get(), detail::c_str(email, "email"),
                                               detail::c_str(password, "password")));
    }
    /// The session token, if any.
    [[nodiscard]] std::optional<std::string> token() const {
        char *t = nullptr;
        detail::check(dci_client_token(c_.get(), &t));
        if (!t) return std::nullopt;
        return detail::take(t);
    }
    /// How many times the client logged in by itself (after an expiry, or first).
    [[nodiscard]] uint64_t relogin_count() const {
        uint64_t n = 0;
        detail::check(dci_client_relogin_count(c_.get(), &n));
        return n;
    }
    /// Forgets the token and credentials without telling the platform.
    void clear_token() { detail::check(dci_client_clear_token(c_.get())); }
    /// Uses a token obtained elsewhere (credentials are forgotten: set them again after).
    void set_token(const std::string &token) {
        detail::check(dci_client_set_token(c_.get(), detail::c_str(token, "token")));
    }
    /// Creates a single sign-on key for a user (e-mail or id); admin only.
    [[nodiscard]] KeyInfo create_key(const std::string &user) {
        dci_key_info k{};
        detail::check(dci_client_create_key(c_.get(), detail::c_str(user, "user"), &k));
        KeyInfo key(k.id ? k.id : "", k.key ? k.key : "");
        dci_key_info_clear(&k);
        return key;
    }
    /// The link that logs a user in with a key.
    [[nodiscard]] std::string key_login_url(const std::string &key) const {
        char *u = nullptr;
        detail::check(dci_client_key_login_url(c_.get(), detail::c_str(key, "key"), &u));
        return detail::take(u);
    }
    /// The link that logs a user in with a key from create_key().
    [[nodiscard]] std::string key_login_url(const KeyInfo &key) const { return key_login_url(key.key()); }
    /// Creates a long-lived token ("YYYY-MM-DD HH:MM:SS"); the client keeps its own.
    [[nodiscard]] std::string create_token(const std::string &expires_at, const std::string &description = "") {
        char *t = nullptr;
        detail::check(dci_client_create_token(c_.get(), detail::c_str(expires_at, "expires_at"),
                                              detail::c_str(description, "description"), &t));
        return detail::take(t);
    }
    /// Sets the platform's token lifetime in minutes ("999"); admin only.
    void set_token_ttl(const std::string &value) {
        detail::check(dci_client_set_token_ttl(c_.get(), detail::c_str(value, "value")));
    }
    /// The current user as JSON text.
    [[nodiscard]] std::string whoami() {
        char *j = nullptr;
        detail::check(dci_client_whoami(c_.get(), &j));
        return detail::take(j);
    }
    /// Ends the session and forgets the token.
    void logout() { detail::check(dci_client_logout(c_.get())); }

    /// Sends a request; returns the answer whatever its HTTP status (see
    /// Response::raise_for_status) and throws only when no answer arrived.
    [[nodiscard]] Response send(const Request &req) {
        dci_response *r = nullptr;
        detail::check(dci_client_send(c_.get(), req.native(), &r));
        return Response(r);
    }
    /// Sends requests at once — up to `concurrency` in flight (0: the library's default,
    /// DCI_BATCH_CONCURRENCY), on threads that live only during this call, the calling thread
    /// one of them — and returns one Result per request, in the order given: each is what
    /// send() would give for it (its answer whatever the HTTP status, or its failure as an
    /// exception_ptr with its own facts); one failure does not fail the others. Retries and
    /// the single renewal of an expired session work as for send().
    ///
    /// The batch shares one time budget, the client's (set_timeout; a request's own timeout
    /// still applies when shorter): a request starts with what is left of it, and one that
    /// cannot start in time fails with TimeoutError, never sent (request_sent() false,
    /// attempts() 0). interrupt() stops the whole batch: the requests in flight fail with
    /// InterruptedError, those not started too, never sent. Log callbacks run on the batch's
    /// threads. A request may appear more than once. Throws (InvalidArgumentError) only for a
    /// moved-from Request, before anything is sent.
    [[nodiscard]] std::vector<Result> send_all(const std::vector<Request> &requests,
                                               size_t concurrency = DCI_BATCH_CONCURRENCY) {
        std::vector<const dci_request *> handles;
        handles.reserve(requests.size());
        for (const Request &r : requests) handles.push_back(r.native());
        dci_batch *raw = nullptr;
        detail::check(dci_client_send_batch(c_.get(), handles.data(), handles.size(), concurrency, &raw));
        std::unique_ptr<dci_batch, detail::BatchFree> batch(raw);
        std::vector<Result> results;
        results.reserve(handles.size());
        for (size_t i = 0; i < handles.size(); i++) {
            dci_status status = dci_batch_status(batch.get(), i);
            if (status == DCI_OK) {
                dci_response *r = nullptr;
                detail::check(dci_batch_take_response(batch.get(), i, &r));
                results.push_back(Result(Response(r)));
            } else {
                // dci_batch_status made request i's facts this thread's last error: read now.
                results.push_back(Result(status, detail::failure(status)));
            }
        }
        return results;
    }
    /// send() of method, path, query parameters and an optional JSON body.
    [[nodiscard]] Response request(const std::string &method, const std::string &path,
                                   const std::optional<std::string> &json_body = std::nullopt,
                                   const Params &params = {}) {
        Request req(method, path);
        req.query(params);
        if (json_body) req.json(*json_body);
        return send(req);
    }
    /// GET a path; the JSON text of a success (empty for an empty body), else throws.
    [[nodiscard]] std::string get(const std::string &path, const Params &params = {}) {
        return body_of(request("GET", path, std::nullopt, params));
    }
    /// POST JSON text ("{}" when none); the JSON text of a success, else throws.
    std::string post(const std::string &path, const std::optional<std::string> &json_body = std::nullopt,
                     const Params &params = {}) {
        return body_of(request("POST", path, json_body, params));
    }
    /// DELETE a path; the JSON text of a success, else throws.
    std::string del(const std::string &path, const Params &params = {}) {
        return body_of(request("DELETE", path, std::nullopt, params));
    }
    /// The same as del().
    std::string remove(const std::string &path, const Params &params = {}) { return del(path, params); }

    /// Every item of a list call as JSON text, page_size per request (0: the default), with
    /// an optional where filter (quote literals with dci::quote) and orderby.
    [[nodiscard]] Pages paginate(const std::string &path, const std::string &where = "",
                                 const std::string &orderby = "", uint64_t page_size = 0) {
        dci_pages *p = nullptr;
        detail::check(dci_client_paginate(c_.get(), detail::c_str(path, "path"),
                                          where.empty() ? nullptr : detail::c_str(where, "where"),
                                          orderby.empty() ? nullptr : detail::c_str(orderby, "orderby"), page_size,
                                          &p));
        return Pages(p, log_);
    }

    /// Sends this client's events to `callback`, from `min_level` up (besides the
    /// process-wide callback, dci::set_log_callback); replaces an earlier one, and applies
    /// from the next request. This Client owns the callback (a Pages it made shares it) until
    /// it is replaced or removed; an empty std::function removes it, as clear_log_callback()
    /// does. The callback runs on the thread that makes the request — in send_all, on the
    /// batch's threads, possibly several at once — so it must be thread-safe and quick, and
    /// must not use this client (but interrupt()). Whatever it throws is caught and dropped
    /// at the C boundary: the call that logs goes on. Its LogRecord's strings are valid during
    /// the call only.
    Client &set_log_callback(LogCallback callback, LogLevel min_level = LogLevel::info) {
        if (!callback) return clear_log_callback();
        if (!log_) log_ = std::make_shared<detail::LogSlot>();
        std::shared_ptr<const LogCallback> old = log_->exchange(std::make_shared<const LogCallback>(std::move(callback)));
        dci_status st = dci_client_set_log_callback(c_.get(), static_cast<dci_log_level>(min_level),
                                                    detail::dcimanager_hpp_log, log_.get());
        if (st != DCI_OK) {
            log_->exchange(std::move(old));
            detail::check(st);
        }
        return *this;
    }
    /// Stops this client's log callback (from the next event on, calls in flight included)
    /// and releases it once no event in flight uses it. Nothing to do when none is set.
    Client &clear_log_callback() {
        if (!log_) return *this;
        detail::check(dci_client_set_log_callback(c_.get(), DCI_LOG_WARNING, nullptr, nullptr));
        log_->exchange(nullptr);
        return *this;
    }

    /// Interrupts every call in flight on this client, on any thread: each throws
    /// InterruptedError within 100 ms of the moment it next waits (connecting, the TLS
    /// handshake, sending, waiting for the answer, sleeping before a retry; a name lookup
    /// cannot be cut short). Calls that start later are not affected, and the client stays
    /// usable. Callable from another thread and from a signal handler (async-signal-safe: one
    /// atomic add, no lock, no allocation, nothing thrown); a moved-from Client ignores it.
    /// This Client must stay alive while interrupt() runs (a signal handler must not reach a
    /// destroyed one).
    void interrupt() const noexcept { dci_client_interrupt(c_.get()); }

    /// The C handle, for calls this wrapper does not cover (still owned by this Client).
    [[nodiscard]] dci_client *native() const noexcept { return c_.get(); }

private:
    Client &done(dci_status st) {
        detail::check(st);
        return *this;
    }
    static LoginInfo take(dci_login_info &info) {
        LoginInfo out{info.user_id ? info.user_id : "", info.confirmed};
        dci_login_info_clear(&info);
        return out;
    }
    static std::string body_of(const Response &r) {
        r.raise_for_status();
        return std::string(r.body());
    }
    std::shared_ptr<detail::LogSlot> log_;  // declared first: freed after c_, which may log
    std::unique_ptr<dci_client, detail::ClientFree> c_;
};

/// The library's version.
[[nodiscard]] inline std::string_view version() noexcept { return dci_version(); }

/// The pin of the key the server of an "https://host[:port]" URL presents
/// ("sha256//<base64>", curl's format), for Client::set_pinned_pubkey. Connects (through the
/// environment's proxy, as a client would) and completes a TLS handshake that trusts any
/// certificate; sends no HTTP request. Trust on first use, like ssh's fingerprint: compare
/// the pin out of band (on the platform's console) before pinning it. Throws InvalidArgumentError
/// for a URL that is not https, ConnectError, TimeoutError (10 s) or TlsError.
[[nodiscard]] inline std::string server_pin(const std::string &url) {
    char *pin = nullptr;
    detail::check(dci_server_pin(detail::c_str(url, "url"), &pin));
    return detail::take(pin);
}

/// Percent-encodes text for one path segment or query value.
[[nodiscard]] inline std::string encode_component(const std::string &text) {
    char *out = nullptr;
    detail::check(dci_encode_component(detail::c_str(text, "text"), &out));
    return detail::take(out);
}

/// Text as a literal of the platform's where language: 'it\'s' (single-quoted, backslash
/// before ' and \).
[[nodiscard]] inline std::string quote(const std::string &text) {
    char *out = nullptr;
    detail::check(dci_quote(detail::c_str(text, "text"), &out));
    return detail::take(out);
}

} // namespace dci

#endif // DCIMANAGER_HPP
