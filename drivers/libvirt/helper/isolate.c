/*
 * Each simulated host gets its own /run. As root, lockd.so connects to the fixed path
 * /run/libvirt/virtlockd-sock (sanlock.so to /run/sanlock/sanlock.sock): there is no option to
 * move it. So the helper enters a mount namespace of its own, makes every mount in it private
 * (nothing it mounts can propagate back to the machine), mounts a small tmpfs over /run and
 * links the host's private daemon sockets into it. The machine's own /run/libvirt is never
 * touched: in this namespace it is hidden under the tmpfs, outside it nothing changed.
 *
 * Parent death: the helper and everything it forks get SIGKILL when their parent dies, so a
 * SIGKILLed test runner leaves no helper, VM stand-in or daemon behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

/* mkdir -p for the directories of a path under /run. */
static int make_parents(const char *path)
{
    char dir[4096];
    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return -1;
    for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            return -1;
        *slash = '/';
    }
    return 0;
}

int isolate_run(char **links, size_t nlinks, char *why, size_t size)
{
    if (unshare(CLONE_NEWNS) < 0) {
        snprintf(why, size, "unshare(CLONE_NEWNS): %s (needs root)", strerror(errno));
        return -1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        snprintf(why, size, "making / private in the new namespace: %s", strerror(errno));
        return -1;
    }
    if (mount("lockchart-run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m") < 0) {
        snprintf(why, size, "mounting a private tmpfs on /run: %s", strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < nlinks; i++) {
        char link[4096];
        if (snprintf(link, sizeof(link), "%s", links[i]) >= (int)sizeof(link)) {
            snprintf(why, size, "link spec too long");
            return -1;
        }
        char *target = strchr(link, '=');
        if (!target || strncmp(link, "/run/", 5) != 0 || strstr(link, "/../")) {
            snprintf(why, size, "bad link '%s': want /run/PATH=TARGET", links[i]);
            return -1;
        }
        *target++ = '\0';
        if (strncmp(target, "/run/", 5) == 0 || strcmp(target, "/run") == 0) {
            snprintf(why, size, "link target '%s' is under /run, which the private tmpfs hides",
                     target);
            return -1;
        }
        if (make_parents(link) < 0 || symlink(target, link) < 0) {
            snprintf(why, size, "linking %s to %s: %s", link, target, strerror(errno));
            return -1;
        }
    }
    return 0;
}

int die_with_parent(pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return -1;
    /* The parent may have died before prctl: then nobody would ever send the signal. */
    if (getppid() != parent)
        return -1;
    return 0;
}
