/* The conformance matrix (tests/operations.json) through the C ABI; the rows come from a table
 * generated from that file (scripts/operations_to_c.py). Needs the emulator named by
 * $DCI_URL/$DCI_CA. */
#include <stdbool.h>

#include "check.h"
#include "json_lite.h"

#include "operations.h"

#define EXPECT(cond, ...)                                                                  \
    do {                                                                                   \
        if (cond) {                                                                        \
            checks_passed++;                                                               \
        } else {                                                                           \
            checks_failed++;                                                               \
            fprintf(stderr, "  %s: ", row->name);                                           \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
        }                                                                                  \
    } while (0)

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

/* The emulator's base URL, for the "{base}" of expected URLs. */
static const char *conformance_base = "";

/* The last error's facts against an expectation, right after the failing call. */
static void check_error(const struct op_row *row, const struct op_error *e, dci_status st) {
    EXPECT(st == status_of(e->kind), "status %s, expected kind %s (%s)", dci_status_name(st), e->kind,
           dci_last_error_message());
    if (e->http_status != -2)
        EXPECT(dci_last_error_http_status() == (e->http_status < 0 ? 0 : e->http_status), "http status %u",
               dci_last_error_http_status());
    if (e->api_code != -2) EXPECT(dci_last_error_api_code() == e->api_code, "api code %d", dci_last_error_api_code());
    if (e->phase) {
        const char *phase = dci_phase_name(dci_last_error_phase());
        EXPECT(strcmp(phase, e->phase) == 0, "phase '%s', expected '%s'", phase, e->phase);
    }
    if (e->request_sent != -2)
        EXPECT(dci_last_error_request_sent() == (e->request_sent == 1), "request_sent %d",
               dci_last_error_request_sent());
    if (e->attempts != -2) EXPECT(dci_last_error_attempts() == e->attempts, "attempts %u", dci_last_error_attempts());
    if (e->argument)
        EXPECT(strcmp(dci_last_error_argument(), e->argument) == 0, "argument '%s'", dci_last_error_argument());
    if (e->method) EXPECT(strcmp(dci_last_error_method(), e->method) == 0, "method '%s'", dci_last_error_method());
    if (e->url) {
        char want[1024];
        const char *at = strstr(e->url, "{base}");
        if (at)
            snprintf(want, sizeof want, "%.*s%s%s", (int)(at - e->url), e->url, conformance_base, at + 6);
        else
            snprintf(want, sizeof want, "%s", e->url);
        EXPECT(strcmp(dci_last_error_url(), want) == 0, "url '%s', expected '%s'", dci_last_error_url(), want);
    }
}

static void check_json(const struct op_row *row, const char *json, const struct op_check *c) {
    for (; c->path; c++) {
        if (c->equals) EXPECT(jl_equals(json, c->path, c->equals), "%s is not %s in %.200s", c->path, c->equals, json);
        if (c->length != -2) EXPECT(jl_length(json, c->path) == c->length, "%s: length %ld", c->path, jl_length(json, c->path));
    }
}

/* The body of a control call as a malloc'd string (NULL on failure). */
static char *control_body(dci_client *ctl, const char *method, const char *path) {
    dci_response *r = NULL;
    if (dci_client_request(ctl, method, path, NULL, &r) != DCI_OK) return NULL;
    char *copy = strdup(dci_response_body(r, NULL));
    dci_response_free(r);
    return copy;
}

static dci_client *session_client(const struct op_row *row) {
    dci_client *c = test_client();
    dci_defaults d = dci_get_defaults();
    if (row->retries != -2 || row->backoff_factor >= 0)
        CHECK_STATUS(dci_client_set_retry(c, row->retries != -2 ? (uint32_t)row->retries : d.retries,
                                          row->backoff_factor >= 0 ? row->backoff_factor : d.backoff_factor),
                     DCI_OK);
    if (row->timeout_ms != -2) CHECK_STATUS(dci_client_set_timeout_ms(c, (uint64_t)row->timeout_ms), DCI_OK);
    if (strcmp(row->session, "admin") == 0)
        CHECK_STATUS(dci_client_login(c, "admin@example.com", "secret", NULL), DCI_OK);
    else if (strcmp(row->session, "client") == 0)
        CHECK_STATUS(dci_client_login(c, "client@example.com", "client-secret", NULL), DCI_OK);
    return c;
}

/* get/post/delete/request: through dci_client_send with a built request. */
static dci_status send_request(dci_client *c, const struct op_row *row, const char *method, dci_response **out) {
    dci_request *req = dci_request_new(method, row->path);
    if (!req) return DCI_ERROR_INVALID_ARGUMENT;
    for (int i = 0; i < 3 && row->query[i][0]; i++) dci_request_add_query(req, row->query[i][0], row->query[i][1]);
    if (row->body) dci_request_set_json(req, row->body);
    if (row->call_timeout_ms != -2) dci_request_set_timeout_ms(req, (uint64_t)row->call_timeout_ms);
    dci_status st = dci_client_send(c, req, out);
    dci_request_free(req);
    return st;
}

static void run_row(dci_client *ctl, const struct op_row *row, const char *base) {
    dci_client *c = session_client(row);
    control(ctl, "DELETE", "/emulator/requests", NULL);
    if (row->fault1) CHECK(control(ctl, "POST", "/emulator/faults", row->fault1) == 200);
    if (row->fault2) CHECK(control(ctl, "POST", "/emulator/faults", row->fault2) == 200);

    const char *op = row->op;
    bool want_error = strcmp(row->shape, "error") == 0;
    dci_status st = DCI_OK;
    char *text = NULL;        /* text, secret_text, json results (owned by the library) */
    dci_response *r = NULL;   /* json results through dci_client_send, and responses */
    dci_login_info info = {0};
    dci_key_info key = {0};
    long items = 0;

    if (strcmp(op, "login") == 0) {
        st = dci_client_login(c, row->email, row->password, &info);
    } else if (strcmp(op, "key_login") == 0) {
        st = dci_client_create_key(c, row->user, &key);
        if (st == DCI_OK) {
            dci_client *customer = test_client();
            st = dci_client_login_with_key(customer, key.key, &info);
            dci_client_free(customer);
        }
    } else if (strcmp(op, "create_key") == 0) {
        st = dci_client_create_key(c, row->user, &key);
    } else if (strcmp(op, "key_login_url") == 0) {
        st = dci_client_key_login_url(c, row->key, &text);
    } else if (strcmp(op, "whoami") == 0) {
        st = dci_client_whoami(c, &text);
    } else if (strcmp(op, "get") == 0 || strcmp(op, "post") == 0 || strcmp(op, "delete") == 0) {
        const char *method = op[0] == 'g' ? "GET" : op[0] == 'p' ? "POST" : "DELETE";
        if (!row->query[0][0] && row->call_timeout_ms == -2) {
            st = dci_client_request(c, method, row->path, row->body, &r); /* the short form */
        } else {
            st = send_request(c, row, method, &r);
            if (st == DCI_OK) {
                st = dci_response_error(r);
                if (st != DCI_OK) {
                    dci_response_free(r);
                    r = NULL;
                }
            }
        }
    } else if (strcmp(op, "request") == 0) {
        st = send_request(c, row, row->method, &r);
    } else if (strcmp(op, "paginate") == 0) {
        dci_pages *pages = NULL;
        st = dci_client_paginate(c, row->path, row->where, row->orderby, (uint64_t)row->page_size, &pages);
        char *item = NULL;
        while (st == DCI_OK && (st = dci_pages_next(pages, &item)) == DCI_OK && item) {
            items++;
            check_json(row, item, row->checks);
            dci_string_free(item);
            item = NULL;
        }
        dci_pages_free(pages);
    } else if (strcmp(op, "quote") == 0) {
        st = dci_quote(row->text, &text);
    } else if (strcmp(op, "encode") == 0) {
        st = dci_encode_component(row->text, &text);
    } else if (strcmp(op, "create_token") == 0) {
        st = dci_client_create_token(c, row->expires_at, row->description, &text);
    } else if (strcmp(op, "set_token_ttl") == 0) {
        st = dci_client_set_token_ttl(c, row->value);
    } else if (strcmp(op, "logout") == 0) {
        st = dci_client_logout(c);
    } else {
        EXPECT(0, "unknown op %s", op);
    }

    if (want_error) {
        check_error(row, &row->error, st);
    } else {
        EXPECT(st == DCI_OK, "failed: %s %s", dci_status_name(st), dci_last_error_message());
    }
    if (st == DCI_OK && !want_error) {
        const char *shape = row->shape;
        if (strcmp(shape, "login_info") == 0) {
            EXPECT(info.user_id && strcmp(info.user_id, row->id) == 0, "id %s", info.user_id ? info.user_id : "(null)");
            EXPECT(info.confirmed == (row->confirmed == 1), "confirmed %d", info.confirmed);
        } else if (strcmp(shape, "key_info") == 0) {
            EXPECT(key.id && *key.id && key.key && *key.key, "key info is empty");
        } else if (strcmp(shape, "text") == 0) {
            char want[512];
            const char *at = strstr(row->equals, "{base}");
            if (at)
                snprintf(want, sizeof want, "%.*s%s%s", (int)(at - row->equals), row->equals, base, at + 6);
            else
                snprintf(want, sizeof want, "%s", row->equals);
            EXPECT(text && strcmp(text, want) == 0, "'%s', expected '%s'", text ? text : "(null)", want);
        } else if (strcmp(shape, "secret_text") == 0) {
            EXPECT(text && *text, "empty secret");
        } else if (strcmp(shape, "json") == 0) {
            const char *json = text ? text : r ? dci_response_body(r, NULL) : "";
            check_json(row, json, row->checks);
        } else if (strcmp(shape, "null") == 0) {
            size_t len = 0;
            if (r) dci_response_body(r, &len);
            EXPECT(len == 0 && !text, "not empty");
        } else if (strcmp(shape, "items") == 0) {
            EXPECT(items == row->count, "%ld items", items);
        } else if (strcmp(shape, "response") == 0) {
            EXPECT(dci_response_status(r) == row->status, "status %u", dci_response_status(r));
            for (int i = 0; i < 2 && row->headers[i][0]; i++) {
                const char *v = dci_response_header(r, row->headers[i][0]);
                EXPECT(v && strncmp(v, row->headers[i][1], strlen(row->headers[i][1])) == 0, "header %s: %s",
                       row->headers[i][0], v ? v : "(none)");
            }
            if (row->has_error) check_error(row, &row->error, dci_response_error(r));
        }
    }

    /* What the emulator received. */
    char *log = control_body(ctl, "GET", "/emulator/requests");
    CHECK(log != NULL);
    if (log) {
        long n = jl_length(log, "list");
        for (int i = 0; i < 2 && row->requests[i].key; i++) {
            char method[16], needle[300];
            const char *space = strchr(row->requests[i].key, ' ');
            snprintf(method, sizeof method, "%.*s", (int)(space - row->requests[i].key), row->requests[i].key);
            snprintf(needle, sizeof needle, "\"method\":\"%s\",\"path\":\"%s\",", method, space + 1);
            int got = 0;
            for (const char *p = log; (p = strstr(p, needle)) != NULL; p += strlen(needle)) got++;
            EXPECT(got == row->requests[i].n, "%d requests %s, expected %ld", got, row->requests[i].key,
                   row->requests[i].n);
        }
        if (row->no_requests) EXPECT(n == 0, "%ld requests, expected none", n);
        char path[64];
        snprintf(path, sizeof path, "list.%ld.body", n - 1);
        if (row->last_body) EXPECT(n > 0 && jl_equals(log, path, row->last_body), "last body is not %s", row->last_body);
        snprintf(path, sizeof path, "list.%ld.query", n - 1);
        if (row->last_query)
            EXPECT(n > 0 && jl_equals(log, path, row->last_query), "last query is not %s", row->last_query);
        free(log);
    }
    dci_string_free(text);
    dci_response_free(r);
    dci_login_info_clear(&info);
    dci_key_info_clear(&key);
    dci_client_free(c);
}

int main(void) {
    dci_client *ctl = test_client();
    const char *base = env_or_die("DCI_URL");
    conformance_base = base;
    char *defaults = control_body(ctl, "GET", "/emulator/config");
    CHECK(defaults != NULL);
    for (size_t i = 0; i < sizeof op_rows / sizeof op_rows[0]; i++) {
        const struct op_row *row = &op_rows[i];
        if (row->config) CHECK(control(ctl, "POST", "/emulator/config", row->config) == 200);
        run_row(ctl, row, base);
        control(ctl, "DELETE", "/emulator/faults", NULL);
        if (row->config && defaults) CHECK(control(ctl, "POST", "/emulator/config", defaults) == 200);
    }
    free(defaults);
    dci_client_free(ctl);
    return check_summary("test_conformance");
}
