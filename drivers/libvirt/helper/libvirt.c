/*
 * libvirt's lock manager, reached with dlopen/dlsym: the virLockManager* entry points are
 * private symbols of libvirt.so.0 (LIBVIRT_PRIVATE_x.y.z), exported but in no installed header.
 * virLockManagerPluginNew loads the plugin (lockd.so, sanlock.so) from libvirt's lock-driver
 * directory and runs its drvInit with "<configDir>/<driverName>-<name>.conf", as libvirtd does.
 *
 * Errors: every entry point returns -1 (or NULL) and leaves a thread-local virError, read with
 * virGetLastError and forwarded whole (code, domain, level, errno, message), then reset.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

typedef int (*fn_initialize)(void);
typedef void (*fn_error_func)(void *, void *);
typedef void (*fn_set_error_func)(void *, fn_error_func);
typedef lc_error *(*fn_get_last_error)(void);
typedef void (*fn_reset_last_error)(void);
typedef void *(*fn_plugin_new)(const char *, const char *, const char *, unsigned int);
typedef void *(*fn_new)(void *, unsigned int, size_t, lc_param *, unsigned int);
typedef int (*fn_add)(void *, unsigned int, const char *, size_t, lc_param *, unsigned int);
typedef int (*fn_acquire)(void *, const char *, unsigned int, int, int *);
typedef int (*fn_release)(void *, char **, unsigned int);
typedef int (*fn_inquire)(void *, char **, unsigned int);
typedef int (*fn_free)(void *);

static struct {
    fn_initialize initialize;
    fn_set_error_func set_error_func;
    fn_get_last_error get_last_error;
    fn_reset_last_error reset_last_error;
    fn_plugin_new plugin_new;
    fn_new new_;
    fn_add add;
    fn_acquire acquire;
    fn_release release;
    fn_inquire inquire;
    fn_free free_;
} lv;

/* libvirt's default error handler prints every error on stderr; the replies carry them. */
static void quiet(void *data, void *error)
{
    (void)data;
    (void)error;
}

int lv_load(char *why, size_t size)
{
    void *lib = dlopen("libvirt.so.0", RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        snprintf(why, size, "cannot load libvirt.so.0: %s", dlerror());
        return -1;
    }
    struct {
        const char *name;
        void **slot;
    } symbols[] = {
        { "virInitialize", (void **)&lv.initialize },
        { "virSetErrorFunc", (void **)&lv.set_error_func },
        { "virGetLastError", (void **)&lv.get_last_error },
        { "virResetLastError", (void **)&lv.reset_last_error },
        { "virLockManagerPluginNew", (void **)&lv.plugin_new },
        { "virLockManagerNew", (void **)&lv.new_ },
        { "virLockManagerAddResource", (void **)&lv.add },
        { "virLockManagerAcquire", (void **)&lv.acquire },
        { "virLockManagerRelease", (void **)&lv.release },
        { "virLockManagerInquire", (void **)&lv.inquire },
        { "virLockManagerFree", (void **)&lv.free_ },
    };
    for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
        *symbols[i].slot = dlsym(lib, symbols[i].name);
        if (!*symbols[i].slot) {
            snprintf(why, size, "libvirt.so.0 has no symbol %s", symbols[i].name);
            return -1;
        }
    }
    if (lv.initialize() < 0) {
        snprintf(why, size, "virInitialize failed");
        return -1;
    }
    lv.set_error_func(NULL, quiet);
    return 0;
}

void *lv_plugin_new(const char *name, const char *driver_name, const char *config_dir,
                    unsigned int flags)
{
    return lv.plugin_new(name, driver_name, config_dir, flags);
}

/* struct _virLockManagerPlugin { char *name; virLockDriver *driver; void *handle; int refs; } */
void *lv_plugin_driver(void *plugin)
{
    return ((void **)plugin)[1];
}

void *lv_new(void *driver, unsigned int type, lc_params *params, unsigned int flags)
{
    return lv.new_(driver, type, params->n, params->n ? params->items : NULL, flags);
}

int lv_add(void *manager, lc_resource *resource)
{
    return lv.add(manager, resource->type, resource->name, resource->params.n,
                  resource->params.n ? resource->params.items : NULL, resource->flags);
}

int lv_acquire(void *manager, const char *state, unsigned int flags, int action, int *fd)
{
    return lv.acquire(manager, state, flags, action, fd);
}

int lv_release(void *manager, char **state, unsigned int flags)
{
    return lv.release(manager, state, flags);
}

int lv_inquire(void *manager, char **state, unsigned int flags)
{
    return lv.inquire(manager, state, flags);
}

void lv_free(void *manager)
{
    lv.free_(manager);
}

void lv_error_reply(char *buf, size_t size, const char *stage)
{
    lc_error *error = lv.get_last_error();
    if (!error) {
        snprintf(buf, size, "err %s 1 0 2 -1 ", stage);
        put_string(buf, size, "libvirt reported failure without an error");
    } else {
        snprintf(buf, size, "err %s %d %d %d %d ", stage, error->code, error->domain,
                 error->level, error->int1);
        put_string(buf, size, error->message ? error->message : "(no message)");
    }
    lv.reset_last_error();
}
