/*
 * The VM stand-in: what the helper execs in each forked child after libvirt's registration,
 * as libvirtd execs QEMU. It keeps the descriptor lockd.so leaked into it (its own registered,
 * restricted connection to virtlockd: when that closes while it holds locks, virtlockd releases
 * them and kills it), and does on command what real mode needs of a QEMU:
 *
 *   write sPATH   append one record to the disk image (records.ts: "LCREC {...}\n" past byte
 *                 4096, one write(2) on an O_APPEND descriptor)      -> ok SEQ
 *   drop          close the leaked descriptor (QEMU closing it), then -> ok 1|0
 *   rpc HEX       send raw bytes on the leaked descriptor and read one reply frame back (a
 *                 guest's own lock call, which RESTRICT must deny)   -> ok HEX
 *   rpc-sanlock HEX   the same on the connection sanlock.so leaked: a sanlock reply is a 32-byte
 *                 header whose little-endian length at byte 16 counts the whole frame
 *   ping                                                             -> ok PID
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

#define RECORD_OFFSET 4096
#define MAX_DISKS 64
#define RPC_TIMEOUT_MS 10000
#define FRAME_MAX (4 + 16 * 1024 * 1024)
#define SANLOCK_HEADER 32

static struct {
    char *path;
    int fd;
    long seq;
} disks[MAX_DISKS];
static size_t ndisks;

static void reply(const char *line)
{
    write_all(STDOUT_FILENO, line, strlen(line));
    write_all(STDOUT_FILENO, "\n", 1);
}

static void reply_errno(const char *stage, const char *what)
{
    char line[4096];
    char text[1024];
    snprintf(text, sizeof(text), "%s: %s", what, strerror(errno));
    snprintf(line, sizeof(line), "err %s 38 0 2 %d ", stage, errno);
    put_string(line, sizeof(line), text);
    reply(line);
}

static int disk_fd(const char *path, long **seq)
{
    for (size_t i = 0; i < ndisks; i++) {
        if (strcmp(disks[i].path, path) == 0) {
            *seq = &disks[i].seq;
            return disks[i].fd;
        }
    }
    if (ndisks == MAX_DISKS) {
        errno = EMFILE;
        return -1;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size < RECORD_OFFSET) {
        /* Grow through another descriptor: a positional write on O_APPEND would append. */
        int raw = open(path, O_WRONLY | O_CLOEXEC);
        if (raw >= 0) {
            char zero = 0;
            if (pwrite(raw, &zero, 1, RECORD_OFFSET - 1) < 0) {
                /* the record still lands; reading it back will show where */
            }
            close(raw);
        }
    }
    disks[ndisks].path = strdup(path);
    disks[ndisks].fd = fd;
    disks[ndisks].seq = 0;
    *seq = &disks[ndisks].seq;
    ndisks++;
    return fd;
}

static void do_write(lc_tokens *t)
{
    char *path = take_string(t, NULL);
    if (t->bad || !path) {
        free(path);
        reply("err proto 8 0 2 -1 sbad%20write%20request");
        return;
    }
    long *seq = NULL;
    int fd = disk_fd(path, &seq);
    if (fd < 0) {
        reply_errno("write", path);
        free(path);
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    unsigned long long ns = (unsigned long long)now.tv_sec * 1000000000ULL +
                            (unsigned long long)now.tv_nsec;
    char record[256];
    int pid = (int)getpid();
    int len = snprintf(record, sizeof(record),
                       "LCREC {\"owner\":%d,\"writer\":%d,\"seq\":%ld,\"t\":\"%llu\"}\n",
                       pid, pid, *seq + 1, ns);
    if (write(fd, record, (size_t)len) != len) {
        reply_errno("write", path);
        free(path);
        return;
    }
    *seq += 1;
    char line[64];
    snprintf(line, sizeof(line), "ok %ld", *seq);
    reply(line);
    free(path);
}

static int read_exact(int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        struct pollfd wait = { .fd = fd, .events = POLLIN };
        int ready = poll(&wait, 1, RPC_TIMEOUT_MS);
        if (ready == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        ssize_t n = read(fd, buf + got, len - got);
        if (n == 0) {
            errno = ECONNRESET;
            return -1;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/* The length of a whole reply frame from its head (the first `head_len` bytes), or 0. */
static uint32_t frame_length(const unsigned char *head, int sanlock)
{
    if (sanlock) {
        uint32_t total = (uint32_t)head[16] | ((uint32_t)head[17] << 8) |
                         ((uint32_t)head[18] << 16) | ((uint32_t)head[19] << 24);
        return total < SANLOCK_HEADER || total > (1 << 20) ? 0 : total;
    }
    uint32_t total = ((uint32_t)head[0] << 24) | ((uint32_t)head[1] << 16) |
                     ((uint32_t)head[2] << 8) | head[3];
    return total < 28 || total > FRAME_MAX ? 0 : total;
}

static void do_rpc(lc_tokens *t, int lock_fd, int sanlock)
{
    const char *hex = take_word(t);
    size_t len = strlen(hex);
    size_t head_len = sanlock ? SANLOCK_HEADER : 4;
    if (t->bad || len % 2 != 0 || len / 2 < (sanlock ? SANLOCK_HEADER : 28) || len / 2 > 1 << 20) {
        reply("err proto 8 0 2 -1 sbad%20rpc%20request");
        return;
    }
    if (lock_fd < 0) {
        errno = EBADF;
        reply_errno("rpc", "no lock connection");
        return;
    }
    unsigned char *frame = malloc(len / 2);
    if (!frame) {
        reply_errno("rpc", "out of memory");
        return;
    }
    for (size_t i = 0; i < len / 2; i++) {
        unsigned int byte = 0;
        sscanf(hex + 2 * i, "%2x", &byte);
        frame[i] = (unsigned char)byte;
    }
    int sent = write_all(lock_fd, (const char *)frame, len / 2);
    free(frame);
    if (sent < 0) {
        reply_errno("rpc", "sending on the lock connection");
        return;
    }
    unsigned char head[SANLOCK_HEADER];
    if (read_exact(lock_fd, head, head_len) < 0) {
        reply_errno("rpc", "reading the reply");
        return;
    }
    uint32_t total = frame_length(head, sanlock);
    if (total == 0) {
        errno = EPROTO;
        reply_errno("rpc", "reply length");
        return;
    }
    unsigned char *body = malloc(total);
    char *line = malloc(2 * (size_t)total + 8);
    if (!body || !line) {
        free(body);
        free(line);
        reply_errno("rpc", "out of memory");
        return;
    }
    memcpy(body, head, head_len);
    if (total > head_len && read_exact(lock_fd, body + head_len, total - head_len) < 0) {
        free(body);
        free(line);
        reply_errno("rpc", "reading the reply");
        return;
    }
    strcpy(line, "ok ");
    static const char digits[] = "0123456789abcdef";
    for (uint32_t i = 0; i < total; i++) {
        line[3 + 2 * i] = digits[body[i] >> 4];
        line[4 + 2 * i] = digits[body[i] & 15];
    }
    line[3 + 2 * total] = '\0';
    reply(line);
    free(body);
    free(line);
}

int stand_in_main(int lock_fd)
{
    lc_reader in;
    reader_init(&in, STDIN_FILENO);
    char *request;
    while ((request = reader_read_line(&in)) != NULL) {
        lc_tokens t;
        tokens_split(&t, request);
        const char *command = take_word(&t);
        if (strcmp(command, "write") == 0) {
            do_write(&t);
        } else if (strcmp(command, "drop") == 0) {
            /*
             * Close first, answer after: whoever hears the answer must find the close already
             * pending at virtlockd (which may SIGTERM us for it before we answer at all).
             */
            int had = lock_fd >= 0;
            if (had)
                close(lock_fd);
            lock_fd = -1;
            reply(had ? "ok 1" : "ok 0");
        } else if (strcmp(command, "rpc") == 0 || strcmp(command, "rpc-sanlock") == 0) {
            do_rpc(&t, lock_fd, strcmp(command, "rpc-sanlock") == 0);
        } else if (strcmp(command, "ping") == 0) {
            char line[32];
            snprintf(line, sizeof(line), "ok %d", (int)getpid());
            reply(line);
        } else {
            reply("err proto 8 0 2 -1 sunknown%20stand-in%20command");
        }
        tokens_free(&t);
        free(request);
    }
    return 0; /* stdin closed: the helper is gone */
}
