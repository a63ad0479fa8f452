// The C++ tests' one check: CHECK counts passes and failures, prints each failure with its
// place; each test ends with its "N passed, N failed" line.
#ifndef DCI_TEST_CHECK_HPP
#define DCI_TEST_CHECK_HPP

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <functional>
#include <optional>
#include <string>

#include "dcimanager.hpp"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            ++passed;                                                                 \
        } else {                                                                      \
            ++failed;                                                                 \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

// Milliseconds on the monotonic clock (clock_gettime: async-signal-safe, for handlers too).
static inline double now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Runs `f`, which must throw exactly E; returns a copy of it (or nothing, counted as a failure).
template <class E>
static std::optional<E> thrown(const char *what, const std::function<void()> &f) {
    try {
        f();
        ++failed;
        std::fprintf(stderr, "%s: nothing was thrown\n", what);
    } catch (const E &e) {
        ++passed;
        return e;
    } catch (const std::exception &e) {
        ++failed;
        std::fprintf(stderr, "%s: wrong exception: %s\n", what, e.what());
    }
    return std::nullopt;
}

// A client for the emulator named by $DCI_URL, trusting $DCI_CA (scripts/with-emulator.sh).
static inline dci::Client client() {
    dci::Client c(std::getenv("DCI_URL"));
    c.set_ca_file(std::getenv("DCI_CA"));
    return c;
}

// A control call to the emulator (POST /emulator/...), which must succeed.
static inline void control(dci::Client &c, const std::string &path, const std::string &json) {
    auto r = c.request("POST", path, json);
    r.raise_for_status();
}

#endif
