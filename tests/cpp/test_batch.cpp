// Batches through the C++ wrapper against the emulator ($DCI_URL, $DCI_CA):
// Client::send_all — at once (not one after another), one Result per request in order, an
// error answer kept as a Response (its ApiError through raise_for_status), a failure without
// an answer kept as its own exception with its own facts, log callbacks on the batch's
// threads, bad arguments. Built with -fsanitize=address,undefined by scripts/test-cpp.sh.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "dcimanager.hpp"

#include "check.hpp"

static bool has(std::string_view s, const std::string &part) { return s.find(part) != std::string_view::npos; }

int main() {
    static_assert(!std::is_copy_constructible_v<dci::Result>, "Result is move-only");
    static_assert(std::is_nothrow_move_constructible_v<dci::Result>);

    const std::string base = std::getenv("DCI_URL");
    dci::Client c = client();
    c.login("admin@example.com", "secret");

    // Twelve GETs, each answered 300 ms late, sixteen at once: one round, not twelve.
    std::vector<dci::Request> reqs;
    for (int i = 0; i < 12; i++) reqs.emplace_back("GET", "dci/v3/server/" + std::to_string(i == 5 ? 999999 : i + 1));
    control(c, "/emulator/faults", R"({"kind":"delay","delay_ms":300,"count":12,"path":"dci/v3/server/"})");
    double t0 = now_ms();
    std::vector<dci::Result> results = c.send_all(reqs, 16);
    double took = now_ms() - t0;
    CHECK(took >= 300 && took < 1500);
    if (took >= 1500) std::fprintf(stderr, "the batch took %.0f ms\n", took);
    CHECK(results.size() == 12);
    for (size_t i = 0; i < results.size(); i++) {
        dci::Result &r = results[i];
        CHECK(r.has_response() && static_cast<bool>(r) && r.status() == DCI_OK && !r.error());
        if (i == 5) {
            // The platform's 404 is an answer: its ApiError comes through the response.
            CHECK(r.response().status() == 404 && !r.response().ok());
            try {
                r.response().raise_for_status();
                CHECK(false);
            } catch (const dci::ApiError &e) {
                CHECK(e.api_code() == 3080 && e.http_status() == 404);
                CHECK(e.method() == "GET" && e.url() == base + "/api/dci/v3/server/999999");
            }
        } else {
            CHECK(r.response().ok() && has(r.response().body(), "\"id\":" + std::to_string(i + 1) + ","));
        }
    }
    dci::Response taken = std::move(results[0]).response();
    CHECK(taken.status() == 200);

    // The batch's time budget (600 ms), one at a time, each answer 500 ms late: the first
    // answers, the second times out waiting, the last two cannot start — each its own
    // TimeoutError with its own facts.
    c.set_timeout(std::chrono::milliseconds(600));
    control(c, "/emulator/faults", R"({"kind":"delay","delay_ms":500,"count":4,"path":"dci/v3/server/"})");
    std::vector<dci::Result> late = c.send_all(std::vector<dci::Request>(), 1);
    CHECK(late.empty());
    std::vector<dci::Request> four;
    for (int i = 1; i <= 4; i++) four.emplace_back("GET", "dci/v3/server/" + std::to_string(i));
    late = c.send_all(four, 1);
    CHECK(late.size() == 4);
    CHECK(late[0].has_response() && late[0].response().ok());
    CHECK(!late[1].has_response() && late[1].status() == DCI_ERROR_TIMEOUT && late[1].error());
    try {
        late[1].rethrow();
        CHECK(false);
    } catch (const dci::TimeoutError &e) {
        CHECK(e.request_sent() && e.phase() == "wait" && e.url() == base + "/api/dci/v3/server/2");
    }
    try {
        (void)late[3].response();  // no answer: the failure is rethrown
        CHECK(false);
    } catch (const dci::TimeoutError &e) {
        CHECK(!e.request_sent() && e.attempts() == 0 && e.phase().empty());
        CHECK(e.method() == "GET" && e.url() == base + "/api/dci/v3/server/4");
        CHECK(has(e.what(), "GET /api/dci/v3/server/4: "));
    }
    // Facts belong to their own request, whichever is read first.
    try {
        late[2].rethrow();
        CHECK(false);
    } catch (const dci::TimeoutError &e) {
        CHECK(e.url() == base + "/api/dci/v3/server/3" && !e.request_sent());
    }
    late[0].rethrow();  // an answer: nothing to throw
    c.request("DELETE", "/emulator/faults").raise_for_status();
    c.set_timeout(std::chrono::milliseconds(60000));

    // Log callbacks run on the batch's threads (several at once), the default concurrency.
    std::mutex lock;
    std::set<std::thread::id> threads;
    size_t requests_logged = 0;
    c.set_log_callback(
        [&](const dci::LogRecord &r) {
            std::lock_guard<std::mutex> guard(lock);
            threads.insert(std::this_thread::get_id());
            requests_logged += r.event == "request" ? 1 : 0;
        },
        dci::LogLevel::debug);
    control(c, "/emulator/faults", R"({"kind":"delay","delay_ms":200,"count":8,"path":"dci/v3/server/"})");
    std::vector<dci::Request> eight;
    for (int i = 1; i <= 8; i++) eight.emplace_back("GET", "dci/v3/server/" + std::to_string(i));
    t0 = now_ms();
    results = c.send_all(eight);
    CHECK(now_ms() - t0 < 1000);
    c.clear_log_callback();
    CHECK(results.size() == 8 && results[7].response().ok());
    {
        std::lock_guard<std::mutex> guard(lock);
        CHECK(requests_logged == 9 && threads.size() > 1);  // the control POST, then eight
    }

    // The same request several times; a moved-from Request refuses the batch, nothing sent.
    dci::Request one("GET", "dci/v3/server/2");
    std::vector<dci::Request> twice;
    twice.push_back(std::move(one));
    twice.emplace_back("GET", "dci/v3/server/2");
    results = c.send_all(twice, 0);
    CHECK(results.size() == 2 && has(results[0].response().body(), "srv2") && has(results[1].response().body(), "srv2"));
    dci::Request gone = std::move(twice[0]);
    try {
        (void)c.send_all(twice);
        CHECK(false);
    } catch (const dci::InvalidArgumentError &e) {
        CHECK(e.argument() == "requests" && !e.request_sent());
    }
    (void)gone;

    std::printf("test_batch: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
