#ifndef VESSEL_CURL_H
#define VESSEL_CURL_H
/* libcurl, loaded when the first registry request is made rather than when Vessel starts:
 * libcurl and the thirty libraries it needs (TLS, Kerberos, LDAP, ...) took 5 ms of every
 * `vessel exec`, which never speaks HTTP. Also typed wrappers for curl_easy_setopt and
 * curl_easy_getinfo, which are variadic and so out of Swift's reach. */
#include <curl/curl.h>

/* Loads libcurl once; NULL when loaded, else why it could not be. Every other function here
 * needs it to have succeeded. */
const char *vessel_curl_load(void);

CURLcode vessel_curl_global_init(long flags);
CURL *vessel_curl_easy_init(void);
void vessel_curl_easy_cleanup(CURL *c);
void vessel_curl_easy_reset(CURL *c);
CURLcode vessel_curl_easy_perform(CURL *c);
const char *vessel_curl_easy_strerror(CURLcode code);
struct curl_slist *vessel_curl_slist_append(struct curl_slist *list, const char *text);
void vessel_curl_slist_free_all(struct curl_slist *list);

CURLcode vessel_curl_set_long(CURL *c, CURLoption o, long v);
CURLcode vessel_curl_set_off(CURL *c, CURLoption o, curl_off_t v);
CURLcode vessel_curl_set_ptr(CURL *c, CURLoption o, const void *v);
CURLcode vessel_curl_set_string(CURL *c, CURLoption o, const char *v);

typedef size_t (*vessel_curl_data_fn)(char *data, size_t size, size_t count, void *context);
CURLcode vessel_curl_set_write(CURL *c, vessel_curl_data_fn f, void *ctx);
CURLcode vessel_curl_set_header(CURL *c, vessel_curl_data_fn f, void *ctx);
/* The request body's source (an upload): `f` fills `data` with up to size*count bytes. */
CURLcode vessel_curl_set_read(CURL *c, vessel_curl_data_fn f, void *ctx);
/* Lets curl send the body again from `offset` (a request retried on a fresh connection). */
typedef int (*vessel_curl_seek_fn)(void *context, curl_off_t offset, int origin);
CURLcode vessel_curl_set_seek(CURL *c, vessel_curl_seek_fn f, void *ctx);

CURLcode vessel_curl_get_long(CURL *c, CURLINFO i, long *v);
CURLcode vessel_curl_get_string(CURL *c, CURLINFO i, char **v);
#endif
