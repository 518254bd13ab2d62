#include "vessel_isal.h"

#include "vessel_dynamic.h"

VESSEL_DYNAMIC_LIBRARY(VESSEL_ISAL_FUNCTIONS, "libisal.so.2", "libisal", RTLD_LOCAL, vessel_isal_load)
