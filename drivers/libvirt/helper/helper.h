/*
 * lockchart's libvirt helper: libvirt's own lock-manager code (libvirt.so.0 and a lock-driver
 * plugin such as lockd.so), driven from TypeScript over a line protocol on stdin/stdout.
 *
 * libvirt installs no header for its lock-manager API (the plugin ABI is private to the tree),
 * so the few types the helper passes across are declared here from the ABI: lock_driver.h's
 * virLockManagerParam, lock_manager.c's plugin object (whose second pointer field is the driver
 * table, for which no getter is exported), and the head of virterror.h's virError.
 */
#ifndef LOCKCHART_LIBVIRT_HELPER_H
#define LOCKCHART_LIBVIRT_HELPER_H

#include <stddef.h>
#include <sys/types.h>

/* lock_driver.h: VIR_LOCK_MANAGER_PARAM_TYPE_* */
enum { PARAM_STRING, PARAM_CSTRING, PARAM_INT, PARAM_LONG, PARAM_UINT, PARAM_ULONG,
       PARAM_DOUBLE, PARAM_UUID };

/* lock_driver.h: struct _virLockManagerParam (ABI 1.0.0). */
typedef struct {
    int type;
    const char *key;
    union {
        int iv;
        long long l;
        unsigned int ui;
        unsigned long long ul;
        double d;
        char *str;
        const char *cstr;
        unsigned char uuid[16];
    } value;
} lc_param;

/* virterror.h: the head of struct _virError, up to int2 (all the helper reads). */
typedef struct {
    int code;
    int domain;
    char *message;
    int level;
    void *conn;
    void *dom;
    char *str1;
    char *str2;
    char *str3;
    int int1;
    int int2;
} lc_error;

/* A parsed parameter list and resource list (owning their strings). */
typedef struct {
    size_t n;
    lc_param *items;
} lc_params;

typedef struct {
    unsigned int type;
    unsigned int flags;
    char *name;
    lc_params params;
} lc_resource;

typedef struct {
    size_t n;
    lc_resource *items;
} lc_resources;

/* ---- lines.c: the line protocol ------------------------------------------------------- */

/* A request line cut into tokens (the line is modified in place). */
typedef struct {
    char **tok;
    size_t n;
    size_t at;
    int bad;          /* set by any failed take_*: the request is malformed */
} lc_tokens;

void tokens_split(lc_tokens *t, char *line);
void tokens_free(lc_tokens *t);
const char *take_word(lc_tokens *t);
long long take_int(lc_tokens *t);
/* A string token: "s<percent-encoded>" or "-" for NULL. Returns malloc'd text or NULL. */
char *take_string(lc_tokens *t, int *is_null);
int take_params(lc_tokens *t, lc_params *out);
int take_resources(lc_tokens *t, lc_resources *out);
void params_free(lc_params *p);
void resources_free(lc_resources *r);

/* Appends a percent-encoded string token (or "-" for NULL) to buf. */
void put_string(char *buf, size_t size, const char *text);
/* Writes all of text to fd (retrying short writes); -1 on error. */
int write_all(int fd, const char *text, size_t len);
/* Reads one line from fd into a growing buffer; returns the line (NUL-terminated, no \n). */
typedef struct {
    int fd;
    char *data;
    size_t len;
    size_t cap;
    int eof;
} lc_reader;
void reader_init(lc_reader *r, int fd);
/* One read(2): 1 if bytes came, 0 if none were available (EAGAIN/EINTR), -1 at EOF/error. */
int reader_fill(lc_reader *r);
/* Returns a malloc'd complete line if one is buffered, else NULL. */
char *reader_line(lc_reader *r);
/* Blocking: returns a malloc'd line, or NULL at EOF. */
char *reader_read_line(lc_reader *r);

/* ---- libvirt.c: libvirt's lock manager through dlopen -------------------------------- */

int lv_load(char *why, size_t size);
void *lv_plugin_new(const char *name, const char *driver_name, const char *config_dir,
                    unsigned int flags);
void *lv_plugin_driver(void *plugin);
void *lv_new(void *driver, unsigned int type, lc_params *params, unsigned int flags);
int lv_add(void *manager, lc_resource *resource);
int lv_acquire(void *manager, const char *state, unsigned int flags, int action, int *fd);
int lv_release(void *manager, char **state, unsigned int flags);
int lv_inquire(void *manager, char **state, unsigned int flags);
void lv_free(void *manager);
/* Formats libvirt's last error as "err STAGE CODE DOMAIN LEVEL INT1 sMESSAGE" and resets it. */
void lv_error_reply(char *buf, size_t size, const char *stage);

/* ---- isolate.c: a private /run ------------------------------------------------------ */

/* Enters a new mount namespace with a tmpfs on /run and each "LINK=TARGET" symlinked in it. */
int isolate_run(char **links, size_t nlinks, char *why, size_t size);
/* Dies with the parent: PR_SET_PDEATHSIG(SIGKILL), then checks the parent is still `parent`. */
int die_with_parent(pid_t parent);

/* ---- stand-in.c -------------------------------------------------------------------- */

int stand_in_main(int lock_fd);

/* ---- host.c ------------------------------------------------------------------------ */

int host_main(void);

#endif
