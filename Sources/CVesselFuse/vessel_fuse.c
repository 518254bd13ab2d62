#include <squashfuse/config.h>
#include <squashfuse/ll.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vessel_fuse.h"

struct vessel_image {
    sqfs_ll *ll;
};

vessel_image *vessel_image_open(const char *path) {
    sqfs_ll *ll = sqfs_ll_open(path, 0);
    if (ll == NULL) return NULL;
    fcntl(ll->fs.fd, F_SETFD, FD_CLOEXEC);
    vessel_image *image = calloc(1, sizeof(*image));
    image->ll = ll;
    return image;
}

int vessel_image_serve(vessel_image *image, int fuse_fd) {
    struct fuse_lowlevel_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.getattr = sqfs_ll_op_getattr;
    ops.opendir = sqfs_ll_op_opendir;
    ops.releasedir = sqfs_ll_op_releasedir;
    ops.readdir = sqfs_ll_op_readdir;
    ops.lookup = sqfs_ll_op_lookup;
    ops.open = sqfs_ll_op_open;
    ops.create = sqfs_ll_op_create;
    ops.release = sqfs_ll_op_release;
    ops.read = sqfs_ll_op_read;
    ops.readlink = sqfs_ll_op_readlink;
    ops.listxattr = sqfs_ll_op_listxattr;
    ops.getxattr = sqfs_ll_op_getxattr;
    ops.forget = sqfs_ll_op_forget;
    ops.statfs = stfs_ll_op_statfs;

    char *argv[] = { (char *)"vessel", NULL };
    struct fuse_args args = FUSE_ARGS_INIT(1, argv);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), image->ll);
    if (se == NULL) return -1;
    /* libfuse takes "/dev/fd/N" as a session Vessel has mounted itself. */
    char device[32];
    snprintf(device, sizeof(device), "/dev/fd/%d", fuse_fd);
    if (fuse_session_mount(se, device) != 0) {
        fuse_session_destroy(se);
        return -2;
    }
    int rc = fuse_session_loop(se);
    fuse_session_destroy(se);
    return rc;
}
