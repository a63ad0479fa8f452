/* The documented DCImanager 6 flow through the C API, step by step.
 *
 *   cc demo.c -Iinclude -Ltarget/release -ldcimanager -o demo
 *   ./demo https://dci.example.com [ca.pem]
 *
 * (against the emulator: `make demo`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcimanager.h"

/* Reports a failed step with the facts of the error (decide on facts, print the message). */
static int fail(const char *step) {
    fprintf(stderr, "%s failed: %s (API code %d, HTTP %u, phase '%s', request sent: %s)\n", step,
            dci_last_error_message(), (int)dci_last_error_api_code(), (unsigned)dci_last_error_http_status(),
            dci_phase_name(dci_last_error_phase()), dci_last_error_request_sent() ? "yes" : "no");
    return 1;
}

/* Prints a step's JSON answer, shortened. */
static void show(const char *step, const char *json) {
    printf("%-28s %.110s%s\n", step, json, strlen(json) > 110 ? "..." : "");
}

int main(int argc, char **argv) {
    const char *base = argc > 1 ? argv[1] : getenv("DCI_URL");
    const char *ca = argc > 2 ? argv[2] : getenv("DCI_CA");
    if (!base) {
        fprintf(stderr, "usage: %s BASE_URL [CA_FILE]\n", argv[0]);
        return 2;
    }
    printf("dcimanager %s -> %s\n", dci_version(), base);

    dci_client *c = dci_client_new(base);
    if (!c) return fail("dci_client_new");
    if (ca && dci_client_set_ca_file(c, ca) != DCI_OK) return fail("set_ca_file");

    /* 1. Log in with e-mail and password. */
    dci_login_info info = {0};
    if (dci_client_login(c, "admin@example.com", "secret", &info) != DCI_OK) return fail("login");
    printf("%-28s ok, user id %s\n", "1. login", info.user_id);
    dci_login_info_clear(&info);

    /* 2. Who am I? */
    char *me = NULL;
    if (dci_client_whoami(c, &me) != DCI_OK) return fail("whoami");
    show("2. whoami", me);
    dci_string_free(me);

    /* 3. Every server of a customer, page by page: the where literal quoted by the library
     *    (whatever the e-mail holds), the query encoded by it, one request per 100 servers. */
    char *email = NULL, filter[256];
    if (dci_quote("client@example.com", &email) != DCI_OK) return fail("quote");
    snprintf(filter, sizeof filter, "owner_email EQ %s AND power_status EQ 'on'", email);
    dci_string_free(email);
    dci_pages *pages = NULL;
    if (dci_client_paginate(c, "dci/v3/server", filter, "id asc", 100, &pages) != DCI_OK) return fail("paginate");
    char *item = NULL, first[128] = "";
    long count = 0;
    dci_status st;
    while ((st = dci_pages_next(pages, &item)) == DCI_OK && item) {
        if (count++ == 0) snprintf(first, sizeof first, "%.50s", item);
        dci_string_free(item);
    }
    dci_pages_free(pages);
    if (st != DCI_OK) return fail("paginate");
    printf("%-28s %ld servers where %s, first %s...\n", "3. paginate", count, filter, first);

    /* A request with query parameters the library encodes, and a per-call time budget. */
    dci_request *req = dci_request_new("GET", "dci/v3/server");
    dci_request_add_query(req, "where", "power_status EQ 'on'");
    dci_request_add_query(req, "limit", "0,3");
    dci_request_set_timeout_ms(req, 5000);
    dci_response *r = NULL;
    if (dci_client_send(c, req, &r) != DCI_OK || dci_response_error(r) != DCI_OK) return fail("list servers");
    dci_request_free(req);
    show("   list servers (3)", dci_response_body(r, NULL));
    dci_response_free(r);

    /* 4. Read one server. */
    if (dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r) != DCI_OK) return fail("read server");
    show("4. server 2", dci_response_body(r, NULL));
    dci_response_free(r);

    /* 5. A long-lived token for an integration (not printed: it is a secret). */
    char *long_token = NULL;
    if (dci_client_create_token(c, "2030-01-31 00:00:00", "Token for integration", &long_token) != DCI_OK)
        return fail("create_token");
    printf("%-28s created (%zu characters, kept secret)\n", "5. long-lived token", strlen(long_token));
    dci_string_free(long_token);

    /* 6. A key for a customer, and the link a billing system redirects to. */
    dci_key_info key = {0};
    char *link = NULL;
    if (dci_client_create_key(c, "client@example.com", &key) != DCI_OK) return fail("create_key");
    if (dci_client_key_login_url(c, key.key, &link) != DCI_OK) return fail("key_login_url");
    printf("%-28s %s\n", "6. customer login link", link);
    dci_string_free(link);

    /* 7. The customer's side: log in with the key. */
    dci_client *customer = dci_client_new(base);
    if (ca) dci_client_set_ca_file(customer, ca);
    if (dci_client_login_with_key(customer, key.key, NULL) != DCI_OK) return fail("login_with_key");
    dci_key_info_clear(&key);
    if (dci_client_whoami(customer, &me) != DCI_OK) return fail("customer whoami");
    show("7. customer whoami", me);
    dci_string_free(me);
    dci_client_logout(customer);
    dci_client_free(customer);

    /* 8. The platform wakes from suspension: five 503s in a row (the emulator's control
     *    endpoint queues them; a real platform does this by itself). */
    if (dci_client_request(c, "POST", "/emulator/suspend", "{\"requests\":5}", &r) == DCI_OK) {
        dci_response_free(r);
        if (dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r) != DCI_OK) return fail("503 burst");
        printf("%-28s HTTP %u after %u attempts (5 x 503 retried)\n", "8. suspended platform",
               dci_response_status(r), dci_response_attempts(r));
        dci_response_free(r);
    } else {
        printf("%-28s skipped (not an emulator)\n", "8. suspended platform");
    }

    /* 9. Log out. */
    if (dci_client_logout(c) != DCI_OK) return fail("logout");
    printf("%-28s ok\n", "9. logout");
    dci_client_free(c);
    return 0;
}
