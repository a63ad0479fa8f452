// The documented DCImanager 6 flow with the C++ wrapper (include/dcimanager.hpp).
//
//   c++ -std=c++17 quickstart.cpp $(pkg-config --cflags --libs dcimanager) -o quickstart
//   ./quickstart https://dci.example.com [ca.pem]
//
// Ctrl-C stops a call that waits (dci::Client::interrupt is async-signal-safe): it throws
// dci::InterruptedError, and the program ends; a second Ctrl-C ends it at once.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dcimanager.hpp"

static std::atomic<const dci::Client *> g_client{nullptr};  // the client Ctrl-C interrupts, while it lives
static_assert(std::atomic<const dci::Client *>::is_always_lock_free, "read in a signal handler");

extern "C" void on_sigint(int) {
    std::signal(SIGINT, SIG_DFL);  // the next Ctrl-C: the default action
    if (const dci::Client *c = g_client.load()) c->interrupt();
}

static void show(const char *step, const std::string &json) {
    std::printf("%-28s %.110s%s\n", step, json.c_str(), json.size() > 110 ? "..." : "");
}

int main(int argc, char **argv) {
    const char *base = argc > 1 ? argv[1] : std::getenv("DCI_URL");
    const char *ca = argc > 2 ? argv[2] : std::getenv("DCI_CA");
    if (!base) {
        std::fprintf(stderr, "usage: %s BASE_URL [CA_FILE]\n", argv[0]);
        return 2;
    }
    try {
        std::printf("dcimanager %s -> %s\n", dci_version(), base);
        dci::Client client(base);
        if (ca) client.set_ca_file(ca);
        g_client = &client;
        struct Forget {  // the handler must not reach a destroyed client
            ~Forget() { g_client = nullptr; }
        } forget;
        std::signal(SIGINT, on_sigint);

        dci::LoginInfo me = client.login("admin@example.com", "secret");
        std::printf("%-28s ok, user id %s\n", "1. login", me.user_id.c_str());
        show("2. whoami", client.whoami());
        // Every server of a customer, page by page; the where literal quoted by the library.
        std::string filter = "owner_email EQ " + dci::quote("client@example.com");
        size_t count = 0;
        for (const std::string &server : client.paginate("dci/v3/server", filter, "id asc", 100)) {
            count += server.empty() ? 0 : 1;
        }
        std::printf("%-28s %zu servers where %s\n", "3. paginate", count, filter.c_str());
        show("   list servers (3)", client.get("dci/v3/server", {{"where", "power_status EQ 'on'"}, {"limit", "0,3"}}));
        show("4. server 2", client.get("dci/v3/server/2"));
        std::string token = client.create_token("2030-01-31 00:00:00", "Token for integration");
        std::printf("%-28s created (%zu characters, kept secret)\n", "5. long-lived token", token.size());
        dci::KeyInfo key = client.create_key("client@example.com");
        std::printf("%-28s %s\n", "6. customer login link", client.key_login_url(key).c_str());
        {
            dci::Client customer(base);
            if (ca) customer.set_ca_file(ca);
            customer.login_with_key(key);
            show("7. customer whoami", customer.whoami());
            customer.logout();
        }
        dci::Response suspend = client.request("POST", "/emulator/suspend", R"({"requests":5})");
        if (suspend.ok()) {
            dci::Response r = client.request("GET", "dci/v3/server/2");
            std::printf("%-28s HTTP %u after %u attempts (5 x 503 retried)\n", "8. suspended platform", r.status(),
                        r.attempts());
        }
        client.logout();
        std::printf("%-28s ok\n", "9. logout");
        return 0;
    } catch (const dci::InterruptedError &e) {
        std::fprintf(stderr, "interrupted: %s\n", e.what());
        return 130;
    } catch (const dci::Error &e) {
        // what() names the request ("GET /api/dci/v3/server/2: ..."); decide on the facts.
        std::fprintf(stderr, "failed: %s (API code %d, HTTP %u, phase '%s', %s %s)\n", e.what(), e.api_code(),
                     e.http_status(), e.phase().c_str(), e.method().c_str(), e.url().c_str());
        return 1;
    }
}
