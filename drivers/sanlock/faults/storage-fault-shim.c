/*
 * An LD_PRELOAD shim that fails or stalls a sanlock daemon's I/O to one file, on demand.
 *
 * LOCKCHART_FAULT_FILE names the file (as /proc/self/fd shows it: an absolute, resolved path);
 * LOCKCHART_FAULT_CTL names a control directory. While <ctl>/eio exists, read(2) and write(2) on
 * a descriptor of that file fail with EIO; while <ctl>/hang exists they block until it is gone.
 * Everything else passes through. The daemon must run with `-a 0`: with libaio its disk I/O does
 * not go through read(2)/write(2).
 *
 * Built by gcc at test time (drivers/sanlock/faults/storage-fault.ts); lockchart's own code.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);

static int control_exists(const char *name)
{
	const char *ctl = getenv("LOCKCHART_FAULT_CTL");
	char path[PATH_MAX];

	if (!ctl)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", ctl, name);
	return access(path, F_OK) == 0;
}

static int is_target(int fd)
{
	const char *file = getenv("LOCKCHART_FAULT_FILE");
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (!file)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return strcmp(path, file) == 0;
}

/* 0: let the call through; -1: fail it with EIO. Blocks while the file is "hung". */
static int fault(int fd)
{
	int saved = errno;

	if (!control_exists("eio") && !control_exists("hang")) {
		errno = saved;
		return 0;
	}
	if (!is_target(fd)) {
		errno = saved;
		return 0;
	}
	while (control_exists("hang"))
		usleep(10000);
	if (control_exists("eio")) {
		errno = EIO;
		return -1;
	}
	errno = saved;
	return 0;
}

ssize_t read(int fd, void *buf, size_t count)
{
	if (!real_read)
		real_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	if (fault(fd) < 0)
		return -1;
	return real_read(fd, buf, count);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	if (!real_write)
		real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (fault(fd) < 0)
		return -1;
	return real_write(fd, buf, count);
}
