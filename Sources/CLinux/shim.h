/* Linux calls Swift cannot make directly: variadic syscall(2), and fork(2), which Swift marks
 * unavailable. Vessel forks only while it is single-threaded. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
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
