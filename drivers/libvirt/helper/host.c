/*
 * The host's request loop: libvirtd's side of libvirt's lock manager, and the VMs it forks.
 *
 * Requests (stdin), replies (stdout), one line each; "ID" is echoed so replies can be matched:
 *
 *   ID plugin sNAME sDRIVER sCONFIGDIR FLAGS     virLockManagerPluginNew          -> ok P
 *   ID new P TYPE FLAGS params                   virLockManagerNew                -> ok M
 *   ID add M TYPE FLAGS sNAME params             virLockManagerAddResource        -> ok
 *   ID acquire M FLAGS ACTION sSTATE|-           virLockManagerAcquire (fd NULL)  -> ok
 *   ID release M FLAGS                           virLockManagerRelease            -> ok sSTATE|-
 *   ID inquire M FLAGS                           virLockManagerInquire            -> ok sSTATE|-
 *   ID free M                                    virLockManagerFree               -> ok
 *   ID domain P OP NEWFLAGS FLAGS ACTION sSTATE|- params resources
 *        one domain_lock.c operation: New, AddResource for each, one call (OP = acquire,
 *        release or inquire), Free                                             -> ok sSTATE|-
 *   ID spawn                                     fork a VM child, parked before exec -> ok V PID
 *   ID vm V LINE...                              LINE to VM V; its answer comes back as the reply
 *        before exec:  register P NEWFLAGS FLAGS ACTION params resources   (qemuProcessHook:
 *                      New, AddResource..., Acquire(NULL, FLAGS, ACTION, &fd), Free; then exec
 *                      the stand-in keeping fd, which prints the answer)   -> ok FD
 *                      exec                    (no registration)            -> ok -1
 *        after exec:   the stand-in's commands (stand-in.c)
 *   ID signal V SIGNO                            kill(2) the VM                    -> ok
 *   ID ping                                                                      -> ok PID
 *   ID bench P N params resources   N x (one domain acquire, one domain release), timed here,
 *        without the line protocol in the way: libvirt's own speed              -> ok NANOSECONDS
 *
 * params = N then N x (sKEY TYPE VALUE); resources = N then N x (TYPE FLAGS sNAME params).
 * Errors: "ID err STAGE CODE DOMAIN LEVEL INT1 sMESSAGE" with libvirt's own error fields.
 * Events: "* ready PID", "* exit V CODE SIGNAL" (a VM ended; it was reaped at once).
 *
 * VMs are reaped in the SIGCHLD handler itself: virtlockd's kill loop waits for an owner to be
 * gone (ESRCH), and a zombie is not gone, so an unreaped VM would stall the daemon for 3 s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

#define MAX_PLUGINS 8
#define MAX_PENDING 64
#define LINE_MAX_OUT 16384

typedef struct {
    pid_t pid;
    int cmd_fd;                 /* the child's stdin */
    lc_reader replies;          /* the child's stdout */
    char *pending[MAX_PENDING]; /* request ids waiting for the child's answers, oldest first */
    size_t npending;
    volatile sig_atomic_t reaped;
    int status;
    int reported;
} vm_t;

static void *plugins[MAX_PLUGINS];
static size_t nplugins;
static void **managers;
static size_t nmanagers;
static vm_t **vms;
static size_t nvms;
static int wake[2] = { -1, -1 };

static void out_line(const char *id, const char *body)
{
    char line[LINE_MAX_OUT + 128];
    int len = snprintf(line, sizeof(line), "%s %s\n", id, body);
    if (len >= (int)sizeof(line)) {
        len = snprintf(line, sizeof(line), "%s err proto 1 0 2 -1 sreply%%20too%%20long\n", id);
    }
    write_all(STDOUT_FILENO, line, (size_t)len);
}

static void on_sigchld(int signo)
{
    (void)signo;
    int saved = errno;
    for (size_t i = 0; i < nvms; i++) {
        vm_t *vm = vms[i];
        int status;
        if (!vm->reaped && waitpid(vm->pid, &status, WNOHANG) == vm->pid) {
            vm->status = status;
            vm->reaped = 1;
        }
    }
    char byte = 1;
    if (write(wake[1], &byte, 1) < 0) {
        /* the pipe is full: a wake-up is already pending */
    }
    errno = saved;
}

static void block_sigchld(int block)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static void *plugin_at(lc_tokens *t)
{
    long long p = take_int(t);
    if (t->bad || p < 0 || (size_t)p >= nplugins) {
        t->bad = 1;
        return NULL;
    }
    return plugins[p];
}

static void **manager_slot(lc_tokens *t)
{
    long long m = take_int(t);
    if (t->bad || m < 0 || (size_t)m >= nmanagers || !managers[m]) {
        t->bad = 1;
        return NULL;
    }
    return &managers[m];
}

static vm_t *vm_at(lc_tokens *t)
{
    long long v = take_int(t);
    if (t->bad || v < 0 || (size_t)v >= nvms) {
        t->bad = 1;
        return NULL;
    }
    return vms[v];
}

static void reply_state(const char *id, const char *state)
{
    char body[LINE_MAX_OUT] = "ok ";
    put_string(body, sizeof(body), state);
    out_line(id, body);
}

static void reply_error(const char *id, const char *stage)
{
    char body[LINE_MAX_OUT];
    lv_error_reply(body, sizeof(body), stage);
    out_line(id, body);
}

/* New + AddResource for each; on failure the error is replied and NULL returned. */
static void *build_manager(const char *id, void *plugin, unsigned int flags, lc_params *params,
                           lc_resources *resources)
{
    void *manager = lv_new(lv_plugin_driver(plugin), 0, params, flags);
    if (!manager) {
        reply_error(id, "new");
        return NULL;
    }
    for (size_t i = 0; i < resources->n; i++) {
        if (lv_add(manager, &resources->items[i]) < 0) {
            reply_error(id, "add");
            lv_free(manager);
            return NULL;
        }
    }
    return manager;
}

static void do_domain(const char *id, lc_tokens *t)
{
    void *plugin = plugin_at(t);
    const char *op = take_word(t);
    unsigned int new_flags = (unsigned int)take_int(t);
    unsigned int flags = (unsigned int)take_int(t);
    int action = (int)take_int(t);
    char *state = take_string(t, NULL);
    lc_params params;
    lc_resources resources;
    if (take_params(t, &params) < 0 || take_resources(t, &resources) < 0 || t->bad ||
        (strcmp(op, "acquire") && strcmp(op, "release") && strcmp(op, "inquire"))) {
        if (!t->bad)
            resources_free(&resources);
        params_free(&params);
        free(state);
        out_line(id, "err proto 8 0 2 -1 sbad%20domain%20request");
        return;
    }
    void *manager = build_manager(id, plugin, new_flags, &params, &resources);
    if (manager) {
        char *out = NULL;
        int rc;
        if (strcmp(op, "acquire") == 0)
            rc = lv_acquire(manager, state, flags, action, NULL);
        else if (strcmp(op, "release") == 0)
            rc = lv_release(manager, &out, flags);
        else
            rc = lv_inquire(manager, &out, flags);
        if (rc < 0)
            reply_error(id, op);
        else
            reply_state(id, out);
        free(out);
        lv_free(manager);
    }
    params_free(&params);
    resources_free(&resources);
    free(state);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One domain_lock.c operation, as do_domain makes it; 0 or -1 (libvirt's error left set). */
static int domain_once(void *plugin, int acquire, lc_params *params, lc_resources *resources)
{
    void *manager = lv_new(lv_plugin_driver(plugin), 0, params, 0);
    if (!manager)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < resources->n; i++)
        rc = lv_add(manager, &resources->items[i]);
    char *state = NULL;
    if (rc == 0)
        rc = acquire ? lv_acquire(manager, NULL, 0, 0, NULL) : lv_release(manager, &state, 0);
    free(state);
    lv_free(manager);
    return rc;
}

static void do_bench(const char *id, lc_tokens *t)
{
    void *plugin = plugin_at(t);
    long long n = take_int(t);
    lc_params params;
    lc_resources resources;
    if (take_params(t, &params) < 0 || take_resources(t, &resources) < 0 || t->bad || n <= 0) {
        if (!t->bad)
            resources_free(&resources);
        params_free(&params);
        out_line(id, "err proto 8 0 2 -1 sbad%20bench%20request");
        return;
    }
    long long start = now_ns();
    int failed = 0;
    for (long long i = 0; !failed && i < n; i++) {
        if (domain_once(plugin, 1, &params, &resources) < 0) {
            reply_error(id, "acquire");
            failed = 1;
        } else if (domain_once(plugin, 0, &params, &resources) < 0) {
            reply_error(id, "release");
            failed = 1;
        }
    }
    if (!failed) {
        char body[64];
        snprintf(body, sizeof(body), "ok %lld", now_ns() - start);
        out_line(id, body);
    }
    params_free(&params);
    resources_free(&resources);
}

static void do_new(const char *id, lc_tokens *t)
{
    void *plugin = plugin_at(t);
    unsigned int type = (unsigned int)take_int(t);
    unsigned int flags = (unsigned int)take_int(t);
    lc_params params;
    if (take_params(t, &params) < 0 || t->bad) {
        out_line(id, "err proto 8 0 2 -1 sbad%20new%20request");
        return;
    }
    void *manager = lv_new(lv_plugin_driver(plugin), type, &params, flags);
    params_free(&params);
    if (!manager) {
        reply_error(id, "new");
        return;
    }
    void **grown = realloc(managers, (nmanagers + 1) * sizeof(void *));
    if (!grown) {
        lv_free(manager);
        out_line(id, "err new 1 0 2 -1 sout%20of%20memory");
        return;
    }
    managers = grown;
    managers[nmanagers] = manager;
    char body[64];
    snprintf(body, sizeof(body), "ok %zu", nmanagers++);
    out_line(id, body);
}

static void do_manager_call(const char *id, const char *command, lc_tokens *t)
{
    void **slot = manager_slot(t);
    if (t->bad) {
        out_line(id, "err proto 8 0 2 -1 sno%20such%20lock%20manager%20object");
        return;
    }
    if (strcmp(command, "free") == 0) {
        lv_free(*slot);
        *slot = NULL;
        out_line(id, "ok");
        return;
    }
    if (strcmp(command, "add") == 0) {
        lc_resource resource = { 0 };
        resource.type = (unsigned int)take_int(t);
        resource.flags = (unsigned int)take_int(t);
        resource.name = take_string(t, NULL);
        if (t->bad || !resource.name || take_params(t, &resource.params) < 0) {
            free(resource.name);
            out_line(id, "err proto 8 0 2 -1 sbad%20add%20request");
            return;
        }
        if (lv_add(*slot, &resource) < 0)
            reply_error(id, "add");
        else
            out_line(id, "ok");
        free(resource.name);
        params_free(&resource.params);
        return;
    }
    unsigned int flags = (unsigned int)take_int(t);
    if (strcmp(command, "acquire") == 0) {
        int action = (int)take_int(t);
        char *state = take_string(t, NULL);
        if (t->bad) {
            out_line(id, "err proto 8 0 2 -1 sbad%20acquire%20request");
            return;
        }
        if (lv_acquire(*slot, state, flags, action, NULL) < 0)
            reply_error(id, "acquire");
        else
            out_line(id, "ok");
        free(state);
        return;
    }
    if (t->bad) {
        out_line(id, "err proto 8 0 2 -1 sbad%20request");
        return;
    }
    char *out = NULL;
    int rc = strcmp(command, "release") == 0 ? lv_release(*slot, &out, flags)
                                              : lv_inquire(*slot, &out, flags);
    if (rc < 0)
        reply_error(id, command);
    else
        reply_state(id, out);
    free(out);
}

static void do_plugin(const char *id, lc_tokens *t)
{
    char *name = take_string(t, NULL);
    char *driver = take_string(t, NULL);
    char *config = take_string(t, NULL);
    unsigned int flags = (unsigned int)take_int(t);
    if (t->bad || !name || !driver || !config || nplugins == MAX_PLUGINS) {
        out_line(id, "err proto 8 0 2 -1 sbad%20plugin%20request");
    } else {
        void *plugin = lv_plugin_new(name, driver, config, flags);
        if (!plugin) {
            reply_error(id, "plugin");
        } else {
            plugins[nplugins] = plugin;
            char body[32];
            snprintf(body, sizeof(body), "ok %zu", nplugins++);
            out_line(id, body);
        }
    }
    free(name);
    free(driver);
    free(config);
}

/* ---- the forked child, before exec ------------------------------------------------------ */

/* The child's answer, handed to the stand-in to print as its first line. */
static char pending_reply[LINE_MAX_OUT];

static void child_reply(const char *body)
{
    snprintf(pending_reply, sizeof(pending_reply), "%s", body);
}

/* qemuProcessHook's lock step: libvirt's registration in the child, then exec the stand-in. */
static void child_main(void)
{
    lc_reader in;
    reader_init(&in, STDIN_FILENO);
    char *line = reader_read_line(&in);
    if (!line)
        _exit(0);
    lc_tokens t;
    tokens_split(&t, line);
    const char *command = take_word(&t);
    int fd = -1;
    if (strcmp(command, "register") == 0) {
        void *plugin = plugin_at(&t);
        unsigned int new_flags = (unsigned int)take_int(&t);
        unsigned int flags = (unsigned int)take_int(&t);
        int action = (int)take_int(&t);
        lc_params params;
        lc_resources resources;
        if (take_params(&t, &params) < 0 || take_resources(&t, &resources) < 0 || t.bad) {
            child_reply("err proto 8 0 2 -1 sbad%20register%20request");
        } else {
            char body[LINE_MAX_OUT];
            void *manager = lv_new(lv_plugin_driver(plugin), 0, &params, new_flags);
            int failed = manager == NULL;
            if (failed)
                lv_error_reply(body, sizeof(body), "new");
            for (size_t i = 0; !failed && i < resources.n; i++) {
                if (lv_add(manager, &resources.items[i]) < 0) {
                    lv_error_reply(body, sizeof(body), "add");
                    failed = 1;
                }
            }
            if (!failed && lv_acquire(manager, NULL, flags, action, &fd) < 0) {
                lv_error_reply(body, sizeof(body), "acquire");
                failed = 1;
                fd = -1;
            }
            if (manager)
                lv_free(manager);
            if (!failed)
                snprintf(body, sizeof(body), "ok %d", fd);
            child_reply(body);
            params_free(&params);
            resources_free(&resources);
        }
    } else if (strcmp(command, "exec") == 0) {
        child_reply("ok -1");
    } else {
        child_reply("err proto 8 0 2 -1 sbefore%20exec%20a%20VM%20takes%20register%20or%20exec");
    }
    /*
     * QEMU is exec'd now, after a failed registration too (its reply is what libvirtd acts on).
     * The reply is the stand-in's first line, so it proves the exec happened and no request for
     * the stand-in can be read (and lost) by this image before it.
     */
    char fdtext[16];
    snprintf(fdtext, sizeof(fdtext), "%d", fd);
    execl("/proc/self/exe", "lockchart-libvirt-stand-in", "stand-in", fdtext, pending_reply,
          (char *)NULL);
    _exit(127);
}

static void do_spawn(const char *id)
{
    int cmd[2], rep[2];
    if (pipe2(cmd, O_CLOEXEC) < 0) {
        out_line(id, "err spawn 38 0 2 -1 spipe%20failed");
        return;
    }
    if (pipe2(rep, O_CLOEXEC) < 0) {
        close(cmd[0]);
        close(cmd[1]);
        out_line(id, "err spawn 38 0 2 -1 spipe%20failed");
        return;
    }
    /* The SIGCHLD handler walks the VM table: it must not run while the table moves. */
    block_sigchld(1);
    vm_t *vm = calloc(1, sizeof(vm_t));
    vm_t **grown = vm ? realloc(vms, (nvms + 1) * sizeof(vm_t *)) : NULL;
    if (!grown) {
        block_sigchld(0);
        free(vm);
        close(cmd[0]); close(cmd[1]); close(rep[0]); close(rep[1]);
        out_line(id, "err spawn 1 0 2 -1 sout%20of%20memory");
        return;
    }
    vms = grown;
    pid_t helper = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGCHLD, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        block_sigchld(0);
        if (die_with_parent(helper) < 0)
            _exit(0);
        dup2(cmd[0], STDIN_FILENO);
        dup2(rep[1], STDOUT_FILENO);
        child_main();
    }
    close(cmd[0]);
    close(rep[1]);
    if (pid < 0) {
        close(cmd[1]);
        close(rep[0]);
        free(vm);
        block_sigchld(0);
        out_line(id, "err spawn 38 0 2 -1 sfork%20failed");
        return;
    }
    fcntl(rep[0], F_SETFL, O_NONBLOCK);
    vm->pid = pid;
    vm->cmd_fd = cmd[1];
    reader_init(&vm->replies, rep[0]);
    vms[nvms] = vm;
    char body[64];
    snprintf(body, sizeof(body), "ok %zu %d", nvms++, (int)pid);
    block_sigchld(0);
    out_line(id, body);
}

static void do_vm(const char *id, lc_tokens *t)
{
    vm_t *vm = vm_at(t);
    if (t->bad) {
        out_line(id, "err proto 8 0 2 -1 sno%20such%20VM");
        return;
    }
    if (vm->reaped || vm->cmd_fd < 0 || vm->npending == MAX_PENDING) {
        out_line(id, "err vm 55 0 2 -1 sthe%20VM%20process%20is%20gone");
        return;
    }
    char line[LINE_MAX_OUT];
    line[0] = '\0';
    size_t at = 0;
    for (size_t i = t->at; i < t->n; i++) {
        int put = snprintf(line + at, sizeof(line) - at, "%s%s", i > t->at ? " " : "", t->tok[i]);
        if (put < 0 || (size_t)put >= sizeof(line) - at) {
            out_line(id, "err proto 8 0 2 -1 srequest%20too%20long");
            return;
        }
        at += (size_t)put;
    }
    vm->pending[vm->npending++] = strdup(id);
    if (write_all(vm->cmd_fd, line, at) < 0 || write_all(vm->cmd_fd, "\n", 1) < 0) {
        /* it died meanwhile: its exit answers the pending request */
    }
}

static void do_signal(const char *id, lc_tokens *t)
{
    vm_t *vm = vm_at(t);
    long long signo = take_int(t);
    if (t->bad || signo < 0 || signo > 64) {
        out_line(id, "err proto 8 0 2 -1 sbad%20signal%20request");
        return;
    }
    if (!vm->reaped)
        kill(vm->pid, (int)signo);
    out_line(id, "ok");
}

static void handle(char *request)
{
    lc_tokens t;
    tokens_split(&t, request);
    char id[64];
    snprintf(id, sizeof(id), "%s", take_word(&t));
    const char *command = take_word(&t);
    if (t.bad) {
        out_line(id[0] ? id : "?", "err proto 8 0 2 -1 sempty%20request");
    } else if (strcmp(command, "domain") == 0) {
        do_domain(id, &t);
    } else if (strcmp(command, "vm") == 0) {
        do_vm(id, &t);
    } else if (strcmp(command, "spawn") == 0) {
        do_spawn(id);
    } else if (strcmp(command, "signal") == 0) {
        do_signal(id, &t);
    } else if (strcmp(command, "new") == 0) {
        do_new(id, &t);
    } else if (!strcmp(command, "add") || !strcmp(command, "acquire") ||
               !strcmp(command, "release") || !strcmp(command, "inquire") ||
               !strcmp(command, "free")) {
        do_manager_call(id, command, &t);
    } else if (strcmp(command, "plugin") == 0) {
        do_plugin(id, &t);
    } else if (strcmp(command, "bench") == 0) {
        do_bench(id, &t);
    } else if (strcmp(command, "ping") == 0) {
        char body[32];
        snprintf(body, sizeof(body), "ok %d", (int)getpid());
        out_line(id, body);
    } else {
        out_line(id, "err proto 8 0 2 -1 sunknown%20request");
    }
    tokens_free(&t);
}

/* Answers from a VM, each to the oldest request waiting for it. */
static void drain_vm(vm_t *vm)
{
    for (;;) {
        int got = reader_fill(&vm->replies);
        char *line;
        while ((line = reader_line(&vm->replies)) != NULL) {
            if (vm->npending > 0) {
                char *id = vm->pending[0];
                memmove(vm->pending, vm->pending + 1, --vm->npending * sizeof(char *));
                out_line(id, line);
                free(id);
            }
            free(line);
        }
        /* A live VM may say more later (the loop polls again); a dead one is read to EOF. */
        if (got <= 0 || !vm->reaped)
            return;
    }
}

static void report_exits(void)
{
    for (size_t v = 0; v < nvms; v++) {
        vm_t *vm = vms[v];
        if (!vm->reaped || vm->reported)
            continue;
        vm->reported = 1;
        drain_vm(vm); /* everything it wrote before dying is in the pipe already */
        for (size_t i = 0; i < vm->npending; i++) {
            out_line(vm->pending[i], "err vm 55 0 2 -1 sthe%20VM%20process%20ended");
            free(vm->pending[i]);
        }
        vm->npending = 0;
        close(vm->cmd_fd);
        close(vm->replies.fd);
        vm->cmd_fd = -1;
        free(vm->replies.data);
        vm->replies.data = NULL;
        char event[96];
        int code = WIFEXITED(vm->status) ? WEXITSTATUS(vm->status) : -1;
        int signo = WIFSIGNALED(vm->status) ? WTERMSIG(vm->status) : 0;
        snprintf(event, sizeof(event), "exit %zu %d %d", v, code, signo);
        out_line("*", event);
    }
}

int host_main(void)
{
    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction on_child = { 0 };
    on_child.sa_handler = on_sigchld;
    on_child.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &on_child, NULL);
    fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
    lc_reader in;
    reader_init(&in, STDIN_FILENO);
    char ready[32];
    snprintf(ready, sizeof(ready), "ready %d", (int)getpid());
    out_line("*", ready);
    for (;;) {
        size_t nfds = 2;
        struct pollfd *fds = calloc(2 + nvms, sizeof(struct pollfd));
        size_t *which = calloc(2 + nvms, sizeof(size_t));
        if (!fds || !which)
            return 2;
        fds[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
        fds[1] = (struct pollfd){ .fd = wake[0], .events = POLLIN };
        for (size_t v = 0; v < nvms; v++) {
            if (vms[v]->reported)
                continue;
            which[nfds] = v;
            fds[nfds++] = (struct pollfd){ .fd = vms[v]->replies.fd, .events = POLLIN };
        }
        int ready_fds = poll(fds, nfds, -1);
        if (ready_fds < 0 && errno != EINTR) {
            free(fds);
            free(which);
            return 2;
        }
        for (size_t i = 2; ready_fds > 0 && i < nfds; i++) {
            if (fds[i].revents)
                drain_vm(vms[which[i]]);
        }
        if (ready_fds > 0 && fds[1].revents) {
            char drain[64];
            while (read(wake[0], drain, sizeof(drain)) > 0) {
            }
        }
        report_exits();
        int stdin_ready = ready_fds > 0 && fds[0].revents;
        free(fds);
        free(which);
        if (!stdin_ready)
            continue;
        int gone = reader_fill(&in) < 0 && in.eof;
        char *line;
        while ((line = reader_line(&in)) != NULL) {
            handle(line);
            free(line);
            report_exits();
        }
        if (gone)
            break;
    }
    /* The parent closed our stdin: it is done with this host. Nothing of it may stay. */
    for (size_t v = 0; v < nvms; v++) {
        if (!vms[v]->reaped)
            kill(vms[v]->pid, SIGKILL);
    }
    return 0;
}
