#include "vessel_curl.h"

#include <dlfcn.h>
#include <pthread.h>

/* libcurl's entry points, resolved from libcurl.so.4 by vessel_curl_load. */
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
} curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];

static void load(void) {
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        snprintf(failure, sizeof(failure), "libcurl is not installed (%s)", dlerror());
        return;
    }
#define RESOLVE(field, name) \
    if ((*(void **)&curl.field = dlsym(lib, name)) == NULL) { \
        snprintf(failure, sizeof(failure), "libcurl.so.4 lacks %s", name); \
        return; \
    }
    RESOLVE(global_init, "curl_global_init")
    RESOLVE(easy_init, "curl_easy_init")
    RESOLVE(easy_cleanup, "curl_easy_cleanup")
    RESOLVE(easy_reset, "curl_easy_reset")
    RESOLVE(easy_perform, "curl_easy_perform")
    RESOLVE(easy_strerror, "curl_easy_strerror")
    RESOLVE(slist_append, "curl_slist_append")
    RESOLVE(slist_free_all, "curl_slist_free_all")
    RESOLVE(easy_setopt, "curl_easy_setopt")
    RESOLVE(easy_getinfo, "curl_easy_getinfo")
#undef RESOLVE
}

const char *vessel_curl_load(void) {
    pthread_once(&once, load);
    return failure[0] ? failure : NULL;
}

CURLcode vessel_curl_global_init(long flags) { return curl.global_init(flags); }
CURL *vessel_curl_easy_init(void) { return curl.easy_init(); }
void vessel_curl_easy_cleanup(CURL *c) { curl.easy_cleanup(c); }
void vessel_curl_easy_reset(CURL *c) { curl.easy_reset(c); }
CURLcode vessel_curl_easy_perform(CURL *c) { return curl.easy_perform(c); }
const char *vessel_curl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }
struct curl_slist *vessel_curl_slist_append(struct curl_slist *list, const char *text) { return curl.slist_append(list, text); }
void vessel_curl_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }

CURLcode vessel_curl_set_long(CURL *c, CURLoption o, long v) { return curl.easy_setopt(c, o, v); }
CURLcode vessel_curl_set_off(CURL *c, CURLoption o, curl_off_t v) { return curl.easy_setopt(c, o, v); }
CURLcode vessel_curl_set_ptr(CURL *c, CURLoption o, const void *v) { return curl.easy_setopt(c, o, v); }
CURLcode vessel_curl_set_string(CURL *c, CURLoption o, const char *v) { return curl.easy_setopt(c, o, v); }

CURLcode vessel_curl_set_write(CURL *c, vessel_curl_data_fn f, void *ctx) {
    CURLcode rc = curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, f);
    return rc ? rc : curl.easy_setopt(c, CURLOPT_WRITEDATA, ctx);
}
CURLcode vessel_curl_set_header(CURL *c, vessel_curl_data_fn f, void *ctx) {
    CURLcode rc = curl.easy_setopt(c, CURLOPT_HEADERFUNCTION, f);
    return rc ? rc : curl.easy_setopt(c, CURLOPT_HEADERDATA, ctx);
}

CURLcode vessel_curl_get_long(CURL *c, CURLINFO i, long *v) { return curl.easy_getinfo(c, i, v); }
CURLcode vessel_curl_get_string(CURL *c, CURLINFO i, char **v) { return curl.easy_getinfo(c, i, v); }
