#include "vessel_archive.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define FIELD(ret, name, params, args) ret (*name) params;
static struct { VESSEL_ARCHIVE_FUNCTIONS(FIELD) } archive;
#undef FIELD

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];

static void load(void) {
    void *lib = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        snprintf(failure, sizeof(failure), "libarchive is not installed (%s)", dlerror());
        return;
    }
#define RESOLVE(ret, name, params, args) \
    if ((*(void **)&archive.name = dlsym(lib, #name)) == NULL) { \
        snprintf(failure, sizeof(failure), "libarchive.so.13 lacks %s", #name); \
        return; \
    }
    VESSEL_ARCHIVE_FUNCTIONS(RESOLVE)
#undef RESOLVE
}

const char *vessel_archive_load(void) {
    pthread_once(&once, load);
    return failure[0] ? failure : NULL;
}

#define WRAP(ret, name, params, args) ret vessel_##name params { return archive.name args; }
VESSEL_ARCHIVE_FUNCTIONS(WRAP)
#undef WRAP
