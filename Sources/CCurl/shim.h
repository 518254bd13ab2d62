// libcurl's curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call;
// these typed wrappers are the whole of what Vessel needs.
#include <curl/curl.h>

static inline CURLcode vessel_curl_set_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode vessel_curl_set_off(CURL *c, CURLoption o, curl_off_t v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode vessel_curl_set_ptr(CURL *c, CURLoption o, const void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode vessel_curl_set_string(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }

typedef size_t (*vessel_curl_data_fn)(char *data, size_t size, size_t count, void *context);
static inline CURLcode vessel_curl_set_write(CURL *c, vessel_curl_data_fn f, void *ctx) {
    CURLcode rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, f);
    return rc ? rc : curl_easy_setopt(c, CURLOPT_WRITEDATA, ctx);
}
static inline CURLcode vessel_curl_set_header(CURL *c, vessel_curl_data_fn f, void *ctx) {
    CURLcode rc = curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, f);
    return rc ? rc : curl_easy_setopt(c, CURLOPT_HEADERDATA, ctx);
}

static inline CURLcode vessel_curl_get_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
static inline CURLcode vessel_curl_get_string(CURL *c, CURLINFO i, char **v) { return curl_easy_getinfo(c, i, v); }
