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
