// The C++ wrapper against the emulator ($DCI_URL, $DCI_CA): the full flow and each exception
// type. Built with -fsanitize=address,undefined by `make test`.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "dcimanager.hpp"

#include "check.hpp"

// The name of 0.1 still compiles (deprecated: the warning is silenced for this one check).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static_assert(std::is_same_v<dci::InvalidArgument, dci::InvalidArgumentError>, "dci::InvalidArgument still works");
#pragma GCC diagnostic pop

// Runs `f`, which must throw exactly E (not a sibling class); checks the HTTP status too.
template <class E>
static void expect(const char *what, const std::function<void()> &f, uint16_t http = 0, int32_t code = 0) {
    try {
        f();
        ++failed;
        std::fprintf(stderr, "%s: nothing was thrown\n", what);
    } catch (const E &e) {
        bool ok = (http == 0 || e.http_status() == http) && (code == 0 || e.api_code() == code);
        ok = ok && std::string(e.what()).find("secret") == std::string::npos;
        if (ok) {
            ++passed;
        } else {
            ++failed;
            std::fprintf(stderr, "%s: %s (http %u, code %d)\n", what, e.what(), e.http_status(), e.api_code());
        }
    } catch (const std::exception &e) {
        ++failed;
        std::fprintf(stderr, "%s: wrong exception: %s\n", what, e.what());
    }
}

int main() {
    static_assert(!std::is_copy_constructible_v<dci::Client>, "Client is move-only");
    static_assert(std::is_nothrow_move_constructible_v<dci::Client>, "Client moves without throwing");
    static_assert(!std::is_copy_constructible_v<dci::Response>, "Response is move-only");
    static_assert(std::is_base_of_v<dci::ApiError, dci::UnauthorizedError>);
    static_assert(std::is_base_of_v<dci::Error, dci::ApiError>);

    // The flow.
    dci::Client admin = client();
    dci::LoginInfo me = admin.login("admin@example.com", "secret");
    CHECK(me.user_id == "3" && me.confirmed);
    CHECK(admin.whoami().find("\"admin@example.com\"") != std::string::npos);
    auto token = admin.token();
    CHECK(token && token->size() > 10);
    CHECK(admin.get("dci/v3/server/2").find("srv2.example.com") != std::string::npos);
    dci::Response list = admin.request("GET", "dci/v3/server?limit=0,2");
    CHECK(list.ok() && list.status() == 200 && list.body().find("\"size\":1000") != std::string_view::npos);
    CHECK(admin.post("dci/v3/server/2/power_reset").find("\"id\":2") != std::string::npos);
    std::string long_token = admin.create_token("2030-01-31 00:00:00", "c++");
    CHECK(long_token != *admin.token());
    admin.set_token_ttl("999");
    dci::KeyInfo key = admin.create_key("client@example.com");
    CHECK(admin.key_login_url(key) == std::string(std::getenv("DCI_URL")) + "/auth/key-v4/" + key.key());
    {
        std::ostringstream printed;
        printed << key;
        CHECK(printed.str().find(key.key()) == std::string::npos && printed.str().find("<hidden>") != std::string::npos);
    }
    {
        dci::Client customer = client();
        CHECK(customer.login_with_key(key).user_id == "24");
        CHECK(customer.whoami().find("client@example.com") != std::string::npos);
        dci::Client moved = std::move(customer);  // the handle moves, freed once
        CHECK(moved.token().has_value());
    }
    dci::Client other = client();
    other.set_token(long_token);
    CHECK(other.whoami().find("admin@example.com") != std::string::npos);
    other.clear_token();
    CHECK(!other.token().has_value());
    CHECK(dci::encode_component("a b+") == "a%20b%2B");

    // One exception type per status.
    expect<dci::InvalidArgumentError>("bad url", [] { dci::Client bad("dci.example.com"); });
    expect<dci::InvalidArgumentError>("NUL inside", [&] { admin.set_token(std::string("a\0b", 3)); });
    expect<dci::InvalidArgumentError>("other origin", [&] { (void)admin.get("https://evil.example.com/api/x"); });
    try {
        (void)admin.get("https://evil.example.com/api/x");
    } catch (const dci::InvalidArgumentError &e) {
        CHECK(e.argument() == "path" && !e.request_sent() && e.attempts() == 0 && e.phase().empty());
    }
    expect<dci::ApiError>("unknown server", [&] { (void)admin.get("dci/v3/server/999999"); }, 404, 3080);
    try {
        (void)admin.get("dci/v3/server/999999");
    } catch (const dci::ApiError &e) {
        CHECK(e.api_message() == "instance not found" && e.request_sent() && e.attempts() == 1);
    }
    try {
        (void)admin.post("dci/v3/user", R"({"email":"x@example.com","nickname":"x"})");
    } catch (const dci::ApiError &e) {
        CHECK(e.api_value().find("\"nickname\"") != std::string::npos);
    }
    expect<dci::UnauthorizedError>("wrong password",
                                   [] { client().login("admin@example.com", "wrong"); }, 401, 3001);
    control(admin, "/emulator/faults", R"({"kind":"html502"})");
    expect<dci::HttpError>("html 502", [&] { (void)admin.get("dci/v3/server/2"); }, 502);
    control(admin, "/emulator/faults", R"({"kind":"truncate"})");
    expect<dci::DecodeError>("truncated", [&] { (void)admin.whoami(); });
    admin.set_retry(2, 0.0);
    control(admin, "/emulator/faults", R"({"kind":"503","count":5})");
    expect<dci::RetriesExhaustedError>("503 x 5", [&] { (void)admin.get("dci/v3/server/2"); }, 503);
    admin.set_retry(10, 0.01);
    control(admin, "/emulator/faults", R"({"kind":"503","count":4})");
    CHECK(admin.get("dci/v3/server/2").find("srv2") != std::string::npos);
    admin.set_timeout(std::chrono::milliseconds(300));
    control(admin, "/emulator/faults", R"({"kind":"delay","delay_ms":1500})");
    expect<dci::TimeoutError>("slow answer", [&] { (void)admin.get("dci/v3/server/2"); });
    admin.set_timeout(std::chrono::milliseconds(60000));
    // A per-call budget, and the phase it ran out in.
    control(admin, "/emulator/faults", R"({"kind":"delay","delay_ms":1500})");
    try {
        dci::Request req("GET", "dci/v3/server/2");
        req.timeout(std::chrono::milliseconds(300));
        (void)admin.send(req);
        CHECK(false);
    } catch (const dci::TimeoutError &e) {
        CHECK(e.phase() == "wait" && e.request_sent());
    }
    expect<dci::ConnectError>("closed port", [] {
        dci::Client c("http://127.0.0.1:9");
        c.set_retry(0, 0.0);
        (void)c.get("x");
    });
    expect<dci::TlsError>("no CA", [] { dci::Client(std::getenv("DCI_URL")).login("admin@example.com", "secret"); });
    // raise_for_status on a kept response.
    dci::Response missing = admin.request("GET", "dci/v3/server/999999");
    CHECK(!missing.ok() && missing.status() == 404);
    CHECK(missing.header("content-type").value_or("").rfind("application/json", 0) == 0);
    CHECK(!missing.header("x-none").has_value());
    expect<dci::ApiError>("raise_for_status", [&] { missing.raise_for_status(); }, 404, 3080);
    // Paging and quoting.
    size_t mine = 0;
    for (const std::string &s : admin.paginate("dci/v3/server", "owner_email EQ " + dci::quote("client@example.com"),
                                               "id asc", 64)) {
        mine += s.find("\"owner_email\":\"client@example.com\"") != std::string::npos ? 1 : 0;
    }
    CHECK(mine == 300);
    CHECK(dci::quote("it's") == "'it\\'s'");
    CHECK(dci::defaults().retries == 10);

    // An echoing server: the password is in no text of the exception.
    for (const char *form : {"unauthorized", "redirect", "html502", "bad_json"}) {
        control(admin, "/emulator/faults",
                std::string(R"({"kind":"echo","path":"public/token","as":")") + form + "\"}");
        try {
            client().login("admin@example.com", "pa55-W0rd-q7Zx!");
            CHECK(false);
        } catch (const dci::Error &e) {
            std::string all = std::string(e.what()) + e.api_message() + e.api_value() + e.body();
            CHECK(all.find("pa55-W0rd") == std::string::npos);
        }
    }

    // A cached token with credentials: one login when it expires.
    {
        dci::Client fpm = client();
        fpm.set_token(*admin.token());
        fpm.set_credentials("admin@example.com", "secret");
        control(admin, "/emulator/expire_tokens", "{}");
        CHECK(fpm.whoami().find("admin@example.com") != std::string::npos);
        CHECK(fpm.relogin_count() == 1);
    }

    // Threads sharing one client through an expiry.
    control(admin, "/emulator/expire_tokens", "{}");
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (int i = 0; i < 4; i++) {
        threads.emplace_back([&, i] {
            for (int j = 0; j < 20; j++) {
                ok[static_cast<size_t>(i)] += admin.get("dci/v3/server/" + std::to_string(i * 20 + j + 1)).empty() ? 0 : 1;
            }
        });
    }
    for (auto &t : threads) t.join();
    CHECK(ok[0] + ok[1] + ok[2] + ok[3] == 80);

    admin.logout();
    CHECK(!admin.token().has_value());
    std::printf("test_wrapper: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
