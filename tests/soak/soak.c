/* Soak through the C ABI: N requests (default 1,000,000) on one client, with the process's
 * RSS and open file descriptors sampled every N/10 requests. Prints one JSON object; exits 1
 * when either grows after warm-up (the first tenth) beyond a small bound. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcimanager.h"

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
    if (f) fclose(f);
    return kb;
}

static int open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (d && readdir(d)) n++;
    if (d) closedir(d);
    return n - 3; /* ".", ".." and the directory itself */
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    dci_client *c = dci_client_new(getenv("DCI_URL"));
    if (!c || (getenv("DCI_CA") && dci_client_set_ca_file(c, getenv("DCI_CA")) != DCI_OK) ||
        dci_client_login(c, "admin@example.com", "secret", NULL) != DCI_OK) {
        fprintf(stderr, "setup: %s\n", dci_last_error_message());
        return 2;
    }
    long rss[11];
    int fds[11];
    long failures = 0;
    for (long i = 0, s = 0; i <= n; i++) {
        if (i % (n / 10) == 0 && s < 11) {
            rss[s] = rss_kb();
            fds[s] = open_fds();
            s++;
        }
        if (i == n) break;
        dci_response *r = NULL;
        if (dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r) != DCI_OK) failures++;
        dci_response_free(r);
    }
    dci_client_free(c);
    long growth = rss[10] - rss[1];
    int fd_growth = fds[10] - fds[1];
    printf("{\"client\":\"C ABI\",\"requests\":%ld,\"failures\":%ld,\"rss_kb\":[", n, failures);
    for (int s = 0; s < 11; s++) printf("%s%ld", s ? "," : "", rss[s]);
    printf("],\"fds\":[");
    for (int s = 0; s < 11; s++) printf("%s%d", s ? "," : "", fds[s]);
    printf("],\"rss_growth_after_warmup_kb\":%ld,\"fd_growth_after_warmup\":%d}\n", growth, fd_growth);
    return failures == 0 && growth < 1024 && fd_growth == 0 ? 0 : 1;
}
