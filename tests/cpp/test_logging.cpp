// Log callbacks through the C++ wrapper against the emulator ($DCI_URL, $DCI_CA):
// Client::set_log_callback (records arrive, levels, a callback that throws breaks nothing,
// replacement and removal stop the old one, a moved Client and a Pages that outlives its
// Client keep logging safely) and the process-wide dci::set_log_callback. Built with
// -fsanitize=address,undefined by scripts/test-cpp.sh.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "dcimanager.hpp"

#include "check.hpp"

// What a callback was given, copied (the record's views are valid during the call only).
struct Copy {
    dci::LogLevel level;
    std::string event, message, fields;
};

// A thread-safe recorder, as a log callback must be.
class Seen {
public:
    dci::LogCallback callback() {
        return [this](const dci::LogRecord &r) {
            std::lock_guard<std::mutex> lock(mutex_);
            records_.push_back({r.level, std::string(r.event), std::string(r.message), std::string(r.fields_json)});
        };
    }
    std::vector<Copy> records() {
        std::lock_guard<std::mutex> lock(mutex_);
        return records_;
    }
    size_t size() { return records().size(); }
    size_t count(const std::string &event) {
        size_t n = 0;
        for (const Copy &c : records()) n += c.event == event ? 1 : 0;
        return n;
    }
    bool mentions(const std::string &text) {
        for (const Copy &c : records()) {
            if (c.message.find(text) != std::string::npos || c.fields.find(text) != std::string::npos) return true;
        }
        return false;
    }

private:
    std::mutex mutex_;
    std::vector<Copy> records_;
};

static bool has(const std::string &s, const std::string &part) { return s.find(part) != std::string::npos; }

int main() {
    static_assert(std::is_same_v<decltype(dci::LogRecord::message), std::string_view>, "views, documented");
    static_assert(std::is_same_v<dci::LogCallback, std::function<void(const dci::LogRecord &)>>);
    CHECK(std::string(dci::to_string(dci::LogLevel::info)) == "info");
    CHECK(static_cast<int>(dci::LogLevel::warning) == DCI_LOG_WARNING);

    dci::Client admin = client();  // the control client: no callback of its own
    admin.login("admin@example.com", "secret");
    const std::string token = *admin.token();

    // A client's callback from INFO up: a queued 503 shows as one retry at info.
    Seen mine;
    dci::Client c = client();
    c.set_log_callback(mine.callback());
    c.login("admin@example.com", "secret");
    CHECK(mine.size() == 0);  // a login that goes well says nothing at info
    control(admin, "/emulator/faults", R"({"kind":"503","count":1})");
    CHECK(has(c.get("dci/v3/server/2"), "srv2"));
    std::vector<Copy> got = mine.records();
    CHECK(got.size() == 1);
    if (!got.empty()) {
        CHECK(got[0].level == dci::LogLevel::info && got[0].event == "retry");
        CHECK(got[0].message.rfind("GET /api/dci/v3/server/2: HTTP 503; retry 1 of 10", 0) == 0);
        CHECK(has(got[0].fields, R"("event":"retry")") && has(got[0].fields, R"("status":503)"));
        CHECK(has(got[0].fields, R"("attempt":1)"));
    }

    // A callback that throws (a std::exception, then anything else): the calls go on, and
    // the replaced callback hears nothing more.
    std::atomic<int> thrown{0};
    c.set_log_callback([&](const dci::LogRecord &) {
        if (thrown++ % 2 == 0) throw std::runtime_error("the callback is broken");
        throw 42;
    });
    control(admin, "/emulator/faults", R"({"kind":"503","count":2})");
    CHECK(has(c.get("dci/v3/server/3"), "\"id\":3"));
    CHECK(thrown.load() == 2);
    CHECK(mine.size() == 1);

    // Removed: nothing more, twice is fine; an empty std::function removes it too.
    c.clear_log_callback();
    c.clear_log_callback();
    control(admin, "/emulator/faults", R"({"kind":"503","count":1})");
    CHECK(has(c.get("dci/v3/server/2"), "srv2"));
    CHECK(thrown.load() == 2);
    c.set_log_callback(mine.callback());
    c.set_log_callback(nullptr);
    control(admin, "/emulator/faults", R"({"kind":"503","count":1})");
    CHECK(has(c.get("dci/v3/server/2"), "srv2"));
    CHECK(mine.size() == 1);

    // From DEBUG up: every request, at debug; a give-up at warning; no secret anywhere.
    Seen debug;
    c.set_log_callback(debug.callback(), dci::LogLevel::debug);
    CHECK(has(c.get("dci/v3/server/2"), "srv2"));
    CHECK(debug.count("request") == 1 && debug.records()[0].level == dci::LogLevel::debug);
    CHECK(debug.mentions("GET /api/dci/v3/server/2 (attempt 1)"));
    c.set_retry(1, 0.0);
    control(admin, "/emulator/faults", R"({"kind":"503","count":5})");
    try {
        (void)c.get("dci/v3/server/2");
        CHECK(false);
    } catch (const dci::RetriesExhaustedError &) {
        std::vector<Copy> all = debug.records();
        CHECK(!all.empty() && all.back().event == "give_up" && all.back().level == dci::LogLevel::warning);
    }
    c.set_retry(10, 0.01);
    c.logout();
    CHECK(debug.mentions("/api/auth/v4/token/[redacted]"));
    CHECK(!debug.mentions(*admin.token()) && !debug.mentions("\"secret\""));

    // A moved Client keeps its callback (the C side holds a pointer that does not move), and
    // so does the Client it is move-assigned to.
    Seen moved_seen;
    dci::Client source = client();
    source.set_token(token);
    source.set_log_callback(moved_seen.callback());
    dci::Client moved = std::move(source);
    control(admin, "/emulator/faults", R"({"kind":"503","count":1})");
    CHECK(has(moved.get("dci/v3/server/2"), "srv2"));
    CHECK(moved_seen.count("retry") == 1);
    dci::Client target = client();
    target.set_log_callback(mine.callback());
    target = std::move(moved);  // target's own client and callback go
    control(admin, "/emulator/faults", R"({"kind":"503","count":1})");
    CHECK(has(target.get("dci/v3/server/2"), "srv2"));
    CHECK(moved_seen.count("retry") == 2 && mine.size() == 1);

    // A Pages that outlives its Client keeps the client's callback alive, and logs there.
    Seen paging;
    std::optional<dci::Pages> pages;
    {
        dci::Client p = client();
        p.set_token(token);
        p.set_log_callback(paging.callback(), dci::LogLevel::debug);
        pages.emplace(p.paginate("dci/v3/server", "", "id asc", 100));
    }
    size_t items = 0;
    for (const std::string &item : *pages) {
        (void)item;
        if (++items == 150) break;
    }
    CHECK(items == 150);
    CHECK(paging.count("request") == 2);
    pages.reset();

    // The process-wide callback: every client's events (here a client without its own).
    Seen global;
    dci::set_log_callback(global.callback());
    control(admin, "/emulator/faults", R"({"kind":"503","count":1})");
    CHECK(has(admin.get("dci/v3/server/2"), "srv2"));
    CHECK(global.count("retry") == 1);
    // A client with its own callback: both hear it.
    control(admin, "/emulator/faults", R"({"kind":"503","count":1})");
    CHECK(has(target.get("dci/v3/server/2"), "srv2"));
    CHECK(global.count("retry") == 2 && moved_seen.count("retry") == 3);
    // Replaced by one that throws: the old one hears nothing, the call goes on.
    std::atomic<int> global_thrown{0};
    dci::set_log_callback([&](const dci::LogRecord &) {
        ++global_thrown;
        throw std::logic_error("the process-wide callback is broken");
    });
    control(admin, "/emulator/faults", R"({"kind":"503","count":1})");
    CHECK(has(admin.get("dci/v3/server/2"), "srv2"));
    CHECK(global_thrown.load() == 1 && global.count("retry") == 2);
    // Removed: nothing more.
    dci::clear_log_callback();
    control(admin, "/emulator/faults", R"({"kind":"503","count":1})");
    CHECK(has(admin.get("dci/v3/server/2"), "srv2"));
    CHECK(global_thrown.load() == 1 && global.count("retry") == 2);

    std::printf("test_logging: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
