#define _GNU_SOURCE
#include "CVesselSpank.h"
#include <slurm/slurm.h>
#include <dlfcn.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdint.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

SPANK_PLUGIN(vessel, 1);

int slurm_spank_init(spank_t sp, int ac, char **av) { return vessel_spank_init(sp, ac, av); }
int slurm_spank_init_post_opt(spank_t sp, int ac, char **av) { return vessel_spank_init_post_opt(sp, ac, av); }
int slurm_spank_user_init(spank_t sp, int ac, char **av) { return vessel_spank_user_init(sp, ac, av); }
int slurm_spank_task_init(spank_t sp, int ac, char **av) { return vessel_spank_task_init(sp, ac, av); }
int slurm_spank_task_exit(spank_t sp, int ac, char **av) { return vessel_spank_task_exit(sp, ac, av); }
int slurm_spank_exit(spank_t sp, int ac, char **av) { return vessel_spank_exit(sp, ac, av); }
int slurm_spank_job_epilog(spank_t sp, int ac, char **av) { return vessel_spank_job_epilog(sp, ac, av); }

void vessel_spank_error(const char *message) { slurm_error("vessel: %s", message); }
void vessel_spank_info(const char *message) { slurm_spank_log("vessel: %s", message); }

int vessel_spank_job_env(spank_t sp, char ***env) { return spank_get_item(sp, S_JOB_ENV, env); }
int vessel_spank_job_argv(spank_t sp, int *argc, char ***argv) { return spank_get_item(sp, S_JOB_ARGV, argc, argv); }
int vessel_spank_job_id(spank_t sp, uint32_t *id) { return spank_get_item(sp, S_JOB_ID, id); }
int vessel_spank_step_id(spank_t sp, uint32_t *id) { return spank_get_item(sp, S_JOB_STEPID, id); }
int vessel_spank_local_task_id(spank_t sp, int *id) { return spank_get_item(sp, S_TASK_ID, id); }
int vessel_spank_local_task_count(spank_t sp, uint32_t *count) { return spank_get_item(sp, S_JOB_LOCAL_TASK_COUNT, count); }
int vessel_spank_job_ids(spank_t sp, uid_t *uid, gid_t *gid) {
    int rc = spank_get_item(sp, S_JOB_UID, uid);
    return rc ? rc : spank_get_item(sp, S_JOB_GID, gid);
}

int vessel_spank_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

/* clone3's arguments (linux/sched.h's struct clone_args, which clashes with glibc's sched.h). */
struct vessel_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

pid_t vessel_spank_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                         uid_t uid, gid_t gid, const gid_t *groups, int ngroups, int ready_fd, int err_fd,
                         int *pidfd) {
    pid_t parent = getpid();
    /* The pidfd is made with the process, so it can never name another one: root signals and
     * reaps through it, never through a pid that may have been reaped and reused. */
    int fd = -1;
    struct vessel_clone_args args = {0};
    args.flags = CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)&fd;
    args.exit_signal = SIGCHLD;
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid != 0) {
        if (pid > 0) {
            fcntl(fd, F_SETFD, FD_CLOEXEC);
            *pidfd = fd;
        }
        return pid;
    }
    // If slurmstepd dies (killed, or crashed), the helper goes with it.
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent) _exit(125);
    // slurmstepd blocks and ignores signals; execve keeps both, and the helper must hear SIGTERM.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
    // The child of a multithreaded slurmstepd: only async-signal-safe calls until execve.
    int null = open("/dev/null", O_RDWR);
    if (null < 0) _exit(125);
    dup2(null, 0);
    dup2(null, 1);
    dup2(err_fd >= 0 ? err_fd : null, 2);
    if (ready_fd >= 0 && ready_fd != 3) {
        if (dup2(ready_fd, 3) < 0) _exit(125);  // dup2 clears close-on-exec on fd 3 only
    } else if (ready_fd == 3) {
        fcntl(3, F_SETFD, 0);
    }
    // All of the user's ids and groups (looked up before the fork: NSS is not safe here). The
    // job epilog runs as root with root's groups; in user_init slurmstepd has only set its
    // effective ids to the user's, and root's saved id lets this child take root back to set
    // the groups before it gives up root for good.
    /* A slurmstepd that is not root (a test setup) keeps the groups it has. */
    int privileged = geteuid() == 0 || setresuid(-1, 0, -1) == 0;
    if (privileged && setgroups((size_t)ngroups, groups) != 0) _exit(125);
    if (setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) _exit(125);
    if (cwd == NULL || chdir(cwd) != 0) {
        if (chdir("/") != 0) _exit(125);
    }
    execve(path, argv, envp);
    _exit(127);
}

int vessel_spank_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int vessel_spank_reap(int pidfd, int *status, int nohang) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int rc;
    do {
        rc = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED | (nohang ? WNOHANG : 0));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return errno == ECHILD ? 1 : -1;  // reaped already (by slurmstepd): gone
    if (info.si_pid == 0) return 0;              // still running
    *status = info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8 : info.si_status & 0x7f;
    return 1;
}

int vessel_spank_keep_chroot(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    data[CAP_TO_INDEX(CAP_SYS_CHROOT)].inheritable |= CAP_TO_MASK(CAP_SYS_CHROOT);
    if (syscall(SYS_capset, &header, data) != 0) return -1;
    return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_CHROOT, 0, 0);
}

const char *vessel_spank_slurmd_spooldir(void) {
    // Looked up, not linked: srun and sbatch load the plugin too, and their libslurm's
    // slurm_conf is a different one (or absent); slurmstepd's is the node's configuration.
    const slurm_conf_t *conf = dlsym(RTLD_DEFAULT, "slurm_conf");
    return conf != NULL && conf->slurmd_spooldir != NULL && conf->slurmd_spooldir[0] != '\0' ? conf->slurmd_spooldir : NULL;
}
