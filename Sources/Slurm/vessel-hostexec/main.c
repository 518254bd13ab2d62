// vessel-hostexec: runs a host program from inside a Slurm step's container. The SPANK plugin
// binds this (static) binary into the container as /.vessel/bin/srun, sbatch, scancel, ...;
// invoked by one of those names it chroots into the host's root as a process of the helper sees
// it (VESSEL_HOST_ROOT, /proc/PID/root), returns to the same working directory, and execs the
// host's program of that name. The batch script of `sbatch --container-image` runs in the
// image, and this is how its `srun` reaches Slurm. CAP_SYS_CHROOT (in the container's user
// namespace only) is kept across exec for this by the plugin.
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    (void)argc;
    const char *root = getenv("VESSEL_HOST_ROOT");
    char *name = basename(argv[0]);
    if (strcmp(name, "vessel-hostexec") == 0) {
        if (argv[1] == NULL) {
            fprintf(stderr, "usage: vessel-hostexec CMD [ARGS...] (or call it by the name of a host program)\n");
            return 2;
        }
        argv++;
        name = argv[0];
    }
    if (root == NULL || *root == '\0') {
        fprintf(stderr, "vessel: %s: not in a Slurm step's container (no VESSEL_HOST_ROOT)\n", name);
        return 127;
    }
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL) strcpy(cwd, "/");
    if (chroot(root) != 0) {
        fprintf(stderr, "vessel: %s: cannot reach the host (chroot %s: %s)\n", name, root, strerror(errno));
        return 126;
    }
    // The working directory is bound at the same path, usually; else the host's root.
    if (chdir(cwd) != 0 && chdir("/") != 0) return 126;
    const char *path = getenv("VESSEL_HOST_PATH");
    if (path != NULL) setenv("PATH", path, 1);
    unsetenv("VESSEL_HOST_ROOT");
    execvp(name, argv);
    fprintf(stderr, "vessel: %s: not found on the host: %s\n", name, strerror(errno));
    return 127;
}
