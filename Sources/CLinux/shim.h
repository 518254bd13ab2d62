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

static inline int vessel_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}
static inline pid_t vessel_fork(void) { return fork(); }
static inline int vessel_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
static const int vessel_clone_newuser = CLONE_NEWUSER;
static const int vessel_clone_newns = CLONE_NEWNS;
static const int vessel_clone_newpid = CLONE_NEWPID;
static const int vessel_clone_newnet = CLONE_NEWNET;
static const int vessel_clone_newipc = CLONE_NEWIPC;
static const int vessel_clone_newuts = CLONE_NEWUTS;

/* Brings the loopback interface of a new network namespace up (it starts down). 0, or -1.
 * Through syscall(2) with the kernel's numbers: <net/if.h> and <sys/socket.h> in this module
 * clash with the definitions Swift's other C modules (Dispatch) take from <sys/select.h>. */
static inline int vessel_loopback_up(void) {
    struct { char name[16]; short flags; char pad[22]; } ifr = { "lo", 0, { 0 } };  /* struct ifreq */
    long fd = syscall(SYS_socket, 2 /* AF_INET */, 2 /* SOCK_DGRAM */ | 02000000 /* SOCK_CLOEXEC */, 0);
    if (fd < 0) return -1;
    long rc = syscall(SYS_ioctl, fd, 0x8913 /* SIOCGIFFLAGS */, &ifr);
    if (rc == 0) {
        ifr.flags |= 0x1 /* IFF_UP */ | 0x40 /* IFF_RUNNING */;
        rc = syscall(SYS_ioctl, fd, 0x8914 /* SIOCSIFFLAGS */, &ifr);
    }
    close((int)fd);
    return rc == 0 ? 0 : -1;
}

#include <fcntl.h>
#include <errno.h>
#include <linux/loop.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdio.h>

/* Attaches `image_fd` read-only to a free loop device that detaches itself when its last
 * mount goes; writes /dev/loopN into `path`. The device shows `size_limit` bytes (0: all) from
 * `offset` (a SIF file's partition). Returns the device's descriptor, or -errno. */
static inline int vessel_loop_attach(int image_fd, unsigned long long offset, unsigned long long size_limit,
                                     char *path, size_t path_size) {
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) return -errno;
    int n = ioctl(ctl, LOOP_CTL_GET_FREE);
    int err = errno;
    close(ctl);
    if (n < 0) return -err;
    snprintf(path, path_size, "/dev/loop%d", n);
    int dev = open(path, O_RDONLY | O_CLOEXEC);
    if (dev < 0) return -errno;
    struct loop_config config;
    memset(&config, 0, sizeof(config));
    config.fd = (unsigned)image_fd;
    config.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
    config.info.lo_offset = offset;
    config.info.lo_sizelimit = size_limit;
    if (ioctl(dev, LOOP_CONFIGURE, &config) != 0) {
        err = errno;
        close(dev);
        return -err;
    }
    return dev;
}

#include <linux/capability.h>
// Drops every capability of the calling thread. A step container's helper does this once its
// namespaces are made, so that the tasks inside (with fewer capabilities) may reach its
// /proc/PID/root: the kernel lets a process look into another only if it holds at least the
// other's capabilities.
static inline int vessel_drop_capabilities(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &header, data);
}

// Keeps CAP_SYS_ADMIN across execve (an ambient capability, in the container's user namespace
// only): fuse-overlayfs, started by the container's init when the kernel refuses overlayfs,
// mounts with it.
static inline int vessel_keep_sys_admin(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    data[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable |= CAP_TO_MASK(CAP_SYS_ADMIN);
    if (syscall(SYS_capset, &header, data) != 0) return -1;
    return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0);
}

// Starts `path` as a child, as posix_spawn does: vfork, so the init's memory is not copied
// (a fork of Vessel costs about half a millisecond). In the child: the signals in `defaults`
// back to their default action, the ids switched when `switch_ids`, then execve. On the
// child's failure *failed_step says where (1: the ids, 2: execve) and *child_errno why; the
// child has then exited 125, 127 (no such file) or 126. Returns the child's pid, or -1.
static inline pid_t vessel_spawn(const char *path, char *const argv[], char *const envp[],
                                 const int *defaults, int ndefaults, int switch_ids, uid_t uid, gid_t gid,
                                 volatile int *failed_step, volatile int *child_errno) {
    *failed_step = 0;
    *child_errno = 0;
    pid_t pid = vfork();
    if (pid != 0) return pid;
    for (int i = 0; i < ndefaults; i++) signal(defaults[i], SIG_DFL);
    // Raw system calls: they change this process only, with no library state to share.
    if (switch_ids && (syscall(SYS_setgroups, 0, NULL) != 0 || syscall(SYS_setgid, gid) != 0 || syscall(SYS_setuid, uid) != 0)) {
        *child_errno = errno;
        *failed_step = 1;
        _exit(125);
    }
    execve(path, argv, envp);
    *child_errno = errno;
    *failed_step = 2;
    _exit(*child_errno == ENOENT ? 127 : 126);
}

/* Joins the container whose process is `pid`: its user and mount namespaces, and the net, ipc
 * and uts namespaces it has of its own (--unshare). The caller must be single-threaded (a
 * user namespace is joined only so). The plugin's tasks and the tasks of `srun vessel exec`
 * that share one container (SharedContainer) both join this way. Returns 0, or -1 with errno. */
static inline int vessel_join_namespaces(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
    int user = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
    int mnt = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1;
    if (user >= 0 && mnt >= 0 && setns(user, CLONE_NEWUSER) == 0 && setns(mnt, CLONE_NEWNS) == 0) rc = 0;
    int saved = errno;
    if (user >= 0) close(user);
    if (mnt >= 0) close(mnt);
    /* The namespaces --container-unshare gave the container (joining one's own is a no-op). */
    static const struct { const char *name; int type; } others[] = {
        { "net", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
    };
    for (size_t i = 0; rc == 0 && i < sizeof others / sizeof others[0]; i++) {
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, others[i].name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        char mine[64];
        snprintf(mine, sizeof mine, "/proc/self/ns/%s", others[i].name);
        struct stat theirs, ours;
        if (fd < 0 || fstat(fd, &theirs) != 0 || stat(mine, &ours) != 0) { saved = errno; rc = -1; }
        else if (theirs.st_ino != ours.st_ino && setns(fd, others[i].type) != 0) { saved = errno; rc = -1; }
        if (fd >= 0) close(fd);
    }
    errno = saved;
    return rc;
}

/* Root inside a user namespace that maps only the user's own id (no subordinate ids) cannot
 * give a file to any other owner: chown(2) fails with EINVAL, and dpkg and apt, which chown
 * what they install, fail. As Enroot and Pyxis do, this seccomp filter makes the chown family
 * succeed without doing anything (the files keep the user's id, shown as root inside).
 * Inherited across fork and execve; installed once no_new_privs is not needed (root in the
 * namespace holds CAP_SYS_ADMIN there). Returns 0, or -1 with errno. */
static inline int vessel_fake_chown(void) {
#if defined(__x86_64__)
#define VESSEL_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define VESSEL_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
#ifndef __NR_chown
#define __NR_chown -1
#endif
#ifndef __NR_lchown
#define __NR_lchown -1
#endif
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VESSEL_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)__NR_chown, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)__NR_lchown, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fchown, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fchownat, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),   /* returns 0: done, as far as anyone asks */
    };
    struct sock_fprog program = { (unsigned short)(sizeof filter / sizeof filter[0]), filter };
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0);
}
