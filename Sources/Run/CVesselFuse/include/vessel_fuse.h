#ifndef VESSEL_FUSE_H
#define VESSEL_FUSE_H
/* Serving a SquashFS image through FUSE with libsquashfuse's low-level operations.
 * Compiled apart from Swift: squashfuse's configure-time macros change system headers. */

#include <stddef.h>

typedef struct vessel_image vessel_image;

/* Opens the image whose SquashFS starts `offset` bytes into the file (0, or where a SIF file's
 * partition lies); NULL when it is not SquashFS. Its descriptor is close-on-exec. */
vessel_image *vessel_image_open(const char *path, size_t offset);

/* A regular file of the image, read in-process with an instance of the serving pool (so that
 * the caches it warms serve the kernel's requests too), at any time but from one thread: a
 * malloc'd buffer of *size bytes, or NULL with errno ENOENT (no such file), EISDIR (not a
 * regular file: symbolic links are not followed), EFBIG (over `limit` bytes) or EIO. */
void *vessel_image_read_file(vessel_image *image, const char *path, size_t limit, size_t *size);

/* Starts `threads` worker threads serving requests on an already mounted /dev/fuse
 * descriptor, and returns: 0, or a negative number when the session could not be set up.
 * The workers serve until the mount is gone; they end with the process. */
int vessel_image_serve(vessel_image *image, int fuse_fd, unsigned threads);

#endif
