/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "did you mean": the command nearest to a mistyped one, as git and
 * systemctl answer. Nearness is the optimal string alignment distance
 * (edits, a swap of neighbours counting as one: lsit -> list).
 */
#include <string.h>

#include "hpctl.h"

#define WORD_MAX 32

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

static size_t distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), d[WORD_MAX + 1][WORD_MAX + 1];

	if (n > WORD_MAX || m > WORD_MAX)
		return (size_t)-1;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	return d[n][m];
}

const char *ctl_suggest(const char *word, const char *const *names)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	for (; *names; names++) {
		size_t d = distance(word, *names);

		/* a prefix of one command ("sta" is not: start, stats, status) */
		if (strncmp(word, *names, strlen(word)) == 0)
			d = 1;
		if (d < best_d) {
			best = *names;
			best_d = d;
		} else if (d == best_d) {
			best = NULL; /* two as near: no guess */
		}
	}
	/* at most two edits, and fewer than the word has letters */
	return best_d <= 2 && best_d < strlen(word) ? best : NULL;
}
