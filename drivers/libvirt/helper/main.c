/*
 * lockchart-libvirt-helper: one binary, three roles (argv[1]).
 *
 *   host PARENT_PID [--link /run/X=TARGET]...
 *       One simulated host's libvirtd side: a private /run (isolate.c) with the host's daemon
 *       sockets linked in, libvirt.so.0 loaded, then the request loop (host.c).
 *   stand-in FD [FIRST-LINE]
 *       A VM stand-in (stand-in.c), exec'd by the host in each forked child after libvirt's
 *       registration; FD is the descriptor lockd.so leaked into it (-1: none), FIRST-LINE the
 *       registration's answer, printed first.
 *   exec-pdeath PARENT_PID [--private-run] -- PROGRAM ARGS...
 *       Runs PROGRAM (e.g. virtlockd through its socket activator) so that it is SIGKILLed when
 *       PARENT_PID dies: the parent-death signal survives exec. With --private-run it gets a
 *       private /run too: virtlockd keeps its re-exec state at the fixed path
 *       /run/virtlockd-restart-exec.json, which any other virtlockd starting on the machine
 *       reads and unlinks (then the re-exec'd daemon comes back empty and binds its default
 *       sockets in the machine's /run/libvirt); a private /run keeps both to itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

static pid_t parse_pid(const char *text)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (!text[0] || *end || value <= 0)
        return -1;
    return (pid_t)value;
}

static void fail_line(const char *why)
{
    char line[4096] = "* fail ";
    put_string(line, sizeof(line), why);
    strcat(line, "\n");
    write_all(STDOUT_FILENO, line, strlen(line));
}

static int main_host(int argc, char **argv)
{
    pid_t parent = argc > 2 ? parse_pid(argv[2]) : -1;
    if (parent < 0 || die_with_parent(parent) < 0) {
        fail_line("host: bad parent pid, or the parent is already gone");
        return 2;
    }
    char *links[16];
    size_t nlinks = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--link") != 0 || i + 1 >= argc || nlinks == 16) {
            fail_line("host: usage: host PARENT_PID [--link /run/X=TARGET]...");
            return 2;
        }
        links[nlinks++] = argv[++i];
    }
    char why[1024];
    if (isolate_run(links, nlinks, why, sizeof(why)) < 0 || lv_load(why, sizeof(why)) < 0) {
        fail_line(why);
        return 2;
    }
    return host_main();
}

int main(int argc, char **argv)
{
    const char *role = argc > 1 ? argv[1] : "";
    if (strcmp(role, "host") == 0)
        return main_host(argc, argv);
    if (strcmp(role, "stand-in") == 0 && (argc == 3 || argc == 4)) {
        if (argc == 4) {
            write_all(STDOUT_FILENO, argv[3], strlen(argv[3]));
            write_all(STDOUT_FILENO, "\n", 1);
        }
        return stand_in_main(atoi(argv[2]));
    }
    if (strcmp(role, "exec-pdeath") == 0 && argc > 4) {
        int private_run = strcmp(argv[3], "--private-run") == 0;
        int program = private_run ? 5 : 4;
        if (program >= argc || strcmp(argv[program - 1], "--") != 0) {
            fprintf(stderr, "exec-pdeath: usage: exec-pdeath PARENT_PID [--private-run] -- PROGRAM\n");
            return 2;
        }
        pid_t parent = parse_pid(argv[2]);
        if (parent < 0 || die_with_parent(parent) < 0) {
            fprintf(stderr, "exec-pdeath: bad parent pid, or the parent is already gone\n");
            return 2;
        }
        char why[1024];
        if (private_run && isolate_run(NULL, 0, why, sizeof(why)) < 0) {
            fprintf(stderr, "exec-pdeath: %s\n", why);
            return 2;
        }
        execvp(argv[program], argv + program);
        perror(argv[program]);
        return 127;
    }
    fprintf(stderr, "usage: %s host PARENT_PID [--link /run/X=TARGET]... | stand-in FD [LINE] | "
            "exec-pdeath PARENT_PID [--private-run] -- PROGRAM ARGS...\n", argc > 0 ? argv[0] : "helper");
    return 2;
}
