/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eal_args.h"

static const char *const pci_opts[] = {"-a", "--allow", "-b", "--block", "--no-pci",
	"-w", "--pci-whitelist", "--pci-blacklist", NULL};

bool eal_args_user_chose_pci(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		for (const char *const *o = pci_opts; *o; o++) {
			size_t n = strlen(*o);

			if (strncmp(argv[i], *o, n) != 0)
				continue;
			/* "-a", "-a0000:..", "--allow", "--allow=.." */
			if (argv[i][n] == '\0' || argv[i][n] == '=' || (*o)[1] != '-')
				return true;
		}
	return false;
}

bool eal_pci_driver_is_user(const char *driver)
{
	return strcmp(driver, "vfio-pci") == 0 || strcmp(driver, "uio_pci_generic") == 0 ||
	       strcmp(driver, "igb_uio") == 0;
}

int eal_pci_driver(const char *sysfs, const char *addr, char *drv, int len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", sysfs, addr);
	if (access(path, F_OK) != 0)
		return -errno;
	strncat(path, "/driver", sizeof(path) - strlen(path) - 1);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		drv[0] = '\0';
		return errno == ENOENT ? 0 : -errno;
	}
	link[n] = '\0';
	snprintf(drv, len, "%s", basename(link));
	return 0;
}

const char *eal_args_file_prefix(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--file-prefix") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--file-prefix=", 14) == 0)
			return argv[i] + 14;
	}
	return NULL;
}

/* Append a copy of s (room is the caller's); false when out of memory. */
static bool push(char **v, int *n, const char *s)
{
	if ((v[*n] = strdup(s)) == NULL)
		return false;
	(*n)++;
	return true;
}

int eal_args_build(int argc, char **argv, const char *sysfs, char ***out)
{
	char path[PATH_MAX];
	struct dirent *de;
	char **v;
	int n = 0, cap = argc + 16;
	DIR *d = NULL;

	v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	if (!push(v, &n, argv[0]))
		goto nomem;
	if (!eal_args_user_chose_pci(argc, argv)) {
		snprintf(path, sizeof(path), "%s/bus/pci/devices", sysfs);
		d = opendir(path);
	}
	while (d && (de = readdir(d)) != NULL) {
		char drv[64];

		if (de->d_name[0] == '.')
			continue;
		if (eal_pci_driver(sysfs, de->d_name, drv, sizeof(drv)) != 0 ||
		    eal_pci_driver_is_user(drv))
			continue;
		if (n + 3 + argc >= cap) {
			char **nv = realloc(v, (cap *= 2) * sizeof(*v));

			if (nv == NULL)
				goto nomem;
			v = nv;
		}
		if (!push(v, &n, "-b") || !push(v, &n, de->d_name))
			goto nomem;
	}
	if (d)
		closedir(d);
	d = NULL;
	for (int i = 1; i < argc; i++)
		if (!push(v, &n, argv[i]))
			goto nomem;
	v[n] = NULL;
	*out = v;
	return n;
nomem:
	if (d)
		closedir(d);
	v[n] = NULL; /* what was copied so far is freed with it */
	eal_args_free(v);
	return -ENOMEM;
}

void eal_args_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}
