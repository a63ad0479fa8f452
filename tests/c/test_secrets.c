/* Secrets never leave through the C ABI: a server that echoes what it received (the
 * emulator's echo fault) in a 401 message and value, a redirect's Location, an HTML 502 page
 * or a JSON body that does not parse, and the password, key or token appears in no
 * dci_last_error_* text. Plus strict JSON: invalid UTF-8 in a success is DCI_ERROR_DECODE.
 * Needs the emulator named by $DCI_URL/$DCI_CA. */
#include "check.h"

static const char *FORMS[] = {"unauthorized", "redirect", "html502", "bad_json"};
static const char PASSWORD[] = "pa55-W0rd-q7Zx!";
static const char KEY[] = "42-k3y-Vq9T-secret";

/* Whether `secret` (or its percent-encoded form) appears in any text of the last error. */
static int leaked(const char *secret) {
    char *encoded = NULL;
    if (dci_encode_component(secret, &encoded) != DCI_OK) return 1;
    const char *texts[] = {dci_last_error_message(), dci_last_error_api_msg(), dci_last_error_api_value(),
                           dci_last_error_body(), dci_last_error_argument()};
    int found = 0;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        found |= strstr(texts[i], secret) != NULL || strstr(texts[i], encoded) != NULL;
    dci_string_free(encoded);
    return found;
}

static void queue_echo(dci_client *ctl, const char *form, const char *path) {
    char fault[160];
    snprintf(fault, sizeof fault, "{\"kind\":\"echo\",\"as\":\"%s\",\"path\":\"%s\"}", form, path);
    CHECK(control(ctl, "POST", "/emulator/faults", fault) == 200);
}

int main(void) {
    dci_client *ctl = test_client();
    for (size_t i = 0; i < sizeof FORMS / sizeof FORMS[0]; i++) {
        /* The password of a login. */
        queue_echo(ctl, FORMS[i], "public/token");
        dci_client *c = test_client();
        CHECK(dci_client_login(c, "admin@example.com", PASSWORD, NULL) != DCI_OK);
        CHECK(!leaked(PASSWORD));
        dci_client_free(c);

        /* The key of a key login. */
        queue_echo(ctl, FORMS[i], "public/key");
        c = test_client();
        CHECK(dci_client_login_with_key(c, KEY, NULL) != DCI_OK);
        CHECK(!leaked(KEY));
        dci_client_free(c);

        /* The session token of a call (a token without credentials: no renewal). */
        dci_client *admin = test_client();
        CHECK_STATUS(dci_client_login(admin, "admin@example.com", "secret", NULL), DCI_OK);
        char *token = NULL;
        CHECK_STATUS(dci_client_token(admin, &token), DCI_OK);
        c = test_client();
        CHECK_STATUS(dci_client_set_token(c, token), DCI_OK);
        queue_echo(ctl, FORMS[i], "server/2");
        dci_response *r = NULL;
        CHECK(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r) != DCI_OK);
        CHECK(r == NULL);
        CHECK(!leaked(token));
        /* The same through dci_client_send + dci_response_error. */
        queue_echo(ctl, FORMS[i], "server/2");
        dci_request *req = dci_request_new("GET", "dci/v3/server/2");
        if (dci_client_send(c, req, &r) == DCI_OK) {
            /* bad_json is a 200: its body is the answer, not an error text. */
            CHECK((dci_response_error(r) != DCI_OK) == (strcmp(FORMS[i], "bad_json") != 0));
            CHECK(!leaked(token));
            dci_response_free(r);
        } else {
            CHECK(!leaked(token));
        }
        dci_request_free(req);
        dci_string_free(token);
        dci_client_free(c);
        dci_client_free(admin);
    }

    /* Strict JSON: a success whose JSON string is not UTF-8. */
    dci_client *c = test_client();
    CHECK_STATUS(dci_client_login(c, "admin@example.com", "secret", NULL), DCI_OK);
    CHECK(control(ctl, "POST", "/emulator/faults", "{\"kind\":\"bad_utf8\"}") == 200);
    dci_response *r = NULL;
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r), DCI_ERROR_DECODE);
    CHECK(r == NULL && dci_last_error_http_status() == 200);
    /* Unchecked when asked: the bytes are handed over as they came. */
    CHECK_STATUS(dci_client_set_validate_json(c, false), DCI_OK);
    CHECK(control(ctl, "POST", "/emulator/faults", "{\"kind\":\"bad_utf8\"}") == 200);
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r), DCI_OK);
    size_t len = 0;
    const uint8_t *bytes = dci_response_bytes(r, &len);
    CHECK(len == 16 && bytes[11] == 0xff);
    dci_response_free(r);
    dci_client_free(c);
    dci_client_free(ctl);
    return check_summary("test_secrets");
}
