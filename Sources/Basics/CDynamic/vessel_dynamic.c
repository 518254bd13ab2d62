#include "vessel_dynamic.h"

#include <stdio.h>

const char *vessel_library_load(struct vessel_library *library) {
    pthread_mutex_lock(&library->lock);
    if (!library->tried) {
        library->tried = 1;
        void *handle = dlopen(library->soname, RTLD_NOW | library->scope);
        if (handle == NULL) {
            snprintf(library->failure, sizeof(library->failure), "%s is not installed (%s)", library->name, dlerror());
        } else {
            for (size_t i = 0; i < library->count; i++) {
                if ((library->slots[i] = dlsym(handle, library->symbols[i])) == NULL) {
                    snprintf(library->failure, sizeof(library->failure), "%s lacks %s", library->soname, library->symbols[i]);
                    break;
                }
            }
        }
    }
    pthread_mutex_unlock(&library->lock);
    return library->failure[0] ? library->failure : NULL;
}
