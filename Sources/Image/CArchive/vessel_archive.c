#include "vessel_archive.h"

#include "vessel_dynamic.h"

VESSEL_DYNAMIC_LIBRARY(VESSEL_ARCHIVE_FUNCTIONS, "libarchive.so.13", "libarchive", RTLD_LOCAL, vessel_archive_load)
