/* What vessel_linux.h declares: the system calls and the fork-to-exec code Swift cannot write
 * (variadic calls, fork/vfork, ioctl, a seccomp filter). */
#include "vessel_linux.h"
#include <sys/socket.h>

int vessel_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

pid_t vessel_fork(void) { return fork(); }

pid_t vessel_fork_waiting(const char *path, char *const argv[], char *const envp[], int go_fd, int keep_fd) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    // Only async-signal-safe calls here: the parent may have threads (the FUSE server's).
    // Moved above 4 first, so that neither dup2 overwrites the other's source.
    int go = fcntl(go_fd, F_DUPFD, 10), keep = fcntl(keep_fd, F_DUPFD, 10);
    if (go < 0 || keep < 0 || dup2(go, 3) != 3 || dup2(keep, 4) != 4) _exit(125);
    syscall(SYS_close_range, 5, ~0U, 0);
    char byte;
    for (;;) {
        ssize_t n = read(3, &byte, 1);
        if (n == 1) break;
        if (n < 0 && errno == EINTR) continue;
        _exit(0);
    }
    close(3);
    execve(path, argv, envp);
    _exit(127);
}

int vessel_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }

int vessel_peer_credentials(int fd, uid_t *uid, pid_t *pid) {
    struct ucred peer;
    socklen_t size = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) return -1;
    *uid = peer.uid;
    *pid = peer.pid;
    return 0;
}

int vessel_loopback_up(void) {
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

int vessel_loop_attach(int image_fd, unsigned long long offset, unsigned long long size_limit,
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

int vessel_drop_capabilities(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &header, data);
}

int vessel_keep_sys_admin(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    data[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable |= CAP_TO_MASK(CAP_SYS_ADMIN);
    if (syscall(SYS_capset, &header, data) != 0) return -1;
    return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0);
}

pid_t vessel_spawn(const char *path, char *const argv[], char *const envp[],
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

int vessel_join_namespaces(pid_t pid) {
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

int vessel_fake_chown(void) {
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
