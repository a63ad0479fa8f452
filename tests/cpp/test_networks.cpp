// The C++ wrapper on real networks (run by `scripts/net-fixture.sh run`, which starts the
// parts and exports DCI_NET_*): the platform's self-signed certificate given as the CA or
// refused with its pin, pins with verification off, dci::server_pin, a proxy with Basic
// credentials set explicitly (its own log shows the tunnel), a proxy from the environment,
// "no proxy" and the bypass list, and a proxy's refusal as a ConnectError without the
// credentials. Built with -fsanitize=address,undefined by scripts/test-cpp.sh.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>

#include "dcimanager.hpp"

#include "check.hpp"

static std::string env(const char *name) {
    const char *v = std::getenv(name);
    if (!v || !*v) {
        std::fprintf(stderr, "set %s (scripts/net-fixture.sh run does)\n", name);
        std::exit(2);
    }
    return v;
}

static std::string read_file(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

static bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// Logs in as the emulator's admin; true when it worked.
static bool login(dci::Client &c) { return c.login("admin@example.com", "secret").user_id == "3"; }

int main() {
    const std::string url = env("DCI_NET_URL");
    const std::string cert = env("DCI_NET_CERT");
    const std::string pin = env("DCI_NET_PIN");
    const std::string other_pin = env("DCI_NET_OTHER_PIN");
    const std::string port = url.substr(url.rfind(':') + 1);
    const std::string tunnel = "CONNECT 127.0.0.1:" + port + " HTTP/1.1";
    // No proxy from the caller's environment unless a case sets one.
    for (const char *name : {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY",
                             "no_proxy", "NO_PROXY"}) {
        unsetenv(name);
    }

    // The platform's self-signed certificate: refused in words, naming the host, with its pin...
    {
        dci::Client c(url);
        auto e = thrown<dci::TlsError>("self-signed, not trusted", [&] { login(c); });
        if (e) {
            CHECK(e->tls_pin() == pin);
            CHECK(e->facts().tls_pin == pin);
            CHECK(contains(e->what(), "127.0.0.1"));
            CHECK(contains(e->what(), pin));
            CHECK(e->phase() == "tls" && !e->request_sent());
            CHECK(e->status() == DCI_ERROR_TLS);
        }
        // ...trusted once given as the CA file.
        c.set_ca_file(cert);
        CHECK(login(c));
    }
    // Other errors carry no pin.
    {
        dci::Client c(url);
        auto e = thrown<dci::InvalidArgumentError>("bad pin", [&] { c.set_pinned_pubkey("sha256//not-base64"); });
        if (e) CHECK(e->argument() == "pinned_pubkey" && e->tls_pin().empty());
    }

    // dci::server_pin learns the pin without trusting (and sends no request).
    CHECK(dci::server_pin(url) == pin);
    {
        auto e = thrown<dci::InvalidArgumentError>("server_pin of http", [] { (void)dci::server_pin("http://127.0.0.1:1"); });
        if (e) CHECK(e->argument() == "url");
    }

    // Pins, as curl's --pinnedpubkey: with verification off the pin alone decides.
    {
        dci::Client c(url);
        c.set_verify_tls(false).set_pinned_pubkey(pin);
        CHECK(login(c));
        c.set_pinned_pubkey(other_pin);
        auto e = thrown<dci::TlsError>("wrong pin", [&] { login(c); });
        if (e) {
            CHECK(e->tls_pin() == pin);
            CHECK(e->phase() == "tls" && !e->request_sent());
        }
        // Several pins joined by ';': one matching is enough.
        c.set_pinned_pubkey(other_pin + ";" + pin);
        CHECK(login(c));
        // An empty string removes the pins, as clear_pinned_pubkey() does.
        c.set_pinned_pubkey(other_pin);
        thrown<dci::TlsError>("wrong pin again", [&] { login(c); });
        c.set_pinned_pubkey("");
        CHECK(login(c));
        c.set_pinned_pubkey(other_pin);
        thrown<dci::TlsError>("wrong pin once more", [&] { login(c); });
        c.clear_pinned_pubkey();
        CHECK(login(c));
        // Verification on: the certificate must verify too.
        c.set_verify_tls(true).set_pinned_pubkey(pin);
        auto unverified = thrown<dci::TlsError>("pin, verification on, no CA", [&] { login(c); });
        if (unverified) CHECK(unverified->tls_pin() == pin);
        c.set_ca_file(cert);
        CHECK(login(c));
    }

    // An HTTP proxy with Basic credentials, set explicitly: its own log shows the tunnel.
    const std::string auth_log = env("DCI_NET_AUTH_PROXY_LOG");
    {
        CHECK(!contains(read_file(auth_log), tunnel));
        dci::Client c(url);
        c.set_ca_file(cert).set_proxy(env("DCI_NET_AUTH_PROXY"));
        CHECK(login(c));
        CHECK(contains(read_file(auth_log), tunnel));

        // The same proxy without its credentials: a connect error naming it, never retried,
        // and never showing the credentials given before.
        const std::string bare = env("DCI_NET_AUTH_PROXY_BARE");
        c.set_proxy(bare);
        auto e = thrown<dci::ConnectError>("proxy without credentials", [&] { login(c); });
        if (e) {
            CHECK(contains(e->what(), bare));
            CHECK(contains(e->what(), "requires credentials"));
            CHECK(!contains(e->what(), "proxy-pass"));
            CHECK(e->phase() == "connect" && !e->request_sent());
            CHECK(e->attempts() <= 1);
            CHECK(e->tls_pin().empty());
        }
        // A malformed proxy URL: refused at once, its credentials not shown.
        auto bad = thrown<dci::InvalidArgumentError>("gopher proxy", [&] { c.set_proxy("gopher://dci:proxy-pass@x"); });
        if (bad) CHECK(bad->argument() == "proxy" && !contains(bad->what(), "proxy-pass"));
    }

    // From the environment: https_proxy, read when the client is made.
    const std::string open_log = env("DCI_NET_HTTP_PROXY_LOG");
    {
        CHECK(!contains(read_file(open_log), tunnel));
        setenv("https_proxy", env("DCI_NET_HTTP_PROXY").c_str(), 1);
        dci::Client c(url);
        c.set_ca_file(cert);
        CHECK(login(c));
        CHECK(contains(read_file(open_log), tunnel));
        // set_proxy replaces it, use_environment_proxy() brings it back.
        c.set_proxy(env("DCI_NET_AUTH_PROXY_BARE"));
        thrown<dci::ConnectError>("explicit proxy over the environment's", [&] { login(c); });
        c.use_environment_proxy();
        CHECK(login(c));
        unsetenv("https_proxy");
    }

    // "" means no proxy whatever the environment says; the bypass list sends hosts around it.
    {
        const std::string dead = "http://127.0.0.1:1";
        setenv("https_proxy", dead.c_str(), 1);
        dci::Client c(url);
        c.set_ca_file(cert).set_retry(0, 0.0);
        auto e = thrown<dci::ConnectError>("a dead proxy from the environment", [&] { login(c); });
        if (e) CHECK(contains(e->what(), dead) && e->phase() == "connect");
        c.set_proxy("");
        CHECK(login(c));
        c.use_environment_proxy();
        thrown<dci::ConnectError>("the dead proxy again", [&] { login(c); });
        c.set_no_proxy("localhost,127.0.0.1");
        CHECK(login(c));
        c.set_no_proxy("");  // none: every host through the proxy again
        thrown<dci::ConnectError>("an empty bypass list", [&] { login(c); });
        setenv("no_proxy", "127.0.0.0/8", 1);
        c.use_environment_no_proxy();
        CHECK(login(c));
        unsetenv("no_proxy");
        unsetenv("https_proxy");
    }

    std::printf("test_networks: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
