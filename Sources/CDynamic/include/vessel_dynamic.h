#ifndef VESSEL_DYNAMIC_H
#define VESSEL_DYNAMIC_H
/* A shared library opened on first use rather than when Vessel starts: starting a container
 * reads no tar (libarchive), talks to no registry (libcurl) and no Slurm controller
 * (libslurm), and each of those, with what it loads in turn, cost part of every start. */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

struct vessel_library {
    const char *soname;           /* what dlopen opens: "libcurl.so.4" */
    const char *name;             /* for messages: "libcurl" */
    int scope;                    /* RTLD_LOCAL, or RTLD_GLOBAL for a library whose own plugins
                                     need its symbols (libslurm's) */
    const char *const *symbols;   /* the functions taken from it */
    void **slots;                 /* their addresses, once loaded */
    size_t count;
    pthread_mutex_t lock;
    int tried;
    char failure[512];
};

#define VESSEL_LIBRARY(soname, name, scope, symbols, slots) \
    { soname, name, scope, symbols, slots, sizeof(symbols) / sizeof(*(symbols)), PTHREAD_MUTEX_INITIALIZER, 0, "" }

/* Opens the library and resolves every symbol, once; NULL when all are there, else why not
 * ("libcurl is not installed (...)"). The slots may be used only after it returned NULL. */
const char *vessel_library_load(struct vessel_library *library);

#endif
