/* Minimal unit-test support: CHECK records a failure with its location and
 * goes on; TEST_MAIN runs the listed test functions and prints the closing
 * line "N passed, M failed" (one check is one count). */
#ifndef DURE_TEST_H
#define DURE_TEST_H

#include <stdio.h>
#include <string.h>

static unsigned test_passed_, test_failed_;

#define CHECK(cond)                                                           \
	do {                                                                      \
		if (cond) {                                                           \
			test_passed_++;                                                   \
		} else {                                                              \
			test_failed_++;                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,  \
			        #cond);                                                   \
		}                                                                     \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                    \
	do {                                                                      \
		long long a_ = (long long)(a), b_ = (long long)(b);                   \
		if (a_ == b_) {                                                       \
			test_passed_++;                                                   \
		} else {                                                              \
			test_failed_++;                                                   \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n",         \
			        __FILE__, __LINE__, #a, #b, a_, b_);                      \
		}                                                                     \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* TEST_MAIN(test_a, test_b, ...) defines main(). */
#define TEST_MAIN(...)                                                        \
	int main(void)                                                            \
	{                                                                         \
		void (*tests_[])(void) = {__VA_ARGS__};                               \
		for (size_t i_ = 0; i_ < sizeof tests_ / sizeof tests_[0]; i_++)      \
			tests_[i_]();                                                     \
		printf("%u passed, %u failed\n", test_passed_, test_failed_);         \
		return test_failed_ ? 1 : 0;                                          \
	}

#endif
