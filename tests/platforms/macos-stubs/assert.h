/* Stand-in for the macOS SDK header, for `make check-platforms` only (see README.md). */
#pragma once
#define assert(x) ((void)0)
