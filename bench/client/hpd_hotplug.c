/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-hpd-hotplug --socket PATH --iterations K [--devargs D] [--device N]
 *                   [--verify SOCKET]... [--json]
 * The hotplugd side of the hotplug-latency benchmark: K attach + detach
 * round trips over a control socket, timed at the client. --verify lists
 * each given member right after every attach answer, to check the port is
 * already usable there (an answer means "done everywhere").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

#define MAX_VERIFY 32

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int call(struct hpd_client *c, const char *method, json_t *params)
{
	json_t *resp;
	int rc = hpd_client_call(c, method, params, 60000, &resp);

	if (rc)
		return rc;
	if (json_object_get(resp, "error")) {
		char *s = json_dumps(resp, JSON_COMPACT);

		fprintf(stderr, "%s: %s\n", method, s);
		free(s);
		rc = -EIO;
	}
	json_decref(resp);
	return rc;
}

static int has_port(struct hpd_client *c)
{
	json_t *resp;
	int n = 0;

	if (hpd_client_call(c, "list", NULL, 60000, &resp) == 0) {
		n = (int)json_array_size(json_object_get(json_object_get(resp, "result"), "ports"));
		json_decref(resp);
	}
	return n;
}

static void print_array(const char *name, const double *v, int n, int last)
{
	printf("\"%s\":[", name);
	for (int i = 0; i < n; i++)
		printf("%s%.1f", i ? "," : "", v[i]);
	printf("]%s", last ? "" : ",");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"iterations", required_argument, NULL, 'k'},
		{"devargs", required_argument, NULL, 'd'},
		{"device", required_argument, NULL, 'n'},
		{"verify", required_argument, NULL, 'v'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	const char *sock = NULL, *devargs = "net_null0", *device = "net_null0";
	const char *verify[MAX_VERIFY];
	struct hpd_client c, vc[MAX_VERIFY];
	int k = 100, nverify = 0, opt, missing = 0;
	double *att, *det;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'k': k = atoi(optarg); break;
		case 'd': devargs = optarg; break;
		case 'n': device = optarg; break;
		case 'v':
			if (nverify < MAX_VERIFY)
				verify[nverify++] = optarg;
			break;
		case 'j': break;
		default: return 2;
		}
	}
	if (sock == NULL || k <= 0) {
		fprintf(stderr, "usage: %s --socket PATH --iterations K [--verify SOCK]...\n", argv[0]);
		return 2;
	}
	if (hpd_client_connect(&c, sock, 5000)) {
		fprintf(stderr, "cannot connect to %s\n", sock);
		return 3;
	}
	for (int i = 0; i < nverify; i++)
		if (hpd_client_connect(&vc[i], verify[i], 5000)) {
			fprintf(stderr, "cannot connect to %s\n", verify[i]);
			return 3;
		}
	att = calloc(k, sizeof(*att));
	det = calloc(k, sizeof(*det));
	for (int i = 0; i < k; i++) {
		double t = now_us();

		if (call(&c, "attach", json_pack("{s:s}", "devargs", devargs)))
			return 1;
		att[i] = now_us() - t;
		for (int j = 0; j < nverify; j++)
			missing += has_port(&vc[j]) != 1;
		t = now_us();
		if (call(&c, "detach", json_pack("{s:s}", "device", device)))
			return 1;
		det[i] = now_us() - t;
	}
	printf("{\"iterations\":%d,\"verified_members\":%d,\"missing_after_answer\":%d,",
	       k, nverify, missing);
	print_array("attach_us", att, k, 0);
	print_array("detach_us", det, k, 1);
	printf("}\n");
	return missing ? 1 : 0;
}
