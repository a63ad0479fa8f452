/* The whole flow and every error kind through the C ABI, against the emulator named by
 * $DCI_URL (TLS, trusted through $DCI_CA). */
#include "check.h"

int main(void) {
    dci_client *c = test_client();
    dci_response *r = NULL;
    size_t len = 0;

    /* Login, whoami, the token. */
    dci_login_info info = {0};
    CHECK_STATUS(dci_client_login(c, "admin@example.com", "secret", &info), DCI_OK);
    CHECK(info.user_id && strcmp(info.user_id, "3") == 0 && info.confirmed);
    dci_login_info_clear(&info);
    CHECK(info.user_id == NULL);
    dci_login_info_clear(&info); /* twice is harmless */
    char *me = NULL;
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_OK);
    CHECK(me && strstr(me, "\"admin@example.com\"") != NULL);
    dci_string_free(me);
    char *token = NULL;
    CHECK_STATUS(dci_client_token(c, &token), DCI_OK);
    CHECK(token && strlen(token) > 10);

    /* Requests: list, one server, headers actually sent. */
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server?limit=0,3", NULL, &r), DCI_OK);
    CHECK(dci_response_status(r) == 200);
    const char *body = dci_response_body(r, &len);
    CHECK(body && len == strlen(body));
    CHECK(strstr(body, "\"size\":1000") != NULL);
    dci_response_free(r);
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r), DCI_OK);
    CHECK(strstr(dci_response_body(r, NULL), "\"srv2.example.com\"") != NULL);
    CHECK(dci_response_attempts(r) == 1);
    const char *ct = dci_response_header(r, "Content-Type");
    CHECK(ct && strncmp(ct, "application/json", 16) == 0);
    CHECK(dci_response_header(r, "x-not-there") == NULL);
    const uint8_t *bytes = dci_response_bytes(r, &len);
    CHECK(bytes && (const char *)bytes == dci_response_body(r, NULL) && len > 100 && bytes[len] == 0);
    dci_response_free(r);
    char needle[512];
    snprintf(needle, sizeof needle, "\"x-xsrf-token\":\"%s\"", token);
    CHECK(log_count(c, needle) >= 2);
    snprintf(needle, sizeof needle, "\"cookie\":\"ses6=%s\"", token);
    CHECK(log_count(c, needle) >= 2);
    CHECK(log_count(c, "\"isp-box-instance\":\"true\"") >= 2);

    /* A POST without a body sends {}. */
    CHECK_STATUS(dci_client_request(c, "POST", "dci/v3/server/2/power_reset", NULL, &r), DCI_OK);
    dci_response_free(r);

    /* Long-lived token: returned, not swapped in. */
    char *long_token = NULL;
    CHECK_STATUS(dci_client_create_token(c, "2030-01-31 00:00:00", "c test", &long_token), DCI_OK);
    char *current = NULL;
    CHECK_STATUS(dci_client_token(c, &current), DCI_OK);
    CHECK(long_token && current && strcmp(current, token) == 0 && strcmp(long_token, token) != 0);
    dci_string_free(current);
    CHECK_STATUS(dci_client_set_token_ttl(c, "999"), DCI_OK);

    /* Key login for a customer. */
    dci_key_info key = {0};
    char *url = NULL;
    CHECK_STATUS(dci_client_create_key(c, "client@example.com", &key), DCI_OK);
    CHECK(key.id && *key.id && key.key && *key.key);
    CHECK_STATUS(dci_client_key_login_url(c, key.key, &url), DCI_OK);
    CHECK(url && strstr(url, "/auth/key-v4/") != NULL && strstr(url, key.key) != NULL);
    dci_client *customer = test_client();
    CHECK_STATUS(dci_client_login_with_key(customer, key.key, &info), DCI_OK);
    CHECK(info.user_id && strcmp(info.user_id, "24") == 0);
    dci_login_info_clear(&info);
    CHECK_STATUS(dci_client_whoami(customer, &me), DCI_OK);
    CHECK(me && strstr(me, "\"client@example.com\"") != NULL);
    dci_string_free(me);
    /* A user may not call admin functions: an API error with its HTTP status. */
    CHECK_STATUS(dci_client_set_token_ttl(customer, "5"), DCI_ERROR_API);
    CHECK(dci_last_error_http_status() == 403);
    dci_client_free(customer);
    dci_key_info_clear(&key);
    CHECK(key.id == NULL && key.key == NULL);
    dci_string_free(url);

    /* The long-lived token works on another client. */
    dci_client *other = test_client();
    CHECK_STATUS(dci_client_set_token(other, long_token), DCI_OK);
    CHECK_STATUS(dci_client_whoami(other, &me), DCI_OK);
    dci_string_free(me);
    dci_client_free(other);
    dci_string_free(long_token);

    /* API error: the status and the code; no response is handed over (out-parameters are
     * written only on DCI_OK). */
    r = NULL;
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/999999", NULL, &r), DCI_ERROR_API);
    CHECK(r == NULL);
    CHECK(dci_last_error_api_code() == 3080 && dci_last_error_http_status() == 404);
    CHECK(strcmp(dci_last_error_api_msg(), "instance not found") == 0);
    CHECK(dci_last_error_request_sent() && dci_last_error_attempts() == 1 && dci_last_error_phase() == DCI_PHASE_NONE);
    /* The same answer through dci_client_send: the response, and what it means. */
    dci_request *req = dci_request_new("GET", "dci/v3/server/999999");
    CHECK_STATUS(dci_client_send(c, req, &r), DCI_OK);
    CHECK(r != NULL && dci_response_status(r) == 404);
    CHECK_STATUS(dci_response_error(r), DCI_ERROR_API);
    CHECK(dci_last_error_api_code() == 3080 && dci_last_error_http_status() == 404);
    CHECK(strstr(dci_response_body(r, NULL), "instance not found") != NULL);
    dci_response_free(r);
    dci_request_free(req);
    /* The platform's error value, as JSON text. */
    CHECK_STATUS(dci_client_request(c, "POST", "dci/v3/user", "{\"email\":\"x@example.com\",\"nickname\":\"x\"}", &r),
                 DCI_ERROR_API);
    CHECK(strstr(dci_last_error_api_value(), "\"nickname\"") != NULL);
    CHECK(strcmp(dci_last_error_api_msg(), "Unexpected property") == 0);
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_OK);
    dci_string_free(me);
    /* errno-like: a success keeps the facts of the last failure until another one. */
    CHECK(strcmp(dci_last_error_api_msg(), "Unexpected property") == 0);
    CHECK(strcmp(dci_last_error_method(), "POST") == 0);
    dci_last_error_clear();
    CHECK(strcmp(dci_last_error_api_value(), "") == 0 && strcmp(dci_last_error_api_msg(), "") == 0);

    /* A 503 burst within the retries succeeds. */
    CHECK(control(c, "POST", "/emulator/faults", "{\"kind\":\"503\",\"count\":5}") == 200);
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r), DCI_OK);
    CHECK(dci_response_status(r) == 200);
    dci_response_free(r);

    /* More 503s than retries: exhausted, and the last answer is handed over. */
    CHECK_STATUS(dci_client_set_retry(c, 2, 0.0), DCI_OK);
    CHECK(control(c, "POST", "/emulator/faults", "{\"kind\":\"503\",\"count\":3}") == 200);
    r = NULL;
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r), DCI_ERROR_RETRIES_EXHAUSTED);
    CHECK(r == NULL);
    CHECK(dci_last_error_http_status() == 503 && dci_last_error_attempts() == 3);
    CHECK_STATUS(dci_client_set_retry(c, 10, 0.01), DCI_OK);

    /* An HTML 502 from a proxy. */
    CHECK(control(c, "POST", "/emulator/faults", "{\"kind\":\"html502\"}") == 200);
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r), DCI_ERROR_HTTP);
    CHECK(r == NULL && dci_last_error_http_status() == 502);
    CHECK(strstr(dci_last_error_body(), "Bad Gateway") != NULL);

    /* Truncated JSON in a success answer. */
    CHECK(control(c, "POST", "/emulator/faults", "{\"kind\":\"truncate\"}") == 200);
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_ERROR_DECODE);
    /* Through dci_client_request: a decode error (its body's start in the facts); unchecked
     * when asked. */
    CHECK(control(c, "POST", "/emulator/faults", "{\"kind\":\"truncate\"}") == 200);
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r), DCI_ERROR_DECODE);
    CHECK(r == NULL && strncmp(dci_last_error_body(), "{\"", 2) == 0);
    CHECK_STATUS(dci_client_set_validate_json(c, false), DCI_OK);
    CHECK(control(c, "POST", "/emulator/faults", "{\"kind\":\"truncate\"}") == 200);
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r), DCI_OK);
    dci_response_free(r);
    CHECK_STATUS(dci_client_set_validate_json(c, true), DCI_OK);

    /* A closed connection: a POST is reported, not sent again. */
    control(c, "DELETE", "/emulator/requests", NULL);
    CHECK(control(c, "POST", "/emulator/faults", "{\"kind\":\"close\",\"method\":\"POST\"}") == 200);
    r = NULL;
    CHECK_STATUS(dci_client_request(c, "POST", "dci/v3/server/3/power_reset", "{}", &r), DCI_ERROR_CONNECT);
    CHECK(r == NULL && dci_last_error_request_sent() && dci_last_error_phase() == DCI_PHASE_WAIT);
    CHECK(log_count(c, "\"path\":\"/api/dci/v3/server/3/power_reset\"") == 1);

    /* A slow answer past the time budget. */
    CHECK_STATUS(dci_client_set_timeout_ms(c, 300), DCI_OK);
    CHECK(control(c, "POST", "/emulator/faults", "{\"kind\":\"delay\",\"delay_ms\":2000}") == 200);
    double t0 = now_ms();
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r), DCI_ERROR_TIMEOUT);
    double took = now_ms() - t0;
    CHECK(took >= 300 && took < 1000);
    CHECK(dci_last_error_phase() == DCI_PHASE_WAIT && dci_last_error_request_sent());
    /* A per-call budget overrides the client's. */
    CHECK_STATUS(dci_client_set_timeout_ms(c, 60000), DCI_OK);
    CHECK(control(c, "POST", "/emulator/faults", "{\"kind\":\"delay\",\"delay_ms\":2000}") == 200);
    req = dci_request_new("GET", "dci/v3/server/2");
    CHECK_STATUS(dci_request_set_timeout_ms(req, 300), DCI_OK);
    t0 = now_ms();
    CHECK_STATUS(dci_client_send(c, req, &r), DCI_ERROR_TIMEOUT);
    took = now_ms() - t0;
    CHECK(took >= 300 && took < 1000);
    dci_request_free(req);
    CHECK_STATUS(dci_client_set_timeout_ms(c, 60000), DCI_OK);

    /* An expired session is renewed once. */
    CHECK(control(c, "POST", "/emulator/expire_tokens", "{}") == 200);
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_OK);
    dci_string_free(me);
    uint64_t relogins = 0;
    CHECK_STATUS(dci_client_relogin_count(c, &relogins), DCI_OK);
    CHECK(relogins == 1);

    /* A cached token and credentials together: the token is used, and when it expires the
     * client logs in once. */
    char *cached = NULL;
    CHECK_STATUS(dci_client_token(c, &cached), DCI_OK);
    dci_client *fpm = test_client();
    CHECK_STATUS(dci_client_set_token(fpm, cached), DCI_OK);
    CHECK_STATUS(dci_client_set_credentials(fpm, "admin@example.com", "secret"), DCI_OK);
    long logins = stat_field(c, "logins");
    CHECK_STATUS(dci_client_whoami(fpm, &me), DCI_OK);
    dci_string_free(me);
    CHECK(stat_field(c, "logins") == logins); /* the cached token did */
    CHECK(control(c, "POST", "/emulator/expire_tokens", "{}") == 200);
    CHECK_STATUS(dci_client_whoami(fpm, &me), DCI_OK);
    dci_string_free(me);
    CHECK(stat_field(c, "logins") == logins + 1);
    char *renewed = NULL;
    CHECK_STATUS(dci_client_token(fpm, &renewed), DCI_OK);
    CHECK(renewed && strcmp(renewed, cached) != 0);
    dci_string_free(renewed);
    dci_string_free(cached);
    dci_client_free(fpm);
    /* c's own token expired too: its next call renews it. */
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_OK);
    dci_string_free(me);

    /* Credentials without a token: the client logs in before its first request. */
    dci_client *lazy = test_client();
    CHECK_STATUS(dci_client_set_credentials(lazy, "client@example.com", "client-secret"), DCI_OK);
    control(c, "DELETE", "/emulator/requests", NULL);
    CHECK_STATUS(dci_client_whoami(lazy, &me), DCI_OK);
    CHECK(me && strstr(me, "\"client@example.com\"") != NULL);
    dci_string_free(me);
    CHECK(log_count(c, "\"path\":\"/api/auth/v4/public/token\"") == 1);
    CHECK(log_count(c, "\"path\":\"/api/auth/v4/whoami\"") == 1); /* no refused request first */
    dci_client_free(lazy);

    /* Wrong password: unauthorized, code 3001. */
    dci_client *bad = test_client();
    CHECK_STATUS(dci_client_login(bad, "admin@example.com", "wrong", NULL), DCI_ERROR_UNAUTHORIZED);
    CHECK(dci_last_error_api_code() == 3001 && dci_last_error_http_status() == 401);
    CHECK(strstr(dci_last_error_message(), "wrong") == NULL);
    dci_client_free(bad);

    /* TLS: without the CA the handshake fails; the insecure switch accepts anything. */
    if (strncmp(getenv("DCI_URL"), "https://", 8) == 0) {
        dci_client *plain = dci_client_new(getenv("DCI_URL"));
        CHECK_STATUS(dci_client_login(plain, "admin@example.com", "secret", NULL), DCI_ERROR_TLS);
        CHECK(dci_last_error_phase() == DCI_PHASE_TLS && !dci_last_error_request_sent());
        CHECK_STATUS(dci_client_set_verify_tls(plain, false), DCI_OK);
        CHECK_STATUS(dci_client_login(plain, "admin@example.com", "secret", NULL), DCI_OK);
        dci_client_free(plain);
    }

    /* Forgetting a token without a request. */
    dci_client *forget = test_client();
    CHECK_STATUS(dci_client_set_token(forget, "24-abc"), DCI_OK);
    CHECK_STATUS(dci_client_clear_token(forget), DCI_OK);
    char *gone = (char *)0x1;
    CHECK_STATUS(dci_client_token(forget, &gone), DCI_OK);
    CHECK(gone == NULL);
    dci_client_free(forget);

    /* Logout forgets the token. */
    CHECK_STATUS(dci_client_logout(c), DCI_OK);
    char *none = (char *)0x1;
    CHECK_STATUS(dci_client_token(c, &none), DCI_OK);
    CHECK(none == NULL);
    dci_string_free(token);
    dci_client_free(c);
    return check_summary("test_flow");
}
