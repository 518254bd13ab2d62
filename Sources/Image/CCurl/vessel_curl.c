#include "vessel_curl.h"

#include "vessel_dynamic.h"

/* F(return type, name, parameters): libcurl's entry points that Vessel calls. */
#define CURL_FUNCTIONS(F) \
    F(CURLcode, curl_global_init, (long)) \
    F(CURL *, curl_easy_init, (void)) \
    F(void, curl_easy_cleanup, (CURL *)) \
    F(void, curl_easy_reset, (CURL *)) \
    F(CURLcode, curl_easy_perform, (CURL *)) \
    F(const char *, curl_easy_strerror, (CURLcode)) \
    F(struct curl_slist *, curl_slist_append, (struct curl_slist *, const char *)) \
    F(void, curl_slist_free_all, (struct curl_slist *)) \
    F(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...)) \
    F(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...))

#define SYMBOL(ret, name, params) #name,
static const char *const symbols[] = { CURL_FUNCTIONS(SYMBOL) };
#define SLOT(ret, name, params) slot_##name,
enum { CURL_FUNCTIONS(SLOT) slot_count };
#define TYPE(ret, name, params) typedef ret (*name##_fn) params;
CURL_FUNCTIONS(TYPE)
static void *slots[slot_count];
static struct vessel_library library = VESSEL_LIBRARY("libcurl.so.4", "libcurl", RTLD_LOCAL, symbols, slots);
#define CALL(name) ((name##_fn) slots[slot_##name])

const char *vessel_curl_load(void) { return vessel_library_load(&library); }

CURLcode vessel_curl_global_init(long flags) { return CALL(curl_global_init)(flags); }
CURL *vessel_curl_easy_init(void) { return CALL(curl_easy_init)(); }
void vessel_curl_easy_cleanup(CURL *c) { CALL(curl_easy_cleanup)(c); }
void vessel_curl_easy_reset(CURL *c) { CALL(curl_easy_reset)(c); }
CURLcode vessel_curl_easy_perform(CURL *c) { return CALL(curl_easy_perform)(c); }
const char *vessel_curl_easy_strerror(CURLcode code) { return CALL(curl_easy_strerror)(code); }
struct curl_slist *vessel_curl_slist_append(struct curl_slist *list, const char *text) { return CALL(curl_slist_append)(list, text); }
void vessel_curl_slist_free_all(struct curl_slist *list) { CALL(curl_slist_free_all)(list); }

CURLcode vessel_curl_set_long(CURL *c, CURLoption o, long v) { return CALL(curl_easy_setopt)(c, o, v); }
CURLcode vessel_curl_set_off(CURL *c, CURLoption o, curl_off_t v) { return CALL(curl_easy_setopt)(c, o, v); }
CURLcode vessel_curl_set_ptr(CURL *c, CURLoption o, const void *v) { return CALL(curl_easy_setopt)(c, o, v); }
CURLcode vessel_curl_set_string(CURL *c, CURLoption o, const char *v) { return CALL(curl_easy_setopt)(c, o, v); }

/* A callback and the pointer curl hands it: two options set together. */
static CURLcode set_callback(CURL *c, CURLoption function, CURLoption data, void *f, void *ctx) {
    CURLcode rc = CALL(curl_easy_setopt)(c, function, f);
    return rc ? rc : CALL(curl_easy_setopt)(c, data, ctx);
}
CURLcode vessel_curl_set_write(CURL *c, vessel_curl_data_fn f, void *ctx) { return set_callback(c, CURLOPT_WRITEFUNCTION, CURLOPT_WRITEDATA, (void *)f, ctx); }
CURLcode vessel_curl_set_header(CURL *c, vessel_curl_data_fn f, void *ctx) { return set_callback(c, CURLOPT_HEADERFUNCTION, CURLOPT_HEADERDATA, (void *)f, ctx); }
CURLcode vessel_curl_set_read(CURL *c, vessel_curl_data_fn f, void *ctx) { return set_callback(c, CURLOPT_READFUNCTION, CURLOPT_READDATA, (void *)f, ctx); }
CURLcode vessel_curl_set_seek(CURL *c, vessel_curl_seek_fn f, void *ctx) { return set_callback(c, CURLOPT_SEEKFUNCTION, CURLOPT_SEEKDATA, (void *)f, ctx); }

CURLcode vessel_curl_get_long(CURL *c, CURLINFO i, long *v) { return CALL(curl_easy_getinfo)(c, i, v); }
CURLcode vessel_curl_get_string(CURL *c, CURLINFO i, char **v) { return CALL(curl_easy_getinfo)(c, i, v); }
