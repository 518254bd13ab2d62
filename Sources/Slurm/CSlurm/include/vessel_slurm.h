#ifndef VESSEL_SLURM_H
#define VESSEL_SLURM_H
/* libslurm (Debian's libslurm-dev), for inventory, will-run estimates, submission and job
 * state: loaded by the Slurm commands (vessel submit, jobs, results), so that `vessel exec`
 * neither loads it at every start nor needs it installed. vessel_slurm_NAME calls slurm_NAME. */
#include <signal.h>
#include <stdint.h>
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

/* Loads libslurm once; NULL when loaded, else why it could not be. Every other function here
 * needs it to have succeeded. */
const char *vessel_slurm_load(void);

/* F(return type, name, parameters, arguments): the whole of what Vessel calls. Some are
 * exported by libslurm but missing from its public headers. */
#define VESSEL_SLURM_FUNCTIONS(F) \
    F(void, slurm_init, (const char *conf), (conf)) \
    F(int, slurm_get_errno, (void), ()) \
    F(char *, slurm_strerror, (int code), (code)) \
    F(int, slurm_load_partitions, (time_t since, partition_info_msg_t **out, uint16_t flags), (since, out, flags)) \
    F(void, slurm_free_partition_info_msg, (partition_info_msg_t *msg), (msg)) \
    F(int, slurm_load_node, (time_t since, node_info_msg_t **out, uint16_t flags), (since, out, flags)) \
    F(void, slurm_free_node_info_msg, (node_info_msg_t *msg), (msg)) \
    F(void, slurm_populate_node_partitions, (node_info_msg_t *nodes, partition_info_msg_t *parts), (nodes, parts)) \
    F(char *, slurm_node_state_string, (uint32_t state), (state)) \
    F(void, slurm_init_job_desc_msg, (job_desc_msg_t *desc), (desc)) \
    F(int, slurm_job_will_run2, (job_desc_msg_t *desc, will_run_response_msg_t **out), (desc, out)) \
    F(void, slurm_free_will_run_response_msg, (will_run_response_msg_t *msg), (msg)) \
    F(int, slurm_submit_batch_job, (job_desc_msg_t *desc, submit_response_msg_t **out), (desc, out)) \
    F(void, slurm_free_submit_response_response_msg, (submit_response_msg_t *msg), (msg)) \
    F(int, slurm_load_job, (job_info_msg_t **out, uint32_t job, uint16_t flags), (out, job, flags)) \
    F(int, slurm_load_job_user, (job_info_msg_t **out, uint32_t user, uint16_t flags), (out, user, flags)) \
    F(void, slurm_free_job_info_msg, (job_info_msg_t *msg), (msg)) \
    F(char *, slurm_job_state_string, (uint32_t state), (state)) \
    F(char *, slurm_job_reason_string, (int reason), (reason))

#define VESSEL_SLURM_DECLARE(ret, name, params, args) ret vessel_##name params;
VESSEL_SLURM_FUNCTIONS(VESSEL_SLURM_DECLARE)
#undef VESSEL_SLURM_DECLARE

/* Flag macros Swift cannot import (they expand to SLURM_BIT()). */
static const uint32_t vessel_node_state_unavailable =
    NODE_STATE_DRAIN | NODE_STATE_FAIL | NODE_STATE_NO_RESPOND | NODE_STATE_MAINT | NODE_STATE_POWERED_DOWN;
static const uint32_t vessel_job_state_completing = JOB_COMPLETING;
#endif
