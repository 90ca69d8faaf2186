/*
 * The line protocol: one request or reply per line, tokens separated by single spaces.
 * Strings travel as "s" followed by their bytes percent-encoded (every byte outside a small
 * safe set becomes %XX), so paths with spaces, newlines or any byte at all arrive intact;
 * "-" is NULL. Numbers are decimal. Nothing here trusts its input: a malformed token marks the
 * request bad and the caller answers with one error line.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

void tokens_split(lc_tokens *t, char *line)
{
    size_t cap = 16;
    t->tok = malloc(cap * sizeof(char *));
    t->n = 0;
    t->at = 0;
    t->bad = t->tok == NULL;
    if (t->bad)
        return;
    char *save = NULL;
    for (char *word = strtok_r(line, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
        if (t->n == cap) {
            char **grown = realloc(t->tok, 2 * cap * sizeof(char *));
            if (!grown) {
                t->bad = 1;
                return;
            }
            t->tok = grown;
            cap *= 2;
        }
        t->tok[t->n++] = word;
    }
}

void tokens_free(lc_tokens *t)
{
    free(t->tok);
    t->tok = NULL;
}

const char *take_word(lc_tokens *t)
{
    if (t->bad || t->at >= t->n) {
        t->bad = 1;
        return "";
    }
    return t->tok[t->at++];
}

long long take_int(lc_tokens *t)
{
    const char *word = take_word(t);
    if (t->bad)
        return 0;
    char *end = NULL;
    errno = 0;
    long long value = strtoll(word, &end, 10);
    if (errno != 0 || end == word || *end != '\0')
        t->bad = 1;
    return value;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *take_string(lc_tokens *t, int *is_null)
{
    const char *word = take_word(t);
    if (is_null)
        *is_null = 0;
    if (t->bad)
        return NULL;
    if (strcmp(word, "-") == 0) {
        if (is_null)
            *is_null = 1;
        return NULL;
    }
    if (word[0] != 's') {
        t->bad = 1;
        return NULL;
    }
    size_t len = strlen(word + 1);
    char *out = malloc(len + 1);
    if (!out) {
        t->bad = 1;
        return NULL;
    }
    size_t o = 0;
    for (const char *p = word + 1; *p; p++) {
        if (*p != '%') {
            out[o++] = *p;
            continue;
        }
        int hi = p[1] ? hex_value(p[1]) : -1;
        int lo = hi >= 0 && p[2] ? hex_value(p[2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) { /* no NUL inside a C string */
            free(out);
            t->bad = 1;
            return NULL;
        }
        out[o++] = (char)(hi * 16 + lo);
        p += 2;
    }
    out[o] = '\0';
    return out;
}

static int parse_uuid(const char *text, unsigned char uuid[16])
{
    size_t got = 0;
    for (const char *p = text; *p && got < 32; p++) {
        if (*p == '-')
            continue;
        int v = hex_value(*p);
        if (v < 0)
            return -1;
        if (got % 2 == 0)
            uuid[got / 2] = (unsigned char)(v << 4);
        else
            uuid[got / 2] |= (unsigned char)v;
        got++;
    }
    return got == 32 ? 0 : -1;
}

void params_free(lc_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free((char *)p->items[i].key);
        if (p->items[i].type == PARAM_STRING)
            free(p->items[i].value.str);
        else if (p->items[i].type == PARAM_CSTRING)
            free((char *)p->items[i].value.cstr);
    }
    free(p->items);
    p->items = NULL;
    p->n = 0;
}

/* "N" then N x "sKEY TYPE VALUE" (VALUE: a string token for STRING/CSTRING/UUID, else a number). */
int take_params(lc_tokens *t, lc_params *out)
{
    out->n = 0;
    out->items = NULL;
    long long n = take_int(t);
    if (t->bad || n < 0 || n > 64) {
        t->bad = 1;
        return -1;
    }
    out->items = calloc((size_t)n ? (size_t)n : 1, sizeof(lc_param));
    if (!out->items) {
        t->bad = 1;
        return -1;
    }
    for (long long i = 0; i < n; i++) {
        lc_param *param = &out->items[out->n];
        param->key = take_string(t, NULL);
        long long type = take_int(t);
        if (t->bad || !param->key) {
            free((char *)param->key);
            t->bad = 1;
            break;
        }
        param->type = (int)type;
        out->n++;
        if (type == PARAM_STRING || type == PARAM_CSTRING || type == PARAM_UUID) {
            int is_null = 0;
            char *text = take_string(t, &is_null);
            if (t->bad)
                break;
            if (type == PARAM_STRING) {
                param->value.str = text;
            } else if (type == PARAM_CSTRING) {
                param->value.cstr = text;
            } else {
                int bad = !text || parse_uuid(text, param->value.uuid) < 0;
                free(text);
                if (bad) {
                    t->bad = 1;
                    break;
                }
            }
        } else if (type == PARAM_INT) {
            long long v = take_int(t);
            if (v < INT_MIN || v > INT_MAX)
                t->bad = 1;
            param->value.iv = (int)v;
        } else if (type == PARAM_UINT) {
            long long v = take_int(t);
            if (v < 0 || v > (long long)UINT_MAX)
                t->bad = 1;
            param->value.ui = (unsigned int)v;
        } else if (type == PARAM_LONG) {
            param->value.l = take_int(t);
        } else if (type == PARAM_ULONG) {
            long long v = take_int(t);
            if (v < 0)
                t->bad = 1;
            param->value.ul = (unsigned long long)v;
        } else {
            t->bad = 1; /* DOUBLE is never sent */
        }
        if (t->bad)
            break;
    }
    if (t->bad) {
        params_free(out);
        return -1;
    }
    return 0;
}

void resources_free(lc_resources *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].name);
        params_free(&r->items[i].params);
    }
    free(r->items);
    r->items = NULL;
    r->n = 0;
}

/* "N" then N x "TYPE FLAGS sNAME params". */
int take_resources(lc_tokens *t, lc_resources *out)
{
    out->n = 0;
    out->items = NULL;
    long long n = take_int(t);
    if (t->bad || n < 0 || n > 4096) {
        t->bad = 1;
        return -1;
    }
    out->items = calloc((size_t)n ? (size_t)n : 1, sizeof(lc_resource));
    if (!out->items) {
        t->bad = 1;
        return -1;
    }
    for (long long i = 0; i < n && !t->bad; i++) {
        lc_resource *res = &out->items[out->n];
        long long type = take_int(t);
        long long flags = take_int(t);
        res->name = take_string(t, NULL);
        if (t->bad || !res->name || type < 0 || flags < 0 || type > 16 || flags > 0xffff) {
            free(res->name);
            t->bad = 1;
            break;
        }
        res->type = (unsigned int)type;
        res->flags = (unsigned int)flags;
        out->n++;
        take_params(t, &res->params);
    }
    if (t->bad) {
        resources_free(out);
        return -1;
    }
    return 0;
}

static int safe_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("/._~:,=+@-", c) != NULL;
}

void put_string(char *buf, size_t size, const char *text)
{
    size_t at = strlen(buf);
    static const char hex[] = "0123456789ABCDEF";
    if (!text) {
        if (at + 1 < size) {
            buf[at++] = '-';
            buf[at] = '\0';
        }
        return;
    }
    if (at + 1 < size)
        buf[at++] = 's';
    for (const unsigned char *p = (const unsigned char *)text; *p && at + 4 < size; p++) {
        if (safe_byte(*p) && *p != '%') {
            buf[at++] = (char)*p;
        } else {
            buf[at++] = '%';
            buf[at++] = hex[*p >> 4];
            buf[at++] = hex[*p & 15];
        }
    }
    buf[at] = '\0';
}

int write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t put = write(fd, text, len);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd wait = { .fd = fd, .events = POLLOUT };
                poll(&wait, 1, 1000);
                continue;
            }
            return -1;
        }
        text += put;
        len -= (size_t)put;
    }
    return 0;
}

void reader_init(lc_reader *r, int fd)
{
    r->fd = fd;
    r->data = NULL;
    r->len = 0;
    r->cap = 0;
    r->eof = 0;
}

int reader_fill(lc_reader *r)
{
    if (r->eof)
        return -1;
    if (r->cap - r->len < 4096) {
        size_t cap = r->cap ? r->cap * 2 : 8192;
        if (cap > 64 * 1024 * 1024) { /* a line this long is not ours */
            r->eof = 1;
            return -1;
        }
        char *grown = realloc(r->data, cap);
        if (!grown) {
            r->eof = 1;
            return -1;
        }
        r->data = grown;
        r->cap = cap;
    }
    ssize_t got = read(r->fd, r->data + r->len, r->cap - r->len);
    if (got < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : (r->eof = 1, -1);
    if (got == 0) {
        r->eof = 1;
        return -1;
    }
    r->len += (size_t)got;
    return 1;
}

char *reader_line(lc_reader *r)
{
    char *nl = r->len ? memchr(r->data, '\n', r->len) : NULL;
    if (!nl)
        return NULL;
    size_t len = (size_t)(nl - r->data);
    char *line = malloc(len + 1);
    if (!line)
        return NULL;
    memcpy(line, r->data, len);
    line[len] = '\0';
    memmove(r->data, nl + 1, r->len - len - 1);
    r->len -= len + 1;
    return line;
}

char *reader_read_line(lc_reader *r)
{
    for (;;) {
        char *line = reader_line(r);
        if (line)
            return line;
        if (reader_fill(r) < 0 && r->eof)
            return NULL;
    }
}
