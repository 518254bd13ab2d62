// The C side of Vessel's SPANK plugin: the symbols Slurm looks up (plugin_name, plugin_type,
// plugin_version and the slurm_spank_* callbacks, which forward to Swift), the variadic calls
// Swift cannot make, and the steps that must run between fork and exec or before a task execs.
#include <slurm/spank.h>
#include <stdint.h>
#include <sys/types.h>

// Implemented in Swift (VesselSpank), called by the forwarders in spank.c.
int vessel_spank_init(spank_t sp, int ac, char **av);
int vessel_spank_init_post_opt(spank_t sp, int ac, char **av);
int vessel_spank_user_init(spank_t sp, int ac, char **av);
int vessel_spank_task_init(spank_t sp, int ac, char **av);
int vessel_spank_task_exit(spank_t sp, int ac, char **av);
int vessel_spank_exit(spank_t sp, int ac, char **av);
int vessel_spank_job_epilog(spank_t sp, int ac, char **av);

void vessel_spank_error(const char *message);
void vessel_spank_info(const char *message);

// spank_get_item, typed.
int vessel_spank_job_env(spank_t sp, char ***env);
int vessel_spank_job_ids(spank_t sp, uid_t *uid, gid_t *gid);
int vessel_spank_job_argv(spank_t sp, int *argc, char ***argv);
int vessel_spank_job_id(spank_t sp, uint32_t *id);
int vessel_spank_step_id(spank_t sp, uint32_t *id);
// The step id slurmstepd gives a batch script (SLURM_BATCH_SCRIPT in slurm/slurm.h, which
// the plugin does not otherwise need).
static const uint32_t vessel_spank_batch_step = 0xfffffffb;
int vessel_spank_local_task_id(spank_t sp, int *id);
int vessel_spank_local_task_count(spank_t sp, uint32_t *count);

// pipe2 with O_CLOEXEC, which Swift's Glibc module does not declare.
int vessel_spank_pipe(int fds[2]);

// Starts `argv` as the job's user (uid, gid and the supplementary `groups`) in `cwd` with
// `envp`, its fd 3 being `ready_fd`, stdin and stdout /dev/null, stderr `err_fd` (or /dev/null
// when -1); with `ready_fd` -1 no fd 3. Returns the pid and, in *pidfd, a descriptor of the
// process made with it (close-on-exec); or -1.
pid_t vessel_spank_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                         uid_t uid, gid_t gid, const gid_t *groups, int ngroups, int ready_fd, int err_fd,
                         int *pidfd);

// Sends `sig` through a pidfd: 0, or -1 with errno (ESRCH once the process has ended).
int vessel_spank_signal(int pidfd, int sig);

// Reaps the process of a pidfd: 1 when it has ended (*status as waitpid's, or untouched when
// someone else reaped it), 0 when it still runs (with `nohang`), -1 on error.
int vessel_spank_reap(int pidfd, int *status, int nohang);

// Keeps CAP_SYS_CHROOT across execve (an ambient capability in the container's user namespace),
// so that programs inside may chroot into the host's root bound at /.vessel/host (srun inside).
int vessel_spank_keep_chroot(void);

// slurmd's spool directory (SlurmdSpoolDir, `%n` not expanded) from the slurm_conf of the
// slurmstepd the plugin is loaded in; NULL elsewhere (srun, sbatch) or when it is not set.
// Where Slurm's PMIx plugin makes a step's server directory (PMIxDirectories).
const char *vessel_spank_slurmd_spooldir(void);
