/* FUSE low-level operations over libsquashfuse, served by several threads.
 *
 * libsquashfuse 0.1.x keeps its block caches in the `sqfs` object without locks, so one object
 * cannot serve two threads at once. Vessel keeps a pool of them over the same file descriptor
 * (all reads are pread): a thread takes one for each request and puts it back when the request
 * is answered, and the one put back last is taken first. Requests that come one at a time (as
 * when a program starts) so always meet the same warm caches, and only a request that finds
 * every instance busy for a while (see acquire) opens another. Inode numbers are stateless
 * (derived from the SquashFS inode id), so that every instance agrees on them. Modelled on
 * squashfuse's ll.c. */
#define _GNU_SOURCE
#include <squashfuse/config.h>
#include <squashfuse/ll.h>

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>

#include "vessel_fuse.h"

/* Exported by libsquashfuse_ll, declared in headers it does not install. */
sqfs_err sqfs_stat(sqfs *fs, sqfs_inode *inode, struct stat *st);
int sqfs_listxattr(sqfs *fs, sqfs_inode *inode, char *buf, size_t *size);
int sqfs_statfs(sqfs *fs, struct statvfs *st);
int sqfs_enoattr(void);

/* The image never changes while it is mounted. */
static const double TIMEOUT = 86400.0;

struct vessel_image {
    int fd;
    size_t offset; /* where the SquashFS starts in the file (a SIF file's partition) */
    sqfs_inode_id root;
    /* The kernel asks no open (opendir) requests once told ENOSYS (see op_init). */
    bool no_open, no_opendir;
    /* The instance the current thread holds for the request it is answering. */
    pthread_key_t held;
    pthread_mutex_t lock;
    pthread_cond_t given_back;
    /* Instances not held by any thread, the most recently used last. */
    sqfs **idle;
    unsigned idle_count;
    unsigned instances; /* made so far, idle or held */
};

/* libsquashfuse decompresses a zstd block with ZSTD_decompress, which makes and frees a
 * decompression context (about 160 KiB, set up afresh) for every block. Each thread keeps one
 * here instead: a block costs its decompression only. */
#define SQFS_ZSTD_COMPRESSION 6
static __thread ZSTD_DCtx *thread_dctx;

static sqfs_err decompress_zstd(void *in, size_t insz, void *out, size_t *outsz) {
    if (thread_dctx == NULL && (thread_dctx = ZSTD_createDCtx()) == NULL) return SQFS_ERR;
    size_t n = ZSTD_decompressDCtx(thread_dctx, out, *outsz, in, insz);
    if (ZSTD_isError(n)) return SQFS_ERR;
    *outsz = n;
    return SQFS_OK;
}

/* libsquashfuse 0.1.x keeps 1 data block, 3 fragment blocks and 8 metadata blocks per
 * instance. A program's loader reads a library's headers, then segments further on, then the
 * headers' block again: with one block kept, each return decompresses it afresh (a container
 * start decompressed libc's first 128 KiB five times). These hold what a start or an import
 * touches within a file, for at most ~1.5 MiB an instance (blocks are allocated as filled). */
enum { DATA_BLOCKS = 8, FRAGMENT_BLOCKS = 4, METADATA_BLOCKS = 32 };

static bool widen(sqfs_cache *cache, size_t count) {
    sqfs_cache_destroy(cache);
    memset(cache, 0, sizeof(*cache)); /* what sqfs_destroy may meet if the new one cannot be made */
    return sqfs_block_cache_init(cache, count) == SQFS_OK;
}

/* Where the image's SquashFS ends in its file: the offset plus the super block's bytes_used,
 * by descriptor. A signature covers [0, bytes_used) (ImageSignatures), but the image's own tables
 * may point past it (at bytes appended after signing): every read libsquashfuse makes, of
 * tables, metadata and data alike, goes through sqfs_pread, so defining it here (the static
 * archive's nonstd-pread.o is then not linked; the shared library's calls go through its PLT)
 * is the one place that keeps the server within what was signed. A read past the end is short,
 * which libsquashfuse takes as an I/O error. Descriptors not registered (none but the image's
 * are read through here) are read as they are. */
enum { BOUNDED_FDS = 64 };
static struct { int fd; off_t end; } bounded[BOUNDED_FDS];
static pthread_mutex_t bounded_lock = PTHREAD_MUTEX_INITIALIZER;

static off_t bound_of(int fd) {
    for (int i = 0; i < BOUNDED_FDS; i++) {
        if (bounded[i].fd == fd + 1) return bounded[i].end;
    }
    return -1;
}

static bool bound(int fd, off_t end) {
    pthread_mutex_lock(&bounded_lock);
    bool done = false;
    for (int i = 0; i < BOUNDED_FDS && !done; i++) {
        if (bounded[i].fd == 0 || bounded[i].fd == fd + 1) {
            bounded[i].end = end;
            __atomic_store_n(&bounded[i].fd, fd + 1, __ATOMIC_RELEASE);
            done = true;
        }
    }
    pthread_mutex_unlock(&bounded_lock);
    return done;
}

ssize_t sqfs_pread(int fd, void *buf, size_t count, off_t off) {
    off_t end = bound_of(fd);
    if (end >= 0) {
        if (off < 0 || off >= end) return 0;
        if ((off_t)count > end - off) count = (size_t)(end - off);
    }
    return pread(fd, buf, count, off);
}

/* The super block's bytes_used, read as libsquashfuse reads it (little-endian at byte 40). */
static bool image_end(int fd, size_t offset, off_t *end) {
    unsigned char sb[96];
    if (pread(fd, sb, sizeof sb, (off_t)offset) != (ssize_t)sizeof sb) return false;
    uint64_t used = 0;
    for (int i = 7; i >= 0; i--) used = (used << 8) | sb[40 + i];
    if (used < sizeof sb || used > (uint64_t)INT64_MAX - offset) return false;
    *end = (off_t)(offset + used);
    return true;
}

/* An instance over the image's descriptor, or NULL. */
static sqfs *instance(int fd, size_t offset) {
    sqfs *fs = calloc(1, sizeof(*fs));
    if (fs == NULL || sqfs_init(fs, fd, offset) != SQFS_OK) {
        free(fs);
        return NULL;
    }
    if (!widen(&fs->data_cache, DATA_BLOCKS) || !widen(&fs->frag_cache, FRAGMENT_BLOCKS) ||
        !widen(&fs->md_cache, METADATA_BLOCKS)) {
        sqfs_destroy(fs);
        free(fs);
        return NULL;
    }
    if (fs->sb.compression == SQFS_ZSTD_COMPRESSION) fs->decompressor = decompress_zstd;
    return fs;
}

vessel_image *vessel_image_open(const char *path, size_t offset) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    off_t end = 0;
    if (!image_end(fd, offset, &end) || !bound(fd, end)) {
        close(fd);
        errno = EIO;
        return NULL;
    }
    sqfs *first = instance(fd, offset);
    vessel_image *image = calloc(1, sizeof(*image));
    sqfs **idle = calloc(1, sizeof(*idle));
    if (first == NULL || image == NULL || idle == NULL) {
        free(first);
        free(image);
        free(idle);
        close(fd);
        return NULL;
    }
    image->fd = fd;
    image->offset = offset;
    image->root = sqfs_inode_root(first);
    image->idle = idle;
    image->idle[0] = first; /* the instance that checked the image serves first */
    image->idle_count = 1;
    image->instances = 1;
    pthread_mutex_init(&image->lock, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&image->given_back, &monotonic);
    pthread_condattr_destroy(&monotonic);
    pthread_key_create(&image->held, NULL);
    return image;
}

/* How long a request waits for a busy instance before another is made. The kernel's read-ahead
 * sends a program's reads two or three at a time: answered by one instance, they meet its warm
 * caches; a second instance would decompress the same blocks again into fresh memory (a start
 * made 2-3 instances every other time, and up to half again as many blocks). A load that keeps
 * every instance busy still gets more, once, after this wait. */
static const long WAIT_FOR_IDLE_NS = 500 * 1000;

/* An instance for one piece of work: the idle one used last, or a new one. */
static sqfs *acquire(vessel_image *image) {
    sqfs *fs = NULL;
    pthread_mutex_lock(&image->lock);
    if (image->idle_count == 0) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_nsec += WAIT_FOR_IDLE_NS;
        if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000L; }
        while (image->idle_count == 0 && pthread_cond_timedwait(&image->given_back, &image->lock, &deadline) == 0) {}
    }
    if (image->idle_count > 0) fs = image->idle[--image->idle_count];
    else image->instances++;
    pthread_mutex_unlock(&image->lock);
    if (fs != NULL) return fs;
    if ((fs = instance(image->fd, image->offset)) == NULL) {
        pthread_mutex_lock(&image->lock);
        image->instances--;
        pthread_mutex_unlock(&image->lock);
    }
    return fs;
}

/* The instance goes back to the pool. There are never more instances than threads using them
 * at once (one is made only when none is idle), and the pool has room for that many. */
static void give_back(vessel_image *image, sqfs *fs) {
    pthread_mutex_lock(&image->lock);
    image->idle[image->idle_count++] = fs;
    pthread_cond_signal(&image->given_back);
    pthread_mutex_unlock(&image->lock);
}

/* The instance this thread holds for the current request. */
static sqfs *thread_fs(fuse_req_t req) {
    vessel_image *image = fuse_req_userdata(req);
    sqfs *fs = pthread_getspecific(image->held);
    if (fs == NULL && (fs = acquire(image)) != NULL) pthread_setspecific(image->held, fs);
    return fs;
}

/* Called when a request has been answered. */
static void release_fs(vessel_image *image) {
    sqfs *fs = pthread_getspecific(image->held);
    if (fs == NULL) return;
    pthread_setspecific(image->held, NULL);
    give_back(image, fs);
}

/* Reading a file: squashfuse's sqfs_read_range trusts the sizes an image states, and copied
 * memory past a block shorter than the inode says, or a tail that lies past the end of its
 * fragment block (an image is not trusted: the FUSE server, and with it the container, died of
 * a segmentation fault). Every read here walks the file's blocks itself and checks each piece
 * against the block it lies in; a read that does not fit is an I/O error. */

/* One piece of a read: `len` bytes at `data`, in a block the instance caches, or `len` zeros
 * (a hole: `data` NULL). `cached_at` is the data block's position, its key in the data cache
 * (-1 for a fragment or a hole). */
struct piece { const char *data; size_t len; sqfs_block *block; sqfs_off_t cached_at; };

/* What a walk hands each piece to: 0 to go on, anything else to stop the walk. */
typedef int (*piece_sink)(const struct piece *piece, void *context);

enum { WALK_MISFIT = -1, WALK_STOPPED = -2 };

/* Walks the bytes [start, start + size) of a regular file, as far as the file goes, and hands
 * each piece to `sink` in order. Returns the number of bytes walked; WALK_MISFIT when the
 * image's sizes do not fit its blocks, or libsquashfuse cannot read them; WALK_STOPPED when
 * the sink stopped the walk. */
static ssize_t walk_range(sqfs *fs, sqfs_inode *inode, off_t start, size_t size, piece_sink sink, void *context) {
    if (!S_ISREG(inode->base.mode)) return WALK_MISFIT;
    const sqfs_off_t file_size = inode->xtra.reg.file_size;
    const size_t block_size = fs->sb.block_size;
    if (start < 0 || file_size < 0 || start > file_size) return WALK_MISFIT;
    if ((sqfs_off_t)size > file_size - start) size = (size_t)(file_size - start);
    if (size == 0) return 0;
    sqfs_blocklist bl;
    if (sqfs_blockidx_blocklist(fs, inode, &bl, start) != SQFS_OK) return WALK_MISFIT;
    size_t left = size, read_off = (size_t)(start % (off_t)block_size);
    while (left > 0) {
        struct piece piece = { NULL, 0, NULL, -1 };
        sqfs_off_t pos;   /* where in the file the piece's block starts */
        size_t holds;     /* how many of the file's bytes its block holds from there */
        bool fragment = bl.remain == 0;
        if (fragment) {
            size_t data_off, data_size;
            if (inode->xtra.reg.frag_idx == SQUASHFS_INVALID_FRAG) return WALK_MISFIT; /* blocks end before the file */
            if (sqfs_frag_block(fs, inode, &data_off, &data_size, &piece.block) != SQFS_OK) return WALK_MISFIT;
            if (data_off > piece.block->size || data_size > piece.block->size - data_off) return WALK_MISFIT;
            pos = file_size - file_size % (sqfs_off_t)block_size;
            piece.data = (const char *)piece.block->data + data_off;
            holds = data_size;
        } else {
            if (sqfs_blocklist_next(&bl) != SQFS_OK) return WALK_MISFIT;
            if (bl.pos + (sqfs_off_t)block_size <= start) continue;
            pos = bl.pos;
            holds = block_size;
            if (bl.input_size != 0) {
                if (sqfs_data_cache(fs, &fs->data_cache, bl.block, bl.header, &piece.block) != SQFS_OK) return WALK_MISFIT;
                piece.data = (const char *)piece.block->data;
                piece.cached_at = bl.block;
                holds = piece.block->size;
            }
        }
        /* Every block but the file's last holds a whole block of it; the last, the rest. */
        size_t expected = file_size - pos < (sqfs_off_t)block_size ? (size_t)(file_size - pos) : block_size;
        if (pos < 0 || holds < expected || read_off >= expected) return WALK_MISFIT;
        piece.len = expected - read_off < left ? expected - read_off : left;
        if (piece.data != NULL) piece.data += read_off;
        if (sink(&piece, context) != 0) return WALK_STOPPED;
        left -= piece.len;
        read_off = 0;
        if (fragment) break;
    }
    return left == 0 ? (ssize_t)size : WALK_MISFIT;
}

/* Copies each piece into a buffer of the read's size. */
struct copy { char *at; };

static int copy_piece(const struct piece *piece, void *context) {
    struct copy *copy = context;
    if (piece->data != NULL) memcpy(copy->at, piece->data, piece->len);
    else memset(copy->at, 0, piece->len);
    copy->at += piece->len;
    return 0;
}

/* A regular file, whole, from the image's root. */
static void *read_file(sqfs *fs, sqfs_inode_id root, const char *path, size_t limit, size_t *size) {
    sqfs_inode inode;
    bool found = false;
    /* The look-up starts from the inode it is given. */
    if (sqfs_inode_get(fs, &inode, root) != SQFS_OK || sqfs_lookup_path(fs, &inode, path, &found) != SQFS_OK) {
        errno = EIO;
        return NULL;
    }
    if (!found) { errno = ENOENT; return NULL; }
    if (!S_ISREG(inode.base.mode)) { errno = EISDIR; return NULL; }
    if ((uint64_t)inode.xtra.reg.file_size > limit) { errno = EFBIG; return NULL; }
    sqfs_off_t length = (sqfs_off_t)inode.xtra.reg.file_size;
    void *buffer = malloc(length > 0 ? (size_t)length : 1);
    if (buffer == NULL) { errno = ENOMEM; return NULL; }
    struct copy copy = { buffer };
    if (walk_range(fs, &inode, 0, (size_t)length, copy_piece, &copy) != length) {
        free(buffer);
        errno = EIO;
        return NULL;
    }
    *size = (size_t)length;
    return buffer;
}

void *vessel_image_read_file(vessel_image *image, const char *path, size_t limit, size_t *size) {
    sqfs *fs = acquire(image);
    if (fs == NULL) { errno = ENOMEM; return NULL; }
    void *buffer = read_file(fs, image->root, path, limit, size);
    int saved = errno;
    give_back(image, fs);
    errno = saved;
    return buffer;
}

/* FUSE's root is node 1; every other node is its SquashFS inode id + 2. */
static fuse_ino_t to_fuse(vessel_image *image, sqfs_inode_id id) { return id == image->root ? FUSE_ROOT_ID : (fuse_ino_t)id + 2; }
static sqfs_inode_id to_sqfs(vessel_image *image, fuse_ino_t ino) { return ino == FUSE_ROOT_ID ? image->root : (sqfs_inode_id)(ino - 2); }

/* The inode behind a node, or an error already sent. */
static sqfs *inode_of(fuse_req_t req, fuse_ino_t ino, sqfs_inode *inode) {
    sqfs *fs = thread_fs(req);
    if (fs == NULL) { fuse_reply_err(req, ENOMEM); return NULL; }
    if (sqfs_inode_get(fs, inode, to_sqfs(fuse_req_userdata(req), ino)) != SQFS_OK) { fuse_reply_err(req, ENOENT); return NULL; }
    return fs;
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    (void)fi;
    sqfs_inode inode;
    struct stat st;
    sqfs *fs = inode_of(req, ino, &inode);
    if (fs == NULL) return;
    if (sqfs_stat(fs, &inode, &st) != SQFS_OK) { fuse_reply_err(req, EIO); return; }
    st.st_ino = ino; /* sqfs_stat leaves it unset; programs (ld.so among them) tell files apart by it */
    fuse_reply_attr(req, &st, TIMEOUT);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
    sqfs_inode dir, inode;
    sqfs *fs = inode_of(req, parent, &dir);
    if (fs == NULL) return;
    if (!S_ISDIR(dir.base.mode)) { fuse_reply_err(req, ENOTDIR); return; }
    sqfs_name namebuf;
    sqfs_dir_entry entry;
    bool found = false;
    sqfs_dentry_init(&entry, namebuf);
    if (sqfs_dir_lookup(fs, &dir, name, strlen(name), &entry, &found) != SQFS_OK) { fuse_reply_err(req, EIO); return; }
    struct fuse_entry_param e;
    memset(&e, 0, sizeof(e));
    e.attr_timeout = e.entry_timeout = TIMEOUT;
    if (!found) { fuse_reply_entry(req, &e); return; } /* node 0: a cached "no such entry" */
    if (sqfs_inode_get(fs, &inode, sqfs_dentry_inode(&entry)) != SQFS_OK || sqfs_stat(fs, &inode, &e.attr) != SQFS_OK) {
        fuse_reply_err(req, EIO);
        return;
    }
    e.ino = to_fuse(fuse_req_userdata(req), sqfs_dentry_inode(&entry));
    e.attr.st_ino = e.ino;
    fuse_reply_entry(req, &e);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
    (void)ino; (void)nlookup;
    fuse_reply_none(req); /* nothing is kept per node */
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino) {
    sqfs_inode inode;
    sqfs *fs = inode_of(req, ino, &inode);
    if (fs == NULL) return;
    if (!S_ISLNK(inode.base.mode)) { fuse_reply_err(req, EINVAL); return; }
    size_t size = 0;
    if (sqfs_readlink(fs, &inode, NULL, &size) != SQFS_OK) { fuse_reply_err(req, EIO); return; }
    char *target = malloc(size + 1);
    if (target == NULL) { fuse_reply_err(req, ENOMEM); return; }
    if (sqfs_readlink(fs, &inode, target, &size) != SQFS_OK) fuse_reply_err(req, EIO);
    else fuse_reply_readlink(req, target);
    free(target);
}

/* Kernels that can do without open and opendir requests are told so (ENOSYS, once): a program
 * that opens a thousand files (a Python import) then makes a thousand fewer round trips, and
 * the kernel keeps file and directory contents cached as it would with keep_cache. read and
 * readdir find the inode from the node number, so nothing is kept per open file. */
static void op_init(void *userdata, struct fuse_conn_info *conn) {
    vessel_image *image = userdata;
    image->no_open = (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) != 0;
    image->no_opendir = (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) != 0;
}

static void open_common(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, bool want_dir) {
    vessel_image *image = fuse_req_userdata(req);
    if (want_dir ? image->no_opendir : image->no_open) { fuse_reply_err(req, ENOSYS); return; }
    sqfs_inode inode;
    if (inode_of(req, ino, &inode) == NULL) return;
    if (want_dir && !S_ISDIR(inode.base.mode)) { fuse_reply_err(req, ENOTDIR); return; }
    if (!want_dir && !S_ISREG(inode.base.mode)) { fuse_reply_err(req, EISDIR); return; }
    fi->keep_cache = 1;
    fi->cache_readdir = want_dir;
    fuse_reply_open(req, fi);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    if (fi->flags & (O_WRONLY | O_RDWR)) { fuse_reply_err(req, EROFS); return; }
    open_common(req, ino, fi, false);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) { open_common(req, ino, fi, true); }

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    (void)ino; (void)fi;
    fuse_reply_err(req, 0);
}

/* A read answered from the blocks in the instance's caches, without a copy: the pieces go to
 * the kernel as they lie (fuse_reply_iov), while this thread still holds the instance, so no
 * other request can evict them. A start reads ~2 MB through FUSE; a buffer of its own for each
 * read would be copied, and its pages faulted in. Reads this cannot answer are copied: a hole
 * (zeros), more blocks than the data cache holds, a block a later one evicted. */
enum { MAX_PIECES = DATA_BLOCKS };

struct references {
    struct iovec iov[MAX_PIECES];
    sqfs_block *blocks[MAX_PIECES];
    sqfs_off_t cached_at[MAX_PIECES];
    int count;
};

static int reference_piece(const struct piece *piece, void *context) {
    struct references *refs = context;
    if (piece->data == NULL || refs->count == MAX_PIECES) return 1;
    refs->iov[refs->count] = (struct iovec){ (void *)piece->data, piece->len };
    refs->blocks[refs->count] = piece->block;
    refs->cached_at[refs->count++] = piece->cached_at;
    return 0;
}

/* The data cache evicts in turn: a block fetched later in a read may have pushed out one
 * fetched earlier (or found in it). */
static bool still_cached(sqfs *fs, const struct references *refs) {
    for (int i = 0; i < refs->count; i++) {
        if (refs->cached_at[i] < 0) continue;
        sqfs_block_cache_entry *entry = sqfs_cache_get(&fs->data_cache, (sqfs_cache_idx)refs->cached_at[i]);
        if (entry == NULL || entry->block != refs->blocks[i]) return false;
    }
    return true;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)fi;
    sqfs_inode inode;
    sqfs *fs = inode_of(req, ino, &inode);
    if (fs == NULL) return;
    struct references refs;
    refs.count = 0;
    ssize_t got = walk_range(fs, &inode, off, size, reference_piece, &refs);
    if (got == WALK_MISFIT) { fuse_reply_err(req, EIO); return; }
    if (got >= 0 && still_cached(fs, &refs)) { fuse_reply_iov(req, refs.iov, refs.count); return; }
    char *buf = malloc(size > 0 ? size : 1);
    if (buf == NULL) { fuse_reply_err(req, ENOMEM); return; }
    struct copy copy = { buf };
    got = walk_range(fs, &inode, off, size, copy_piece, &copy);
    if (got < 0) fuse_reply_err(req, EIO);
    else fuse_reply_buf(req, buf, (size_t)got);
    free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)fi;
    sqfs_inode inode;
    sqfs *fs = inode_of(req, ino, &inode);
    if (fs == NULL) return;
    sqfs_dir dir;
    char *buf = malloc(size), *pos = buf;
    if (buf == NULL) { fuse_reply_err(req, ENOMEM); return; }
    if (sqfs_dir_open(fs, &inode, &dir, off) != SQFS_OK) { free(buf); fuse_reply_err(req, EINVAL); return; }
    sqfs_name namebuf;
    sqfs_dir_entry entry;
    sqfs_err err = SQFS_OK;
    struct stat st;
    memset(&st, 0, sizeof(st));
    sqfs_dentry_init(&entry, namebuf);
    while (sqfs_dir_next(fs, &dir, &entry, &err)) {
        st.st_ino = to_fuse(fuse_req_userdata(req), sqfs_dentry_inode(&entry));
        st.st_mode = sqfs_dentry_mode(&entry);
        size_t need = fuse_add_direntry(req, pos, size, sqfs_dentry_name(&entry), &st, sqfs_dentry_next_offset(&entry));
        if (need > size) break;
        pos += need;
        size -= need;
    }
    if (err != SQFS_OK) fuse_reply_err(req, EIO);
    else fuse_reply_buf(req, buf, (size_t)(pos - buf));
    free(buf);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
    sqfs_inode inode;
    sqfs *fs = inode_of(req, ino, &inode);
    if (fs == NULL) return;
    char *buf = size ? malloc(size) : NULL;
    if (size && buf == NULL) { fuse_reply_err(req, ENOMEM); return; }
    int err = sqfs_listxattr(fs, &inode, buf, &size);
    if (err) fuse_reply_err(req, err);
    else if (buf) fuse_reply_buf(req, buf, size);
    else fuse_reply_xattr(req, size);
    free(buf);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size) {
    sqfs_inode inode;
    sqfs *fs = inode_of(req, ino, &inode);
    if (fs == NULL) return;
    char *buf = malloc(size ? size : 1);
    size_t real = size;
    if (buf == NULL) fuse_reply_err(req, ENOMEM);
    else if (sqfs_xattr_lookup(fs, &inode, name, buf, &real) != SQFS_OK) fuse_reply_err(req, EIO);
    else if (real == 0) fuse_reply_err(req, sqfs_enoattr());
    else if (size == 0) fuse_reply_xattr(req, real);
    else if (size < real) fuse_reply_err(req, ERANGE);
    else fuse_reply_buf(req, buf, real);
    free(buf);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino) {
    (void)ino;
    struct statvfs st;
    sqfs *fs = thread_fs(req);
    if (fs == NULL) { fuse_reply_err(req, ENOMEM); return; }
    int err = sqfs_statfs(fs, &st);
    if (err) fuse_reply_err(req, err);
    else fuse_reply_statfs(req, &st);
}

struct worker {
    struct fuse_session *se;
    vessel_image *image;
};

/* One worker: what libfuse's own loop does, on a thread started before Vessel forks. Every
 * operation answers before it returns, so the request is done when process_buf returns. */
static void *serve_requests(void *arg) {
    struct worker *w = arg;
    struct fuse_session *se = w->se;
    struct fuse_buf buf;
    memset(&buf, 0, sizeof(buf));
    while (!fuse_session_exited(se)) {
        int res = fuse_session_receive_buf(se, &buf);
        if (res == -EINTR) continue;
        if (res <= 0) break; /* unmounted, or the namespace is gone */
        fuse_session_process_buf(se, &buf);
        release_fs(w->image);
    }
    fuse_session_exit(se);
    free(buf.mem);
    return NULL;
}

int vessel_image_serve(vessel_image *image, int fuse_fd, unsigned threads) {
    struct fuse_lowlevel_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.init = op_init;
    ops.lookup = op_lookup;
    ops.forget = op_forget;
    ops.getattr = op_getattr;
    ops.readlink = op_readlink;
    ops.open = op_open;
    ops.read = op_read;
    ops.release = op_release;
    ops.opendir = op_opendir;
    ops.readdir = op_readdir;
    ops.releasedir = op_release;
    ops.statfs = op_statfs;
    ops.getxattr = op_getxattr;
    ops.listxattr = op_listxattr;

    char *argv[] = { (char *)"vessel", NULL };
    struct fuse_args args = FUSE_ARGS_INIT(1, argv);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), image);
    if (se == NULL) return -1;
    /* libfuse takes "/dev/fd/N" as a session Vessel has mounted itself. */
    char device[32];
    snprintf(device, sizeof(device), "/dev/fd/%d", fuse_fd);
    if (fuse_session_mount(se, device) != 0) {
        fuse_session_destroy(se);
        return -2;
    }
    /* A fixed set of workers, all started now: once Vessel has unshared its PID namespace for
     * the container's init, the kernel lets it start no more threads (libfuse's own
     * multi-threaded loop starts them as load grows). Each reads requests from the same
     * descriptor, as libfuse's workers do. */
    if (threads == 0) threads = 1;
    /* libzstd allocates a decompression context of about 160 KiB for every block it
     * decompresses; above malloc's mmap threshold, each one would be fresh pages from the
     * kernel (a page fault for each 4 KiB, then zeroed). Kept in the heap, the same memory
     * serves every block: a Python import of numpy and scipy took 4,500 page faults fewer.
     * One arena for all the threads: memory one worker frees is memory another reuses, where
     * arenas of their own would each fault in fresh pages (a start: ~250 page faults fewer).
     * A worker holds malloc's lock only to take or return a buffer. */
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_ARENA_MAX, 1);
    /* Both live as long as the process. */
    struct worker *worker = malloc(sizeof(*worker));
    /* Room for every worker's instance and one for Vessel's own reads (vessel_image_read_file). */
    sqfs **idle = realloc(image->idle, (threads + 1) * sizeof(*idle));
    if (worker == NULL || idle == NULL) {
        free(worker);
        return -3;
    }
    image->idle = idle;
    worker->se = se;
    worker->image = image;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    unsigned started = 0;
    for (unsigned i = 0; i < threads; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, serve_requests, worker) == 0) {
            pthread_detach(t);
            started++;
        }
    }
    pthread_attr_destroy(&attr);
    return started ? 0 : -3;
}
