/* A few lines of JSON reading for the C and C++ tests: find the raw text of the value at a
 * dotted path ("list.0.id"; "" is the whole document) and count an array's elements. Enough
 * to check the emulator's compact answers against tests/operations.json; not a parser for
 * anything else. */
#ifndef DCI_TEST_JSON_LITE_H
#define DCI_TEST_JSON_LITE_H

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *jl_ws(const char *p) {
    while (p && *p && isspace((unsigned char)*p)) p++;
    return p;
}

/* The end of the value starting at p (after whitespace), or NULL when it is malformed. */
static const char *jl_skip(const char *p) {
    p = jl_ws(p);
    if (!p || !*p) return NULL;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && !*++p) return NULL;
        return *p == '"' ? p + 1 : NULL;
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = jl_ws(p + 1);
        if (*p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                p = jl_skip(p); /* the key */
                p = jl_ws(p);
                if (!p || *p != ':') return NULL;
                p++;
            }
            p = jl_ws(jl_skip(p));
            if (!p) return NULL;
            if (*p == close) return p + 1;
            if (*p != ',') return NULL;
            p++;
        }
    }
    while (*p && !strchr(",}] \t\r\n", *p)) p++;
    return p;
}

/* The value at `path` in `json`: its start, with its length in *len; NULL when absent. */
static const char *jl_at(const char *json, const char *path, size_t *len) {
    const char *p = jl_ws(json);
    char seg[128];
    while (p && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof seg) return NULL;
        memcpy(seg, path, n);
        seg[n] = '\0';
        path += n + (path[n] == '.');
        if (*p == '{') {
            p = jl_ws(p + 1);
            const char *found = NULL;
            while (p && *p == '"') {
                const char *key_end = jl_skip(p);
                if (!key_end) return NULL;
                int match = (size_t)(key_end - p - 2) == strlen(seg) && strncmp(p + 1, seg, strlen(seg)) == 0;
                p = jl_ws(key_end);
                if (*p != ':') return NULL;
                p = jl_ws(p + 1);
                if (match) {
                    found = p;
                    break;
                }
                p = jl_ws(jl_skip(p));
                if (p && *p == ',') p = jl_ws(p + 1);
            }
            p = found;
        } else if (*p == '[') {
            long index = atol(seg);
            p = jl_ws(p + 1);
            for (long i = 0; p && i < index; i++) {
                p = jl_ws(jl_skip(p));
                if (!p || *p != ',') return NULL;
                p = jl_ws(p + 1);
            }
            if (p && *p == ']') return NULL;
        } else {
            return NULL;
        }
    }
    if (!p) return NULL;
    const char *end = jl_skip(p);
    if (!end) return NULL;
    *len = (size_t)(end - p);
    return p;
}

/* The number of elements of the array at `path`, or -1. */
static long jl_length(const char *json, const char *path) {
    size_t len;
    const char *p = jl_at(json, path, &len);
    if (!p || *p != '[') return -1;
    p = jl_ws(p + 1);
    if (*p == ']') return 0;
    long n = 1;
    for (;;) {
        p = jl_ws(jl_skip(p));
        if (!p) return -1;
        if (*p == ']') return n;
        p++;
        n++;
    }
}

/* Whether the value at `path` is exactly the compact JSON text `want`. */
static int jl_equals(const char *json, const char *path, const char *want) {
    size_t len;
    const char *p = jl_at(json, path, &len);
    return p && len == strlen(want) && strncmp(p, want, len) == 0;
}

#endif
