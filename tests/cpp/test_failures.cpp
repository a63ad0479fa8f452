// Failures through the C++ wrapper against the emulator ($DCI_URL, $DCI_CA): errors that name
// their request (method(), url(), what()), facts that belong to their own failure (the C
// API's last error is errno-like), and Client::interrupt() from another thread and from a
// signal handler (dci::InterruptedError, the client usable after). Built with
// -fsanitize=address,undefined by scripts/test-cpp.sh.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <thread>
#include <type_traits>

#include <sys/time.h>

#include "dcimanager.hpp"

#include "check.hpp"

static bool starts_with(const std::string &s, const std::string &prefix) { return s.rfind(prefix, 0) == 0; }

// Runs f, which must throw exactly E; hands the exception to inspect. Unexpected outcomes
// count as failures.
template <class E>
static void expect(const char *what, const std::function<void()> &f, const std::function<void(const E &)> &inspect) {
    if (auto e = thrown<E>(what, f)) inspect(*e);
}

static const dci::Client *g_client = nullptr;  // the client the signal handler interrupts
static std::atomic<double> g_interrupted_at{0};
static_assert(std::atomic<double>::is_always_lock_free, "written in a signal handler");

extern "C" void on_alarm(int) {
    g_interrupted_at.store(now_ms());
    if (g_client) g_client->interrupt();  // async-signal-safe
}

int main() {
    static_assert(std::is_base_of_v<dci::Error, dci::InterruptedError>);
    static_assert(!std::is_base_of_v<dci::TimeoutError, dci::InterruptedError>);
    static_assert(noexcept(std::declval<const dci::Client &>().interrupt()), "interrupt() is noexcept");

    const std::string base = std::getenv("DCI_URL");
    dci::Client admin = client();
    admin.login("admin@example.com", "secret");
    const std::string token = *admin.token();

    // An API error names its request: method(), url() and the start of what().
    expect<dci::ApiError>("unknown server", [&] { (void)admin.get("dci/v3/server/999999"); }, [&](const dci::ApiError &e) {
        CHECK(e.method() == "GET");
        CHECK(e.url() == base + "/api/dci/v3/server/999999");
        CHECK(starts_with(e.what(), "GET /api/dci/v3/server/999999: "));
        CHECK(e.facts().method == "GET" && e.facts().url == e.url());
        CHECK(e.api_code() == 3080 && e.http_status() == 404);
    });
    // The query is in the URL, a secret in it redacted (in what() too).
    expect<dci::ApiError>(
        "query with the token", [&] { (void)admin.get("dci/v3/server/999999", {{"where", "id EQ 1"}, {"t", token}}); },
        [&](const dci::ApiError &e) {
            CHECK(e.url() == base + "/api/dci/v3/server/999999?where=id%20EQ%201&t=[redacted]");
            CHECK(starts_with(e.what(), "GET /api/dci/v3/server/999999?where=id%20EQ%201&t=[redacted]: "));
            CHECK(std::string(e.what()).find(token) == std::string::npos);
        });
    // A login: a POST, and a kept response's raise_for_status names its request as well.
    expect<dci::UnauthorizedError>(
        "wrong password", [] { client().login("admin@example.com", "wrong-pa55"); },
        [&](const dci::UnauthorizedError &e) {
            CHECK(e.method() == "POST" && e.url() == base + "/api/auth/v4/public/token");
            CHECK(std::string(e.what()).find("wrong-pa55") == std::string::npos);
        });
    dci::Response missing = admin.request("DELETE", "dci/v3/server/999999");
    expect<dci::ApiError>("raise_for_status", [&] { missing.raise_for_status(); }, [&](const dci::ApiError &e) {
        CHECK(e.method() == "DELETE" && e.url() == base + "/api/dci/v3/server/999999");
        CHECK(starts_with(e.what(), "DELETE /api/dci/v3/server/999999: "));
    });
    // Errors without a request have no method or URL, even right after one that had them
    // (the C API's last error keeps the facts of the last failure until another replaces
    // them): the wrapper's own check, and a setter's refusal.
    expect<dci::InvalidArgumentError>("NUL byte", [&] { admin.set_token(std::string("a\0b", 3)); },
                                 [](const dci::InvalidArgumentError &e) {
                                     CHECK(e.method().empty() && e.url().empty());
                                     CHECK(e.http_status() == 0 && e.api_code() == 0 && e.argument() == "token");
                                 });
    expect<dci::InvalidArgumentError>("bad pin", [&] { admin.set_pinned_pubkey("sha256//x"); },
                                 [](const dci::InvalidArgumentError &e) {
                                     CHECK(e.method().empty() && e.url().empty() && e.http_status() == 0);
                                     CHECK(e.argument() == "pinned_pubkey");
                                 });
    // A successful call between a failure and the next failure changes nothing in the latter.
    CHECK(admin.get("dci/v3/server/2").find("srv2") != std::string::npos);

    // interrupt() from another thread, 300 ms into a call the emulator delays 3 s.
    control(admin, "/emulator/faults", R"({"kind":"delay","delay_ms":3000,"count":1,"path":"server/2"})");
    std::atomic<double> interrupted_at{0};
    double started = now_ms();
    std::thread interrupter([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        interrupted_at.store(now_ms());
        admin.interrupt();
    });
    expect<dci::InterruptedError>("interrupted from a thread", [&] { (void)admin.get("dci/v3/server/2"); },
                                  [&](const dci::InterruptedError &e) {
                                      double after = now_ms() - interrupted_at.load();
                                      CHECK(interrupted_at.load() > 0 && after < 200);
                                      if (after >= 200) std::fprintf(stderr, "interrupted after %.0f ms\n", after);
                                      CHECK(e.status() == DCI_ERROR_INTERRUPTED);
                                      CHECK(e.phase() == "wait" && e.request_sent());
                                      CHECK(e.method() == "GET" && e.url() == base + "/api/dci/v3/server/2");
                                      CHECK(starts_with(e.what(), "GET /api/dci/v3/server/2: "));
                                  });
    interrupter.join();
    CHECK(now_ms() - started < 1000);
    // The client stays usable, and an interrupt with nothing in flight stops no later call.
    CHECK(admin.get("dci/v3/server/2").find("srv2") != std::string::npos);
    admin.interrupt();
    CHECK(admin.whoami().find("admin@example.com") != std::string::npos);

    // interrupt() from a signal handler (SIGALRM 300 ms in), during a POST delayed 3 s.
    g_client = &admin;
    struct sigaction sa {};
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, nullptr);
    control(admin, "/emulator/faults", R"({"kind":"delay","delay_ms":3000,"count":1,"path":"power_reset"})");
    itimerval timer{{0, 0}, {0, 300 * 1000}};
    setitimer(ITIMER_REAL, &timer, nullptr);
    started = now_ms();
    expect<dci::InterruptedError>("interrupted from a signal handler",
                                  [&] { (void)admin.post("dci/v3/server/2/power_reset"); },
                                  [&](const dci::InterruptedError &e) {
                                      double after = now_ms() - g_interrupted_at.load();
                                      CHECK(g_interrupted_at.load() > 0 && after < 200);
                                      CHECK(e.method() == "POST");
                                  });
    CHECK(now_ms() - started < 1000);
    g_client = nullptr;
    CHECK(admin.post("dci/v3/server/2/power_reset").find("\"id\":2") != std::string::npos);

    // A moved-from client ignores interrupt(); the moved-to one works.
    dci::Client moved = std::move(admin);
    admin.interrupt();  // NOLINT(bugprone-use-after-move): documented as a no-op
    moved.logout();
    CHECK(!moved.token().has_value());

    std::printf("test_failures: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
