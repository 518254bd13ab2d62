#include "vessel_slurm.h"

#include "vessel_dynamic.h"

/* Global: the plugins libslurm opens (auth/munge, ...) take symbols from it. */
VESSEL_DYNAMIC_LIBRARY(VESSEL_SLURM_FUNCTIONS, "libslurm.so.38", "libslurm", RTLD_GLOBAL, vessel_slurm_load)
