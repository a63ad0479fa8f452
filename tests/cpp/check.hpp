// The C++ tests' one check: CHECK counts passes and failures, prints each failure with its
// place; each test ends with its "N passed, N failed" line.
#ifndef DCI_TEST_CHECK_HPP
#define DCI_TEST_CHECK_HPP

#include <cstdio>

static int passed = 0, failed = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            ++passed;                                                                 \
        } else {                                                                      \
            ++failed;                                                                 \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

#endif
