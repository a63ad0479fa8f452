/* Minimal test helpers for the C tests: CHECK counts, prints failures, and the summary line
 * "N passed, N failed" closes the run. Also a tiny way to reach the emulator's control
 * endpoints through the library itself (they share the client's origin). */
#ifndef DCI_TEST_CHECK_H
#define DCI_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dcimanager.h"

static int checks_passed = 0;
static int checks_failed = 0;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (cond) {                                                                     \
            checks_passed++;                                                            \
        } else {                                                                        \
            checks_failed++;                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__,      \
                    __LINE__, #cond, dci_last_error_message());                        \
        }                                                                               \
    } while (0)

#define CHECK_STATUS(expr, expected)                                                    \
    do {                                                                                \
        dci_status got_ = (expr);                                                       \
        if (got_ == (expected)) {                                                       \
            checks_passed++;                                                            \
        } else {                                                                        \
            checks_failed++;                                                            \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: %s)\n",     \
                    __FILE__, __LINE__, #expr, dci_status_name(got_),                  \
                    dci_status_name(expected), dci_last_error_message());              \
        }                                                                               \
    } while (0)

/* Milliseconds on the monotonic clock, for bounds on how long a call took. */
static inline double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static inline int check_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, checks_passed, checks_failed);
    return checks_failed == 0 ? 0 : 1;
}

static inline const char *env_or_die(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "set %s (the test runner does)\n", name);
        exit(2);
    }
    return v;
}

/* A client for the emulator named by $DCI_URL, trusting $DCI_CA when set. */
static inline dci_client *test_client(void) {
    dci_client *c = dci_client_new(env_or_die("DCI_URL"));
    const char *ca = getenv("DCI_CA");
    if (!c) {
        fprintf(stderr, "dci_client_new: %s\n", dci_last_error_message());
        exit(2);
    }
    if (ca && *ca && dci_client_set_ca_file(c, ca) != DCI_OK) {
        fprintf(stderr, "dci_client_set_ca_file: %s\n", dci_last_error_message());
        exit(2);
    }
    return c;
}

/* Sends a control call (e.g. POST /emulator/faults) and returns the HTTP status (0 when no
 * answer arrived). */
static inline int control(dci_client *c, const char *method, const char *path, const char *json) {
    dci_request *req = dci_request_new(method, path);
    dci_response *r = NULL;
    if (req && json) dci_request_set_json(req, json);
    int status = req && dci_client_send(c, req, &r) == DCI_OK ? dci_response_status(r) : 0;
    dci_response_free(r);
    dci_request_free(req);
    return status;
}

/* Counts the log entries whose text contains `needle` (a crude but honest check: the log is
 * JSON with one object per request). */
static inline int log_count(dci_client *c, const char *needle) {
    dci_response *r = NULL;
    int n = 0;
    if (dci_client_request(c, "GET", "/emulator/requests", NULL, &r) == DCI_OK) {
        const char *p = dci_response_body(r, NULL);
        while ((p = strstr(p, needle)) != NULL) {
            n++;
            p += strlen(needle);
        }
    }
    dci_response_free(r);
    return n;
}

/* A number from the emulator's GET /emulator/stats, e.g. "logins"; -1 when absent. */
static inline long stat_field(dci_client *c, const char *name) {
    dci_response *r = NULL;
    long n = -1;
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\":", name);
    if (dci_client_request(c, "GET", "/emulator/stats", NULL, &r) == DCI_OK) {
        const char *p = strstr(dci_response_body(r, NULL), needle);
        if (p) n = atol(p + strlen(needle));
    }
    dci_response_free(r);
    return n;
}

#endif
