#include "vessel_slurm.h"

#include "vessel_dynamic.h"

#define SYMBOL(ret, name, params, args) #name,
static const char *const symbols[] = { VESSEL_SLURM_FUNCTIONS(SYMBOL) };
#undef SYMBOL
#define SLOT(ret, name, params, args) slot_##name,
enum { VESSEL_SLURM_FUNCTIONS(SLOT) slot_count };
#undef SLOT
static void *slots[slot_count];
/* Global: the plugins libslurm opens (auth/munge, ...) take symbols from it. */
static struct vessel_library library = VESSEL_LIBRARY("libslurm.so.38", "libslurm", RTLD_GLOBAL, symbols, slots);

const char *vessel_slurm_load(void) { return vessel_library_load(&library); }

#define WRAP(ret, name, params, args) ret vessel_##name params { return ((ret (*) params) slots[slot_##name]) args; }
VESSEL_SLURM_FUNCTIONS(WRAP)
#undef WRAP
