#ifndef VESSEL_ISAL_H
#define VESSEL_ISAL_H
/* ISA-L's inflate (libisal), for gzip layers: about four times zlib's speed on this kind of data,
 * and it checks gzip's CRC, which libarchive's gzip filter does not. Loaded when the first gzip
 * layer is read, like libarchive; where it is not installed, layers go through libarchive's
 * zlib as before. vessel_isal_NAME calls NAME. */
#include <isa-l/igzip_lib.h>

/* Loads libisal once; NULL when loaded, else why it could not be. */
const char *vessel_isal_load(void);

#define VESSEL_ISAL_FUNCTIONS(F) \
    F(void, isal_inflate_init, (struct inflate_state *state), (state)) \
    F(void, isal_inflate_reset, (struct inflate_state *state), (state)) \
    F(int, isal_inflate, (struct inflate_state *state), (state))

#define VESSEL_ISAL_DECLARE(ret, name, params, args) ret vessel_##name params;
VESSEL_ISAL_FUNCTIONS(VESSEL_ISAL_DECLARE)

/* The fields Swift sets and reads, and the constants it compares with (macros Swift does not import as such). */
static const int vessel_isal_gzip = ISAL_GZIP;
static const int vessel_isal_block_finish = ISAL_BLOCK_FINISH;
static const int vessel_isal_incorrect_checksum = ISAL_INCORRECT_CHECKSUM;
static const int vessel_isal_invalid_wrapper = ISAL_INVALID_WRAPPER;
static const int vessel_isal_unsupported_method = ISAL_UNSUPPORTED_METHOD;

#endif
