#include "vessel_archive.h"

#include "vessel_dynamic.h"

#define SYMBOL(ret, name, params, args) #name,
static const char *const symbols[] = { VESSEL_ARCHIVE_FUNCTIONS(SYMBOL) };
#undef SYMBOL
#define SLOT(ret, name, params, args) slot_##name,
enum { VESSEL_ARCHIVE_FUNCTIONS(SLOT) slot_count };
#undef SLOT
static void *slots[slot_count];
static struct vessel_library library = VESSEL_LIBRARY("libarchive.so.13", "libarchive", RTLD_LOCAL, symbols, slots);

const char *vessel_archive_load(void) { return vessel_library_load(&library); }

#define WRAP(ret, name, params, args) ret vessel_##name params { return ((ret (*) params) slots[slot_##name]) args; }
VESSEL_ARCHIVE_FUNCTIONS(WRAP)
#undef WRAP
