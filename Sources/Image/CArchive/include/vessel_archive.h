#ifndef VESSEL_ARCHIVE_H
#define VESSEL_ARCHIVE_H
/* libarchive, loaded when the first layer is read rather than when Vessel starts: it and the
 * libraries it needs (libxml2, ICU, ...) took 1.5 ms of every `vessel exec`, which reads no
 * tar. vessel_archive_NAME calls libarchive's NAME. */
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
/* A directory read as a layer (a container's overlay upper layer, see OverlayUpperLayer) has
 * its xattrs read as a tar's are; Swift's Glibc module leaves this header out. */
#include <sys/xattr.h>

/* Loads libarchive once; NULL when loaded, else why it could not be. Every other function
 * here needs it to have succeeded. */
const char *vessel_archive_load(void);

/* F(return type, name, parameters, arguments): the whole of what Vessel calls. */
#define VESSEL_ARCHIVE_FUNCTIONS(F) \
    F(struct archive *, archive_read_new, (void), ()) \
    F(int, archive_read_free, (struct archive *a), (a)) \
    F(int, archive_read_support_format_tar, (struct archive *a), (a)) \
    F(int, archive_read_support_format_gnutar, (struct archive *a), (a)) \
    F(int, archive_read_support_format_raw, (struct archive *a), (a)) \
    F(int, archive_read_support_filter_none, (struct archive *a), (a)) \
    F(int, archive_read_support_filter_gzip, (struct archive *a), (a)) \
    F(int, archive_read_support_filter_zstd, (struct archive *a), (a)) \
    F(int, archive_read_open, (struct archive *a, void *ctx, archive_open_callback *o, archive_read_callback *r, archive_close_callback *c), (a, ctx, o, r, c)) \
    F(int, archive_read_next_header, (struct archive *a, struct archive_entry **e), (a, e)) \
    F(int, archive_read_data_block, (struct archive *a, const void **buf, size_t *size, la_int64_t *offset), (a, buf, size, offset)) \
    F(const char *, archive_error_string, (struct archive *a), (a)) \
    F(la_int64_t, archive_entry_size, (struct archive_entry *e), (e)) \
    F(int, archive_entry_xattr_reset, (struct archive_entry *e), (e)) \
    F(int, archive_entry_xattr_next, (struct archive_entry *e, const char **name, const void **value, size_t *size), (e, name, value, size)) \
    F(__LA_MODE_T, archive_entry_mode, (struct archive_entry *e), (e)) \
    F(la_int64_t, archive_entry_uid, (struct archive_entry *e), (e)) \
    F(la_int64_t, archive_entry_gid, (struct archive_entry *e), (e)) \
    F(time_t, archive_entry_mtime, (struct archive_entry *e), (e)) \
    F(const char *, archive_entry_hardlink, (struct archive_entry *e), (e)) \
    F(const char *, archive_entry_symlink, (struct archive_entry *e), (e)) \
    F(const char *, archive_entry_pathname, (struct archive_entry *e), (e)) \
    F(dev_t, archive_entry_rdevmajor, (struct archive_entry *e), (e)) \
    F(dev_t, archive_entry_rdevminor, (struct archive_entry *e), (e))

#define VESSEL_ARCHIVE_DECLARE(ret, name, params, args) ret vessel_##name params;
VESSEL_ARCHIVE_FUNCTIONS(VESSEL_ARCHIVE_DECLARE)
#undef VESSEL_ARCHIVE_DECLARE
#endif
