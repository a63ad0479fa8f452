// dcimanager.hpp: a header-only C++17 wrapper over the C API in dcimanager.h.
//
//   dci::Client client("https://dci.example.com");
//   client.set_ca_file("/etc/ssl/dci-ca.pem");
//   client.login("admin@example.com", "secret");
//   std::string server = client.get("dci/v3/server/2");   // JSON text
//
// Errors are exceptions, one class per dci_status, chosen in one place (dci::detail::raise):
// dci::Error ⊃ dci::ApiError ⊃ dci::UnauthorizedError; dci::HttpError, dci::ConnectError,
// dci::TimeoutError, dci::TlsError, dci::RetriesExhaustedError, dci::InvalidArgument,
// dci::DecodeError, dci::InternalError. Messages never contain a token, password or key.
//
// Ownership: dci::Client and dci::Response own their C handles (move-only, freed once in the
// destructor); every string the library hands out is copied into a std::string and freed
// with dci_string_free at once. A dci::Client may be used from many threads at once.
#ifndef DCIMANAGER_HPP
#define DCIMANAGER_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "dcimanager.h"

namespace dci {

/// Base of every error: the status, the message, the platform's code and the HTTP status.
class Error : public std::runtime_error {
public:
    Error(dci_status status, const std::string &message, int32_t api_code, uint16_t http_status,
          std::string api_message = std::string())
        : std::runtime_error(message), status_(status), api_code_(api_code), http_status_(http_status),
          api_message_(std::move(api_message)) {}
    /// The C API's status for this error.
    [[nodiscard]] dci_status status() const noexcept { return status_; }
    /// The platform's error code (e.g. 3001), 0 when none.
    [[nodiscard]] int32_t api_code() const noexcept { return api_code_; }
    /// The HTTP status of the answer behind the error, 0 when no answer arrived.
    [[nodiscard]] uint16_t http_status() const noexcept { return http_status_; }
    /// The platform's own message (error.msg), empty when none.
    [[nodiscard]] const std::string &api_message() const noexcept { return api_message_; }

private:
    dci_status status_;
    int32_t api_code_;
    uint16_t http_status_;
    std::string api_message_;
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
/// The TLS handshake failed.
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
class InvalidArgument : public Error {
public:
    using Error::Error;
};
/// A success answer whose body is not the JSON expected, or is too large.
class DecodeError : public Error {
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
[[noreturn]] inline void raise(dci_status status, const std::string &message, int32_t code, uint16_t http,
                               const std::string &api_message = std::string()) {
    switch (status) {
    case DCI_ERROR_INVALID_ARGUMENT: throw InvalidArgument(status, message, code, http);
    case DCI_ERROR_CONNECT: throw ConnectError(status, message, code, http);
    case DCI_ERROR_TIMEOUT: throw TimeoutError(status, message, code, http);
    case DCI_ERROR_TLS: throw TlsError(status, message, code, http);
    case DCI_ERROR_HTTP: throw HttpError(status, message, code, http);
    case DCI_ERROR_API: throw ApiError(status, message, code, http, api_message);
    case DCI_ERROR_UNAUTHORIZED: throw UnauthorizedError(status, message, code, http, api_message);
    case DCI_ERROR_RETRIES_EXHAUSTED: throw RetriesExhaustedError(status, message, code, http);
    case DCI_ERROR_DECODE: throw DecodeError(status, message, code, http);
    case DCI_ERROR_PANIC: throw InternalError(status, message, code, http);
    case DCI_OK: break;
    }
    throw Error(status, message, code, http);
}

/// Throws for a failed call, reading this thread's last error right away.
inline void check(dci_status status) {
    if (status != DCI_OK) {
        raise(status, dci_last_error_message(), dci_last_error_api_code(), dci_last_error_http_status(),
              dci_last_error_api_msg());
    }
}

/// A std::string as a C string; a NUL inside would silently cut it, so it is refused.
inline const char *c_str(const std::string &s, const char *what) {
    if (s.find('\0') != std::string::npos) {
        raise(DCI_ERROR_INVALID_ARGUMENT, std::string(what) + " contains a NUL byte", 0, 0);
    }
    return s.c_str();
}

struct StringFree {
    void operator()(char *s) const noexcept { dci_string_free(s); }
};
struct ClientFree {
    void operator()(dci_client *c) const noexcept { dci_client_free(c); }
};
struct ResponseFree {
    void operator()(dci_response *r) const noexcept { dci_response_free(r); }
};

/// Takes ownership of a string from the library: copies it, frees it once.
inline std::string take(char *s) {
    std::unique_ptr<char, StringFree> owned(s);
    return owned ? std::string(owned.get()) : std::string();
}

} // namespace detail

/// An HTTP answer, whatever its status. Move-only; the body stays valid for its life.
class Response {
public:
    /// The HTTP status.
    [[nodiscard]] uint16_t status() const noexcept { return dci_response_status(r_.get()); }
    /// The body (for JSON answers, the JSON text); valid while this Response lives.
    [[nodiscard]] std::string_view body() const noexcept {
        size_t len = 0;
        const char *p = dci_response_body(r_.get(), &len);
        return p ? std::string_view(p, len) : std::string_view();
    }
    /// Whether the request succeeded (2xx, not a retry-exhausted 503).
    [[nodiscard]] bool ok() const noexcept { return error_status_ == DCI_OK; }
    /// Throws the error this answer means (ApiError, UnauthorizedError, HttpError,
    /// RetriesExhaustedError); does nothing on success.
    void raise_for_status() const {
        if (error_status_ != DCI_OK) {
            detail::raise(error_status_, error_message_, api_code_, status(), api_message_);
        }
    }

private:
    friend class Client;
    Response(dci_response *r, dci_status st, std::string message, int32_t code, std::string api_message)
        : r_(r), error_status_(st), error_message_(std::move(message)), api_code_(code),
          api_message_(std::move(api_message)) {}
    std::unique_ptr<dci_response, detail::ResponseFree> r_;
    dci_status error_status_;
    std::string error_message_;
    int32_t api_code_;
    std::string api_message_;
};

/// A client of one DCImanager installation (RAII over dci_client; move-only; thread-safe).
class Client {
public:
    /// A client for "https://host[:port]", TLS verified, the platform's retry policy.
    explicit Client(const std::string &base_url) : c_(dci_client_new(detail::c_str(base_url, "base_url"))) {
        if (!c_) {
            detail::raise(DCI_ERROR_INVALID_ARGUMENT, dci_last_error_message(), 0, 0);
        }
    }
    Client(Client &&) noexcept = default;
    Client &operator=(Client &&) noexcept = default;
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;
    ~Client() = default;

    /// TLS verification on (default) or off (insecure: only for tests).
    Client &set_verify_tls(bool verify) { return done(dci_client_set_verify_tls(c_.get(), verify)); }
    /// Trusts the CAs of a PEM file in addition to the built-in roots.
    Client &set_ca_file(const std::string &pem_path) {
        return done(dci_client_set_ca_file(c_.get(), detail::c_str(pem_path, "pem_path")));
    }
    /// Trusts the CAs of PEM text in addition to the built-in roots.
    Client &set_ca_pem(std::string_view pem) {
        return done(dci_client_set_ca_pem(c_.get(), pem.data(), pem.size()));
    }
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
    void login(const std::string &email, const std::string &password) {
        detail::check(dci_client_login(c_.get(), detail::c_str(email, "email"), detail::c_str(password, "password")));
    }
    /// Logs in with a single sign-on key.
    void login_with_key(const std::string &key) {
        detail::check(dci_client_login_with_key(c_.get(), detail::c_str(key, "key")));
    }
    /// The session token, if any.
    [[nodiscard]] std::optional<std::string> token() const {
        char *t = nullptr;
        detail::check(dci_client_token(c_.get(), &t));
        if (!t) {
            return std::nullopt;
        }
        return detail::take(t);
    }
    /// Forgets the token and credentials without telling the platform.
    void clear_token() { detail::check(dci_client_clear_token(c_.get())); }
    /// Uses a token obtained elsewhere.
    void set_token(const std::string &token) {
        detail::check(dci_client_set_token(c_.get(), detail::c_str(token, "token")));
    }
    /// Creates a single sign-on key for a user (e-mail or id); admin only.
    [[nodiscard]] std::string create_key(const std::string &user) {
        char *k = nullptr;
        detail::check(dci_client_create_key(c_.get(), detail::c_str(user, "user"), &k));
        return detail::take(k);
    }
    /// The link that logs a user in with a key.
    [[nodiscard]] std::string key_login_url(const std::string &key) const {
        char *u = nullptr;
        detail::check(dci_client_key_login_url(c_.get(), detail::c_str(key, "key"), &u));
        return detail::take(u);
    }
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
    [[nodiscard]] Response request(const std::string &method, const std::string &path,
                                   const std::optional<std::string> &json_body = std::nullopt) {
        dci_response *r = nullptr;
        dci_status st = dci_client_request(c_.get(), detail::c_str(method, "method"), detail::c_str(path, "path"),
                                           json_body ? detail::c_str(*json_body, "json_body") : nullptr, &r);
        if (!r) {
            detail::check(st);
            detail::raise(DCI_ERROR_PANIC, "no response and no error", 0, 0);
        }
        if (st == DCI_OK) {
            return Response(r, st, std::string(), 0, std::string());
        }
        return Response(r, st, dci_last_error_message(), dci_last_error_api_code(), dci_last_error_api_msg());
    }
    /// GET a path; the JSON text of a success, else throws.
    [[nodiscard]] std::string get(const std::string &path) { return body_of(request("GET", path)); }
    /// POST JSON text ("{}" when none); the JSON text of a success, else throws.
    std::string post(const std::string &path, const std::optional<std::string> &json_body = std::nullopt) {
        return body_of(request("POST", path, json_body));
    }
    /// DELETE a path; the JSON text of a success, else throws.
    std::string del(const std::string &path) { return body_of(request("DELETE", path)); }
    /// The same as del().
    std::string remove(const std::string &path) { return del(path); }

    /// The C handle, for calls this wrapper does not cover (still owned by this Client).
    [[nodiscard]] dci_client *native() const noexcept { return c_.get(); }

private:
    Client &done(dci_status st) {
        detail::check(st);
        return *this;
    }
    static std::string body_of(const Response &r) {
        r.raise_for_status();
        return std::string(r.body());
    }
    std::unique_ptr<dci_client, detail::ClientFree> c_;
};

/// The library's version.
[[nodiscard]] inline std::string_view version() noexcept { return dci_version(); }

/// Percent-encodes text for one path segment or query value.
[[nodiscard]] inline std::string encode_component(const std::string &text) {
    char *out = nullptr;
    detail::check(dci_encode_component(detail::c_str(text, "text"), &out));
    return detail::take(out);
}

} // namespace dci

#endif // DCIMANAGER_HPP
