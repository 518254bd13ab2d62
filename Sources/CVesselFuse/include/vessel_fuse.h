#ifndef VESSEL_FUSE_H
#define VESSEL_FUSE_H
/* Serving a SquashFS image through FUSE with libsquashfuse's low-level operations.
 * Compiled apart from Swift: squashfuse's configure-time macros change system headers. */

typedef struct vessel_image vessel_image;

/* Opens the image; NULL when it is not SquashFS. Its descriptor is close-on-exec. */
vessel_image *vessel_image_open(const char *path);

/* Serves requests on an already mounted /dev/fuse descriptor until the session ends, with up
 * to `threads` idle worker threads (1: a single thread). Returns 0, or a negative number when
 * the session could not be set up. */
int vessel_image_serve(vessel_image *image, int fuse_fd, unsigned threads);

#endif
