/* Every exported function with NULL for each pointer and with invalid UTF-8: an error status
 * (or NULL / a no-op), never a crash. Needs no server. */
#include "check.h"

static const char BAD[] = {'a', (char)0xff, 'b', 0};

#define INVALID DCI_ERROR_INVALID_ARGUMENT

int main(void) {
    char *s = (char *)0x1; /* out-params must stay untouched on failure */
    dci_response *resp = (dci_response *)0x1;
    dci_pages *pages = (dci_pages *)0x1;
    dci_key_info key = {(char *)0x1, (char *)0x1};
    dci_login_info info = {(char *)0x1, true};
    uint64_t count = 77;
    int64_t total = 77;

    CHECK(strcmp(dci_version(), "") != 0);
    CHECK(strcmp(dci_status_name(DCI_ERROR_TLS), "DCI_ERROR_TLS") == 0);
    CHECK(strcmp(dci_status_name(-1), "DCI_UNKNOWN") == 0);
    CHECK(strcmp(dci_last_error_message(), "") == 0);
    CHECK(strcmp(dci_last_error_api_msg(), "") == 0 && strcmp(dci_last_error_api_value(), "") == 0);

    /* Construction. */
    CHECK(dci_client_new(NULL) == NULL);
    CHECK(strstr(dci_last_error_message(), "NULL") != NULL);
    CHECK(dci_client_new(BAD) == NULL);
    CHECK(strstr(dci_last_error_message(), "UTF-8") != NULL);
    CHECK(dci_client_new("ftp://example.com") == NULL);
    CHECK(dci_client_new("https://example.com/api") == NULL);
    dci_client_free(NULL);

    dci_client *c = dci_client_new("http://127.0.0.1:9");
    CHECK(c != NULL);
    /* errno-like: a success keeps the last failure's facts; only dci_last_error_clear forgets. */
    CHECK(strstr(dci_last_error_message(), "base URL") != NULL);
    CHECK(strcmp(dci_last_error_argument(), "url") == 0);
    dci_last_error_clear();
    CHECK(strcmp(dci_last_error_message(), "") == 0 && strcmp(dci_last_error_argument(), "") == 0);

    /* The new facts are never NULL; interrupting NULL does nothing. */
    CHECK(dci_last_error_method() != NULL && dci_last_error_url() != NULL);
    dci_client_interrupt(NULL);
    CHECK_STATUS(dci_client_set_interrupt_check(NULL, NULL, NULL), INVALID);
    CHECK(strcmp(dci_status_name(DCI_ERROR_INTERRUPTED), "DCI_ERROR_INTERRUPTED") == 0);

    /* A NULL client everywhere. */
    CHECK_STATUS(dci_client_set_verify_tls(NULL, true), INVALID);
    CHECK_STATUS(dci_client_set_ca_file(NULL, "/x"), INVALID);
    CHECK_STATUS(dci_client_set_ca_pem(NULL, "x", 1), INVALID);
    CHECK_STATUS(dci_client_set_timeout_ms(NULL, 1), INVALID);
    CHECK_STATUS(dci_client_set_connect_timeout_ms(NULL, 1), INVALID);
    CHECK_STATUS(dci_client_set_retry(NULL, 1, 0.1), INVALID);
    CHECK_STATUS(dci_client_set_retry_deadline_ms(NULL, 1), INVALID);
    CHECK_STATUS(dci_client_set_retry_post(NULL, true), INVALID);
    CHECK_STATUS(dci_client_set_max_body_size(NULL, 1), INVALID);
    CHECK_STATUS(dci_client_login(NULL, "a", "b", &info), INVALID);
    CHECK(strcmp(dci_last_error_argument(), "handle") == 0 && !dci_last_error_request_sent());
    CHECK_STATUS(dci_client_login_with_key(NULL, "k", NULL), INVALID);
    CHECK_STATUS(dci_client_set_credentials(NULL, "a", "b"), INVALID);
    CHECK_STATUS(dci_client_set_token(NULL, "t"), INVALID);
    CHECK_STATUS(dci_client_token(NULL, &s), INVALID);
    CHECK_STATUS(dci_client_relogin_count(NULL, &count), INVALID);
    CHECK_STATUS(dci_client_create_key(NULL, "u", &key), INVALID);
    CHECK_STATUS(dci_client_key_login_url(NULL, "k", &s), INVALID);
    CHECK_STATUS(dci_client_create_token(NULL, "2030-01-01 00:00:00", "d", &s), INVALID);
    CHECK_STATUS(dci_client_set_token_ttl(NULL, "5"), INVALID);
    CHECK_STATUS(dci_client_whoami(NULL, &s), INVALID);
    CHECK_STATUS(dci_client_logout(NULL), INVALID);
    CHECK_STATUS(dci_client_clear_token(NULL), INVALID);
    CHECK_STATUS(dci_client_set_validate_json(NULL, false), INVALID);
    CHECK_STATUS(dci_client_request(NULL, "GET", "x", NULL, &resp), INVALID);
    CHECK_STATUS(dci_client_send(NULL, NULL, &resp), INVALID);
    CHECK_STATUS(dci_client_paginate(NULL, "dci/v3/server", NULL, NULL, 0, &pages), INVALID);
    CHECK(s == (char *)0x1 && resp == (dci_response *)0x1 && pages == (dci_pages *)0x1 && count == 77);
    CHECK(key.id == (char *)0x1 && info.user_id == (char *)0x1);

    /* NULL and non-UTF-8 strings, NULL out-params. */
    CHECK_STATUS(dci_client_set_ca_file(c, NULL), INVALID);
    CHECK_STATUS(dci_client_set_ca_file(c, BAD), INVALID);
    CHECK_STATUS(dci_client_set_ca_file(c, "/nonexistent/ca.pem"), INVALID);
    CHECK(strstr(dci_last_error_message(), "/nonexistent/ca.pem") != NULL);
    CHECK_STATUS(dci_client_set_ca_pem(c, NULL, 3), INVALID);
    CHECK_STATUS(dci_client_set_ca_pem(c, "not a pem", 9), INVALID);
    CHECK_STATUS(dci_client_set_retry(c, 3, -1.0), INVALID);
    CHECK_STATUS(dci_client_login(c, NULL, "p", NULL), INVALID);
    CHECK(strcmp(dci_last_error_argument(), "email") == 0);
    CHECK_STATUS(dci_client_login(c, "e", NULL, NULL), INVALID);
    CHECK(strcmp(dci_last_error_argument(), "password") == 0);
    CHECK_STATUS(dci_client_login(c, BAD, "p", NULL), INVALID);
    CHECK_STATUS(dci_client_login(c, "e", BAD, &info), INVALID);
    CHECK_STATUS(dci_client_login(c, "", "p", &info), INVALID);
    CHECK(info.user_id == (char *)0x1);
    CHECK_STATUS(dci_client_login_with_key(c, NULL, NULL), INVALID);
    CHECK_STATUS(dci_client_login_with_key(c, BAD, NULL), INVALID);
    CHECK_STATUS(dci_client_set_credentials(c, NULL, "p"), INVALID);
    CHECK_STATUS(dci_client_set_credentials(c, "e", BAD), INVALID);
    CHECK_STATUS(dci_client_set_credentials(c, "e", ""), INVALID);
    CHECK_STATUS(dci_client_relogin_count(c, NULL), INVALID);
    CHECK_STATUS(dci_client_set_token(c, NULL), INVALID);
    CHECK_STATUS(dci_client_set_token(c, BAD), INVALID);
    CHECK_STATUS(dci_client_set_token(c, "tok\r\nX-Evil: 1"), INVALID);
    CHECK(strstr(dci_last_error_message(), "X-Evil") == NULL);
    CHECK_STATUS(dci_client_token(c, NULL), INVALID);
    CHECK_STATUS(dci_client_create_key(c, NULL, &key), INVALID);
    CHECK_STATUS(dci_client_create_key(c, BAD, &key), INVALID);
    CHECK_STATUS(dci_client_create_key(c, "u", NULL), INVALID);
    CHECK(key.id == (char *)0x1 && key.key == (char *)0x1);
    CHECK_STATUS(dci_client_key_login_url(c, NULL, &s), INVALID);
    CHECK_STATUS(dci_client_key_login_url(c, BAD, &s), INVALID);
    CHECK_STATUS(dci_client_key_login_url(c, "k", NULL), INVALID);
    CHECK_STATUS(dci_client_create_token(c, NULL, "d", &s), INVALID);
    CHECK_STATUS(dci_client_create_token(c, BAD, "d", &s), INVALID);
    CHECK_STATUS(dci_client_create_token(c, "2030-01-01 00:00:00", BAD, &s), INVALID);
    CHECK_STATUS(dci_client_create_token(c, "2030-01-01 00:00:00", "d", NULL), INVALID);
    CHECK_STATUS(dci_client_create_token(c, "tomorrow", "d", &s), INVALID);
    CHECK_STATUS(dci_client_set_token_ttl(c, NULL), INVALID);
    CHECK_STATUS(dci_client_set_token_ttl(c, BAD), INVALID);
    CHECK_STATUS(dci_client_whoami(c, NULL), INVALID);
    CHECK_STATUS(dci_client_request(c, NULL, "x", NULL, &resp), INVALID);
    CHECK_STATUS(dci_client_request(c, "GET", NULL, NULL, &resp), INVALID);
    CHECK_STATUS(dci_client_request(c, BAD, "x", NULL, &resp), INVALID);
    CHECK_STATUS(dci_client_request(c, "GET", BAD, NULL, &resp), INVALID);
    CHECK_STATUS(dci_client_request(c, "POST", "x", BAD, &resp), INVALID);
    CHECK_STATUS(dci_client_request(c, "POST", "x", "{not json", &resp), INVALID);
    CHECK_STATUS(dci_client_request(c, "GET", "x", NULL, NULL), INVALID);
    CHECK_STATUS(dci_client_request(c, "GET", "http://evil.example.com/api/x", NULL, &resp), INVALID);
    CHECK_STATUS(dci_client_request(c, "GET", "x\r\nHost: evil", NULL, &resp), INVALID);
    CHECK(strcmp(dci_last_error_argument(), "path") == 0);
    CHECK(dci_last_error_attempts() == 0 && !dci_last_error_request_sent());
    CHECK(dci_last_error_phase() == DCI_PHASE_NONE);
    CHECK(resp == (dci_response *)0x1);

    /* Requests, responses, pages. */
    CHECK(dci_request_new(NULL, "x") == NULL);
    CHECK(dci_request_new("GET", BAD) == NULL);
    dci_request *req = dci_request_new("GET", "dci/v3/server");
    CHECK(req != NULL);
    CHECK_STATUS(dci_request_add_query(NULL, "a", "b"), INVALID);
    CHECK_STATUS(dci_request_add_query(req, NULL, "b"), INVALID);
    CHECK_STATUS(dci_request_add_query(req, "a", BAD), INVALID);
    CHECK_STATUS(dci_request_set_json(req, NULL), INVALID);
    CHECK_STATUS(dci_request_set_body(req, NULL, 3, NULL), INVALID);
    CHECK_STATUS(dci_request_set_body(NULL, (const uint8_t *)"x", 1, NULL), INVALID);
    CHECK_STATUS(dci_request_set_body(req, (const uint8_t *)"x", 1, BAD), INVALID);
    CHECK_STATUS(dci_request_add_header(req, "x-a", NULL), INVALID);
    CHECK_STATUS(dci_request_set_timeout_ms(NULL, 5), INVALID);
    CHECK_STATUS(dci_client_send(c, NULL, &resp), INVALID);
    CHECK_STATUS(dci_client_send(c, req, NULL), INVALID);
    CHECK_STATUS(dci_request_add_header(req, "x-evil", "a\r\nb: c"), DCI_OK); /* refused when sent */
    CHECK_STATUS(dci_client_send(c, req, &resp), INVALID);
    CHECK(strcmp(dci_last_error_argument(), "header") == 0);
    CHECK(resp == (dci_response *)0x1);
    dci_request_free(req);
    dci_request_free(NULL);
    req = dci_request_new("POST", "x");
    CHECK_STATUS(dci_request_set_json(req, "{not json"), DCI_OK);
    CHECK_STATUS(dci_client_send(c, req, &resp), INVALID);
    CHECK(strcmp(dci_last_error_argument(), "body") == 0);
    dci_request_free(req);
    CHECK_STATUS(dci_client_paginate(c, NULL, NULL, NULL, 0, &pages), INVALID);
    CHECK_STATUS(dci_client_paginate(c, "x", BAD, NULL, 0, &pages), INVALID);
    CHECK_STATUS(dci_client_paginate(c, "x", NULL, NULL, 0, NULL), INVALID);
    CHECK(pages == (dci_pages *)0x1);
    CHECK_STATUS(dci_pages_next(NULL, &s), INVALID);
    CHECK_STATUS(dci_pages_total(NULL, &total), INVALID);
    CHECK(total == 77);
    dci_pages_free(NULL);
    CHECK_STATUS(dci_response_error(NULL), INVALID);
    CHECK(dci_response_header(NULL, "content-type") == NULL);
    CHECK(dci_response_attempts(NULL) == 0);
    CHECK_STATUS(dci_quote(NULL, &s), INVALID);
    CHECK_STATUS(dci_quote(BAD, &s), INVALID);
    CHECK_STATUS(dci_quote("x", NULL), INVALID);
    dci_login_info_clear(NULL);
    dci_key_info_clear(NULL);
    CHECK_STATUS(dci_encode_component(NULL, &s), INVALID);
    CHECK_STATUS(dci_encode_component(BAD, &s), INVALID);
    CHECK_STATUS(dci_encode_component("x", NULL), INVALID);
    CHECK(s == (char *)0x1);
    CHECK(dci_last_error_api_code() == 0);
    CHECK(dci_last_error_http_status() == 0);

    /* Calls that work without a server. */
    char *token = (char *)0x1;
    CHECK_STATUS(dci_client_token(c, &token), DCI_OK);
    CHECK(token == NULL);
    CHECK_STATUS(dci_client_set_token(c, "24-cee181d2-ccaa-4b64-a229-234aa7a25db6"), DCI_OK);
    CHECK_STATUS(dci_client_token(c, &token), DCI_OK);
    CHECK(token && strcmp(token, "24-cee181d2-ccaa-4b64-a229-234aa7a25db6") == 0);
    dci_string_free(token);
    char *url = NULL;
    CHECK_STATUS(dci_client_key_login_url(c, "4-74e7c0e9", &url), DCI_OK);
    CHECK(url && strcmp(url, "http://127.0.0.1:9/auth/key-v4/4-74e7c0e9") == 0);
    dci_string_free(url);
    char *enc = NULL;
    CHECK_STATUS(dci_encode_component("a+b (c)'@", &enc), DCI_OK);
    CHECK(enc && strcmp(enc, "a%2Bb%20%28c%29%27%40") == 0);
    dci_string_free(enc);
    char *quoted = NULL;
    CHECK_STATUS(dci_quote("it's a \\ test", &quoted), DCI_OK);
    CHECK(quoted && strcmp(quoted, "'it\\'s a \\\\ test'") == 0);
    dci_string_free(quoted);
    dci_defaults d = dci_get_defaults();
    CHECK(d.timeout_ms == 60000 && d.connect_timeout_ms == 10000 && d.retries == 10 && d.page_size == 100);
    CHECK(d.backoff_factor == 0.01 && d.max_body_size == 64u * 1024 * 1024);
    CHECK(strcmp(dci_phase_name(DCI_PHASE_WAIT), "wait") == 0 && strcmp(dci_phase_name(DCI_PHASE_NONE), "") == 0);
    CHECK(strcmp(dci_phase_name(42), "unknown") == 0);
    CHECK_STATUS(dci_client_set_credentials(c, "admin@example.com", "secret"), DCI_OK);
    CHECK_STATUS(dci_client_relogin_count(c, &count), DCI_OK);
    CHECK(count == 0);
    /* Pages send nothing until the first dci_pages_next, and outlive their client handle. */
    dci_client *short_lived = dci_client_new("http://127.0.0.1:9");
    CHECK_STATUS(dci_client_set_retry(short_lived, 0, 0.0), DCI_OK);
    pages = NULL;
    CHECK_STATUS(dci_client_paginate(short_lived, "dci/v3/server", "id EQ 1", "id asc", 0, &pages), DCI_OK);
    dci_client_free(short_lived);
    CHECK_STATUS(dci_pages_total(pages, &total), DCI_OK);
    CHECK(total == -1);
    char *item = (char *)0x1;
    CHECK_STATUS(dci_pages_next(pages, &item), DCI_ERROR_CONNECT);
    CHECK(item == (char *)0x1);
    CHECK(dci_last_error_phase() == DCI_PHASE_CONNECT && !dci_last_error_request_sent());
    CHECK_STATUS(dci_pages_next(pages, &item), DCI_OK); /* the walk is over after an error */
    CHECK(item == NULL);
    dci_pages_free(pages);
    CHECK_STATUS(dci_client_set_timeout_ms(c, 0), DCI_OK);
    CHECK_STATUS(dci_client_set_verify_tls(c, false), DCI_OK);
    CHECK_STATUS(dci_client_set_verify_tls(c, true), DCI_OK);
    /* Nothing listens on port 9: a connect error, after the retries. */
    CHECK_STATUS(dci_client_set_retry(c, 0, 0.0), DCI_OK);
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server", NULL, &resp), DCI_ERROR_CONNECT);
    CHECK(resp == (dci_response *)0x1);
    CHECK(strlen(dci_last_error_message()) > 0);
    CHECK(dci_last_error_phase() == DCI_PHASE_CONNECT && dci_last_error_attempts() == 1);
    CHECK(strstr(dci_last_error_message(), "24-cee181d2") == NULL);

    /* Getters and frees accept NULL. */
    CHECK(dci_response_status(NULL) == 0);
    size_t len = 7;
    CHECK(dci_response_body(NULL, &len) == NULL);
    CHECK(dci_response_bytes(NULL, &len) == NULL);
    CHECK(len == 7);
    dci_response_free(NULL);
    dci_string_free(NULL);

    dci_client_free(c);
    return check_summary("test_args");
}
