#include <stdlib.h>
#include <string.h>
#include <sqfs/predef.h>
#include <sqfs/super.h>
#include <sqfs/io.h>
#include <sqfs/compressor.h>
#include <sqfs/block_processor.h>
#include <sqfs/block_writer.h>
#include <sqfs/frag_table.h>
#include <sqfs/meta_writer.h>
#include <sqfs/dir_writer.h>
#include <sqfs/dir_reader.h>
#include <sqfs/data_reader.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/xattr_writer.h>
#include <sqfs/error.h>

/* Swift cannot reach a flexible array member; these give it the inode's trailing bytes. */
static inline sqfs_inode_generic_t *vessel_inode_alloc(size_t extra) {
    return (sqfs_inode_generic_t *)calloc(1, sizeof(sqfs_inode_generic_t) + extra);
}
static inline void vessel_inode_set_extra(sqfs_inode_generic_t *inode, const void *bytes, size_t n) {
    memcpy(inode->extra, bytes, n);
}
static inline void vessel_destroy(void *obj) { sqfs_destroy(obj); }
static inline const char *vessel_tree_node_name(const sqfs_tree_node_t *n) { return (const char *)n->name; }
static inline const char *vessel_inode_symlink_target(const sqfs_inode_generic_t *i) { return (const char *)i->extra; }

/* A read-only view of [offset, offset+length) of `inner` (length 0: to its end), so that
 * libsquashfs reads a SquashFS partition where it lies inside a bigger file (a SIF file's). */
typedef struct {
    sqfs_file_t base;
    sqfs_file_t *inner;
    sqfs_u64 offset;
    sqfs_u64 length;
} vessel_region_file;

static inline void vessel_region_destroy(sqfs_object_t *obj) {
    vessel_region_file *r = (vessel_region_file *)obj;
    sqfs_destroy(r->inner);
    free(r);
}
static inline int vessel_region_read_at(sqfs_file_t *f, sqfs_u64 offset, void *buffer, size_t size) {
    vessel_region_file *r = (vessel_region_file *)f;
    if (offset > r->length || size > r->length - offset) return SQFS_ERROR_OUT_OF_BOUNDS;
    return r->inner->read_at(r->inner, r->offset + offset, buffer, size);
}
static inline int vessel_region_write_at(sqfs_file_t *f, sqfs_u64 o, const void *b, size_t s) {
    (void)f; (void)o; (void)b; (void)s;
    return SQFS_ERROR_IO;
}
static inline sqfs_u64 vessel_region_get_size(const sqfs_file_t *f) { return ((const vessel_region_file *)f)->length; }
static inline int vessel_region_truncate(sqfs_file_t *f, sqfs_u64 s) { (void)f; (void)s; return SQFS_ERROR_IO; }

/* Ends the region `length` bytes after its start (never later than it ended): once the super
 * block is read, nothing past its bytes_used is read (what a signature covers). */
static inline void vessel_region_limit(sqfs_file_t *f, sqfs_u64 length) {
    vessel_region_file *r = (vessel_region_file *)f;
    if (length < r->length) r->length = length;
}

/* Opens `path` read-only as SquashFS starting at `offset` (length 0: to the end). NULL on failure. */
static inline sqfs_file_t *vessel_open_region(const char *path, sqfs_u64 offset, sqfs_u64 length) {
    sqfs_file_t *inner = sqfs_open_file(path, SQFS_FILE_OPEN_READ_ONLY);
    if (inner == NULL) return NULL;
    sqfs_u64 size = inner->get_size(inner);
    if (offset > size) { sqfs_destroy(inner); return NULL; }
    vessel_region_file *r = (vessel_region_file *)calloc(1, sizeof(*r));
    if (r == NULL) { sqfs_destroy(inner); return NULL; }
    r->base.base.destroy = vessel_region_destroy;
    r->base.read_at = vessel_region_read_at;
    r->base.write_at = vessel_region_write_at;
    r->base.get_size = vessel_region_get_size;
    r->base.truncate = vessel_region_truncate;
    r->inner = inner;
    r->offset = offset;
    r->length = length != 0 && length < size - offset ? length : size - offset;
    return (sqfs_file_t *)r;
}

#include <sqfs/xattr.h>
#include <sqfs/xattr_reader.h>
/* An xattr key's name and value bytes: flexible array members, out of Swift's reach. */
static inline const void *vessel_xattr_key_name(const sqfs_xattr_entry_t *e) { return e->key; }
static inline const void *vessel_xattr_value_bytes(const sqfs_xattr_value_t *v) { return v->value; }
