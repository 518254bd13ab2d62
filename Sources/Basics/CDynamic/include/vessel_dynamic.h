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

/* For an X-macro list F(return type, name, parameters, arguments): the library's table, its
 * load function `load`, and a wrapper vessel_NAME for each function that calls NAME. One use
 * per C file. */
#define VESSEL_DYNAMIC_LIBRARY(LIST, soname, name, scope, load) \
    static const char *const vessel_symbols[] = { LIST(VESSEL_DYNAMIC_SYMBOL) }; \
    enum { LIST(VESSEL_DYNAMIC_SLOT) vessel_slot_count }; \
    static void *vessel_slots[vessel_slot_count]; \
    static struct vessel_library vessel_library = VESSEL_LIBRARY(soname, name, scope, vessel_symbols, vessel_slots); \
    const char *load(void) { return vessel_library_load(&vessel_library); } \
    LIST(VESSEL_DYNAMIC_WRAP)
#define VESSEL_DYNAMIC_SYMBOL(ret, name, params, args) #name,
#define VESSEL_DYNAMIC_SLOT(ret, name, params, args) vessel_slot_##name,
#define VESSEL_DYNAMIC_WRAP(ret, name, params, args) \
    ret vessel_##name params { return ((ret (*) params) vessel_slots[vessel_slot_##name]) args; }

#endif
