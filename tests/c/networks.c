/* Real networks through the C ABI (run by scripts/net-fixture.sh, which starts the parts and
 * exports DCI_NET_*): the platform's self-signed certificate given as the CA or pinned, the
 * pin learned with dci_server_pin, a company CA in the system store (SSL_CERT_FILE), proxies
 * set explicitly and from the environment (tinyproxy with Basic credentials, microsocks),
 * and a proxy's refusal as its own error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* A client without a proxy unless one is set below (the environment is cleared first). */
static dci_client *client_for(const char *url) {
    dci_client *c = dci_client_new(url);
    if (!c) {
        fprintf(stderr, "dci_client_new(%s): %s\n", url, dci_last_error_message());
        exit(2);
    }
    return c;
}

static dci_status login(dci_client *c) {
    dci_login_info info = {0};
    dci_status s = dci_client_login(c, "admin@example.com", "secret", &info);
    if (s == DCI_OK) dci_login_info_clear(&info);
    return s;
}

int main(void) {
    const char *url = env_or_die("DCI_NET_URL");
    const char *cert = env_or_die("DCI_NET_CERT");
    const char *pin = env_or_die("DCI_NET_PIN");
    const char *other_pin = env_or_die("DCI_NET_OTHER_PIN");
    const char *certs = env_or_die("DCI_NET_CERTS");
    char path[4096], needle[512];
    const char *port = strrchr(url, ':') + 1;

    /* The system store is this process's SSL_CERT_FILE: the company CA alone. It is read
     * when the first certificate is checked, so it is set before any connection. */
    const char *cleared[] = {"SSL_CERT_DIR", "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
                             "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"};
    for (size_t i = 0; i < sizeof cleared / sizeof *cleared; i++) unsetenv(cleared[i]);
    snprintf(path, sizeof path, "%s/ca.pem", certs);
    setenv("SSL_CERT_FILE", path, 1);
    dci_client *c = client_for(env_or_die("DCI_NET_LEAF_URL"));
    CHECK_STATUS(login(c), DCI_OK);
    dci_client_free(c);

    /* The platform's self-signed certificate: refused in words, with its pin... */
    c = client_for(url);
    CHECK_STATUS(login(c), DCI_ERROR_TLS);
    CHECK(dci_last_error_phase() == DCI_PHASE_TLS);
    CHECK(!dci_last_error_request_sent());
    CHECK(strcmp(dci_last_error_tls_pin(), pin) == 0);
    CHECK(strstr(dci_last_error_message(), "CA certificate (CA:TRUE) used as the server's own") != NULL);
    CHECK(strstr(dci_last_error_message(), "127.0.0.1") != NULL);
    CHECK(strstr(dci_last_error_message(), pin) != NULL);
    /* ...trusted once given as the CA file. */
    CHECK_STATUS(dci_client_set_ca_file(c, cert), DCI_OK);
    CHECK_STATUS(login(c), DCI_OK);
    dci_client_free(c);

    /* Pins, as curl's --pinnedpubkey: with verification off the pin alone decides. */
    char *learned = NULL;
    CHECK_STATUS(dci_server_pin(url, &learned), DCI_OK);
    CHECK(learned && strcmp(learned, pin) == 0);
    dci_string_free(learned);
    learned = (char *)"untouched";
    CHECK_STATUS(dci_server_pin("http://127.0.0.1:1", &learned), DCI_ERROR_INVALID_ARGUMENT);
    CHECK(strcmp(learned, "untouched") == 0);
    CHECK_STATUS(dci_server_pin(NULL, &learned), DCI_ERROR_INVALID_ARGUMENT);
    c = client_for(url);
    CHECK_STATUS(dci_client_set_verify_tls(c, false), DCI_OK);
    CHECK_STATUS(dci_client_set_pinned_pubkey(c, pin), DCI_OK);
    CHECK_STATUS(login(c), DCI_OK);
    CHECK_STATUS(dci_client_set_pinned_pubkey(c, other_pin), DCI_OK);
    CHECK_STATUS(login(c), DCI_ERROR_TLS);
    CHECK(strstr(dci_last_error_message(), "matches none of the pinned keys") != NULL);
    CHECK(strcmp(dci_last_error_tls_pin(), pin) == 0);
    /* Verification on: the certificate must verify too. */
    CHECK_STATUS(dci_client_set_verify_tls(c, true), DCI_OK);
    CHECK_STATUS(dci_client_set_pinned_pubkey(c, pin), DCI_OK);
    CHECK_STATUS(login(c), DCI_ERROR_TLS);
    CHECK_STATUS(dci_client_set_ca_file(c, cert), DCI_OK);
    CHECK_STATUS(login(c), DCI_OK);
    CHECK_STATUS(dci_client_set_pinned_pubkey(c, "sha256//not-base64"), DCI_ERROR_INVALID_ARGUMENT);
    CHECK(strcmp(dci_last_error_argument(), "pinned_pubkey") == 0);
    CHECK_STATUS(dci_client_set_pinned_pubkey(c, NULL), DCI_OK);
    CHECK_STATUS(dci_client_set_pinned_pubkey(NULL, pin), DCI_ERROR_INVALID_ARGUMENT);
    dci_client_free(c);

    /* An HTTP proxy with credentials, set explicitly; its log shows the tunnel. */
    c = client_for(url);
    CHECK_STATUS(dci_client_set_ca_file(c, cert), DCI_OK);
    CHECK_STATUS(dci_client_set_proxy(c, env_or_die("DCI_NET_AUTH_PROXY")), DCI_OK);
    CHECK_STATUS(login(c), DCI_OK);
    snprintf(needle, sizeof needle, "CONNECT 127.0.0.1:%s HTTP/1.1", port);
    const char *log = read_file(env_or_die("DCI_NET_AUTH_PROXY_LOG"));
    CHECK(log && strstr(log, needle) != NULL);
    /* Without its credentials: a clear, unretried refusal naming the proxy. */
    CHECK_STATUS(dci_client_set_proxy(c, env_or_die("DCI_NET_AUTH_PROXY_BARE")), DCI_OK);
    CHECK_STATUS(login(c), DCI_ERROR_CONNECT);
    CHECK(dci_last_error_phase() == DCI_PHASE_CONNECT);
    CHECK(dci_last_error_attempts() <= 1);
    CHECK(strstr(dci_last_error_message(), env_or_die("DCI_NET_AUTH_PROXY_BARE")) != NULL);
    CHECK(strstr(dci_last_error_message(), "requires credentials") != NULL);
    CHECK(strstr(dci_last_error_message(), "proxy-pass") == NULL);
    /* A dead proxy the bypass list sends around. */
    CHECK_STATUS(dci_client_set_proxy(c, "http://127.0.0.1:1"), DCI_OK);
    CHECK_STATUS(dci_client_set_no_proxy(c, "localhost,127.0.0.1"), DCI_OK);
    CHECK_STATUS(login(c), DCI_OK);
    CHECK_STATUS(dci_client_set_proxy(c, "gopher://x"), DCI_ERROR_INVALID_ARGUMENT);
    CHECK(strcmp(dci_last_error_argument(), "proxy") == 0);
    dci_client_free(c);

    /* From the environment: https_proxy (an open tinyproxy), then ALL_PROXY (SOCKS5h). */
    setenv("https_proxy", env_or_die("DCI_NET_HTTP_PROXY"), 1);
    c = client_for(url);
    CHECK_STATUS(dci_client_set_ca_file(c, cert), DCI_OK);
    CHECK_STATUS(login(c), DCI_OK);
    log = read_file(env_or_die("DCI_NET_HTTP_PROXY_LOG"));
    CHECK(log && strstr(log, needle) != NULL);
    /* "" turns the environment's proxy off, NULL back on. */
    CHECK_STATUS(dci_client_set_proxy(c, ""), DCI_OK);
    CHECK_STATUS(login(c), DCI_OK);
    CHECK_STATUS(dci_client_set_proxy(c, NULL), DCI_OK);
    CHECK_STATUS(login(c), DCI_OK);
    dci_client_free(c);
    unsetenv("https_proxy");
    setenv("ALL_PROXY", env_or_die("DCI_NET_SOCKS_PROXY"), 1);
    c = client_for(env_or_die("DCI_NET_HOST_URL"));
    CHECK_STATUS(dci_client_set_ca_file(c, cert), DCI_OK);
    CHECK_STATUS(login(c), DCI_OK);
    snprintf(needle, sizeof needle, "connected to localhost:%s", port);
    log = read_file(env_or_die("DCI_NET_SOCKS_PROXY_LOG"));
    CHECK(log && strstr(log, needle) != NULL);
    dci_client_free(c);
    unsetenv("ALL_PROXY");

    return check_summary("networks");
}
