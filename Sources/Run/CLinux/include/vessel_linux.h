#ifndef VESSEL_LINUX_H
#define VESSEL_LINUX_H
/* Linux calls Swift cannot make directly: variadic syscall(2), and fork(2), which Swift marks
 * unavailable. Vessel forks only while it is single-threaded. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int vessel_pivot_root(const char *new_root, const char *put_old);
pid_t vessel_fork(void);
// A child made now that waits to exec `path`: it reads `go_fd` (as its fd 3; `keep_fd` is its
// fd 4, the others but 0-2 closed), and execs on a byte, or exits 0 when the pipe closes
// first. For work to do once a container has ended from outside its PID namespace, where
// nothing can be forked once its process 1 is gone (--save). argv and envp are the caller's
// to keep until then.
pid_t vessel_fork_waiting(const char *path, char *const argv[], char *const envp[], int go_fd, int keep_fd);
int vessel_set_pdeathsig(int sig);
// Who is at the other end of a connected UNIX socket (SO_PEERCRED): 0, or -1 with errno.
int vessel_peer_credentials(int fd, uid_t *uid, pid_t *pid);
static const int vessel_clone_newuser = CLONE_NEWUSER;
static const int vessel_clone_newns = CLONE_NEWNS;
static const int vessel_clone_newpid = CLONE_NEWPID;
static const int vessel_clone_newnet = CLONE_NEWNET;
static const int vessel_clone_newipc = CLONE_NEWIPC;
static const int vessel_clone_newuts = CLONE_NEWUTS;

/* Brings the loopback interface of a new network namespace up (it starts down). 0, or -1.
 * Through syscall(2) with the kernel's numbers: <net/if.h> and <sys/socket.h> in this module
 * clash with the definitions Swift's other C modules (Dispatch) take from <sys/select.h>. */
int vessel_loopback_up(void);

#include <fcntl.h>
#include <errno.h>
#include <linux/loop.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdio.h>

/* Attaches `image_fd` read-only to a free loop device that detaches itself when its last
 * mount goes; writes /dev/loopN into `path`. The device shows `size_limit` bytes (0: all) from
 * `offset` (a SIF file's partition). Returns the device's descriptor, or -errno. */
int vessel_loop_attach(int image_fd, unsigned long long offset, unsigned long long size_limit,
                                     char *path, size_t path_size);

#include <linux/capability.h>
// Drops every capability of the calling thread. A step container's helper does this once its
// namespaces are made, so that the tasks inside (with fewer capabilities) may reach its
// /proc/PID/root: the kernel lets a process look into another only if it holds at least the
// other's capabilities.
int vessel_drop_capabilities(void);

// Keeps CAP_SYS_ADMIN across execve (an ambient capability, in the container's user namespace
// only): fuse-overlayfs, started by the container's init when the kernel refuses overlayfs,
// mounts with it.
int vessel_keep_sys_admin(void);

// Starts `path` as a child, as posix_spawn does: vfork, so the init's memory is not copied
// (a fork of Vessel costs about half a millisecond). In the child: the signals in `defaults`
// back to their default action, the ids switched when `switch_ids`, then execve. On the
// child's failure *failed_step says where (1: the ids, 2: execve) and *child_errno why; the
// child has then exited 125, 127 (no such file) or 126. Returns the child's pid, or -1.
pid_t vessel_spawn(const char *path, char *const argv[], char *const envp[],
                                 const int *defaults, int ndefaults, int switch_ids, uid_t uid, gid_t gid,
                                 volatile int *failed_step, volatile int *child_errno);

/* Joins the container whose process is `pid`: its user and mount namespaces, and the net, ipc
 * and uts namespaces it has of its own (--unshare). The caller must be single-threaded (a
 * user namespace is joined only so). The plugin's tasks and the tasks of `srun vessel exec`
 * that share one container (SharedContainer) both join this way. Returns 0, or -1 with errno. */
int vessel_join_namespaces(pid_t pid);

/* Root inside a user namespace that maps only the user's own id (no subordinate ids) cannot
 * give a file to any other owner: chown(2) fails with EINVAL, and dpkg and apt, which chown
 * what they install, fail. As Enroot and Pyxis do, this seccomp filter makes the chown family
 * succeed without doing anything (the files keep the user's id, shown as root inside).
 * Inherited across fork and execve; installed once no_new_privs is not needed (root in the
 * namespace holds CAP_SYS_ADMIN there). Returns 0, or -1 with errno. */
int vessel_fake_chown(void);
#endif
