/* The fault matrix (tests/faults.json) through the C ABI; the rows come from a table generated
 * from that file (scripts/faults_to_c.py). Needs the emulator named by $DCI_URL/$DCI_CA. */
#include <stdbool.h>
#include <time.h>

#include "check.h"

struct fault_row {
    const char *name;
    unsigned retries;
    double backoff_factor;
    unsigned timeout_ms;
    const char *fault1;
    int fault1_date_in;
    const char *fault2;
    int fault2_date_in;
    const char *call;
    const char *path;
    bool ok;
    const char *error; /* kind name, "" when ok */
    int attempts, http_status, api_code, requests, logins, min_ms, max_ms; /* -1: not checked */
};

#include "faults_table.h"

/* The dci_status for a kind name of the error model. */
static dci_status status_of(const char *kind) {
    static const struct { const char *kind; dci_status status; } map[] = {
        {"invalid_argument", DCI_ERROR_INVALID_ARGUMENT}, {"connect", DCI_ERROR_CONNECT},
        {"timeout", DCI_ERROR_TIMEOUT}, {"tls", DCI_ERROR_TLS}, {"http", DCI_ERROR_HTTP},
        {"api", DCI_ERROR_API}, {"unauthorized", DCI_ERROR_UNAUTHORIZED},
        {"retries_exhausted", DCI_ERROR_RETRIES_EXHAUSTED}, {"decode", DCI_ERROR_DECODE},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].kind, kind) == 0) return map[i].status;
    return DCI_ERROR_PANIC;
}

/* Queues one fault; "retry_after_date_in" becomes an HTTP-date that many seconds from now. */
static void queue(dci_client *ctl, const char *fault, int date_in) {
    char body[512];
    if (date_in > 0) {
        char date[64];
        time_t t = time(NULL) + date_in;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        snprintf(body, sizeof body, "%.*s,\"retry_after\":\"%s\"}", (int)(strlen(fault) - 1), fault, date);
        fault = body;
    }
    CHECK(control(ctl, "POST", "/emulator/faults", fault) == 200);
}

int main(void) {
    dci_client *ctl = test_client();
    for (size_t i = 0; i < sizeof fault_rows / sizeof fault_rows[0]; i++) {
        const struct fault_row *row = &fault_rows[i];
        int before = checks_failed;
        control(ctl, "DELETE", "/emulator/faults", NULL);
        dci_client *c = test_client();
        CHECK_STATUS(dci_client_set_retry(c, row->retries, row->backoff_factor), DCI_OK);
        CHECK_STATUS(dci_client_set_timeout_ms(c, row->timeout_ms), DCI_OK);
        bool wrong = strcmp(row->call, "login_wrong") == 0;
        if (!wrong) CHECK_STATUS(dci_client_login(c, "admin@example.com", "secret", NULL), DCI_OK);
        control(ctl, "DELETE", "/emulator/requests", NULL);
        if (row->fault1) queue(ctl, row->fault1, row->fault1_date_in);
        if (row->fault2) queue(ctl, row->fault2, row->fault2_date_in);

        dci_response *r = NULL;
        double t0 = now_ms();
        dci_status st = wrong ? dci_client_login(c, "admin@example.com", "wrong-password", NULL)
                              : dci_client_request(c, strcmp(row->call, "get") == 0 ? "GET" : "POST", row->path, NULL, &r);
        double took = now_ms() - t0;
        const char *message = dci_last_error_message();
        int api_code = dci_last_error_api_code(), http = dci_last_error_http_status();

        CHECK_STATUS(st, row->ok ? DCI_OK : status_of(row->error));
        if (row->http_status >= 0) CHECK(http == row->http_status);
        if (row->api_code >= 0) CHECK(api_code == row->api_code);
        if (row->attempts >= 0) CHECK(dci_last_error_attempts() == (uint32_t)row->attempts);
        CHECK(strstr(message, "secret") == NULL && strstr(message, "wrong-password") == NULL);
        if (row->min_ms >= 0) CHECK(took >= row->min_ms);
        if (row->max_ms >= 0) CHECK(took <= row->max_ms);
        if (row->requests >= 0) {
            char needle[256];
            snprintf(needle, sizeof needle, "\"method\":\"%s\",\"path\":\"/api/%s\"",
                     strcmp(row->call, "get") == 0 ? "GET" : "POST", row->path);
            CHECK(log_count(ctl, needle) == row->requests);
        }
        if (row->logins >= 0) CHECK(stat_field(ctl, "logins") == row->logins);
        dci_response_free(r);
        dci_client_free(c);
        if (checks_failed != before) fprintf(stderr, "  in row: %s (took %.0f ms)\n", row->name, took);
    }
    dci_client_free(ctl);
    return check_summary("test_faults");
}
