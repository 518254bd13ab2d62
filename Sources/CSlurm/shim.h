// libslurm (Debian's libslurm-dev), for inventory, will-run estimates, submission and job state.
// Some helpers are exported by libslurm but missing from its public headers; they are declared here.
#include <signal.h>
#include <stdint.h>
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

extern void slurm_free_will_run_response_msg(will_run_response_msg_t *msg);
extern char *slurm_job_state_string(uint32_t state);
extern char *slurm_node_state_string(uint32_t state);
extern void slurm_xfree_ptr(void *ptr);
extern char *slurm_job_reason_string(int reason);

// Flag macros Swift cannot import (they expand to SLURM_BIT()).
static const uint32_t vessel_node_state_unavailable =
    NODE_STATE_DRAIN | NODE_STATE_FAIL | NODE_STATE_NO_RESPOND | NODE_STATE_MAINT | NODE_STATE_POWERED_DOWN;
static const uint32_t vessel_job_state_completing = JOB_COMPLETING;
