/* The C interface of the CUDA backend (gr_cuda_*). Plain C with <stdint.h> types only, so that
 * JavaCPP binds it without CUDA headers.
 *
 * Conventions of a GR_ON_CUDA place, beyond those of gumbel_rao.h:
 *  - every pointer argument of an operation is a DEVICE pointer (or managed memory);
 *  - the place's `stream` is a cudaStream_t: 0 is the legacy default stream; work is queued on
 *    it and nothing synchronises the host;
 *  - the return value is 0 when the work was queued, GR_INVALID_ARGUMENT for an argument the
 *    entry point rejects before launching, or GR_CUDA_ERROR with the cudaError_t of queuing
 *    (errors of kernels that already ran on the stream may surface here too, as with any CUDA
 *    call);
 *  - the data-dependent checks of gumbel_rao.h (NaN or +inf logit, row without a finite logit,
 *    choice out of [0, arity), choice on a -inf logit) are reported through a device status word
 *    that the caller owns: `status` points to one uint64_t in device memory, set to all ones by
 *    gr_cuda_status_reset; a kernel that meets a bad row records (row << 8 | code) with atomicMin,
 *    so after the work the word holds the LOWEST bad row (and its code), independent of timing.
 *    Decode it on the host with gr_cuda_status_decode. `status` may be NULL: nothing is reported,
 *    and bad rows are still skipped (their outputs are not written). Outputs of good rows are
 *    always written, whatever other rows hold.
 */
#ifndef GUMBEL_RAO_GUMBEL_RAO_CUDA_H
#define GUMBEL_RAO_GUMBEL_RAO_CUDA_H

#include <stdint.h>

#include "gumbel_rao/gumbel_rao.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ status word */
/* Sets *status to all ones (no bad row) on `stream`; a NULL status does nothing. */
int32_t gr_cuda_status_reset(uint64_t* status, void* stream);
/* Host function: 0 for all ones, else the gr_status of gumbel_rao.h (code << 40 | row). */
int64_t gr_cuda_status_decode(uint64_t word);

/* ------------------------------------------------------------------ operations
 * The operations run on a CUDA device through the entry points of gumbel_rao/operations.h with
 * a gr_place: GR_ON_CUDA for device memory (queued on the place's stream, data errors in its
 * status word), GR_ON_CUDA_STAGED for host memory (below). */

/* 1 when the kernels were built with GR_CUDA_PRECISE_MATH (log2f/exp2f instead of the hardware
 * approximations), 0 otherwise; -1 when the library has no CUDA code. */
int32_t gr_cuda_precise_math(void);

/* ------------------------------------------------------------------ host memory
 * GR_ON_CUDA_STAGED: each call, on the calling thread, copies the inputs into page-locked
 * staging memory, queues an asynchronous copy to device memory, the kernel and the copy back on
 * the thread's own stream on the place's device, synchronises that stream, copies the outputs
 * out of the staging memory and decodes the device status word. Staging memory, device memory
 * and the stream belong to the calling thread and grow as needed, so threads never wait for each
 * other. */

/* Synchronous copies between host memory (a Java array or direct buffer) and device memory on
 * the legacy default stream; return the cudaError_t. */
int32_t gr_cuda_copy_to_device(uint64_t device_dst, const void* host_src, uint64_t bytes);
int32_t gr_cuda_copy_to_host(void* host_dst, uint64_t device_src, uint64_t bytes);

/* Waits for `stream`, then reads and decodes a device status word (gumbel_rao_cuda.h) into
 * *decoded (0 or a gr_status) and resets the word on the stream. Returns the cudaError_t. */
int32_t gr_cuda_status_take(uint64_t* status, void* stream, int64_t* decoded);

/* Frees the calling thread's staging memory, device memory and streams (they are also freed when
 * the thread exits). */
void gr_cuda_host_release_thread(void);

/* Frees the staging memory, device memory and streams of EVERY thread's workspace, on every
 * device: what a closing backend calls, since the threads that made calls may be idle or pooled
 * and never call gr_cuda_host_release_thread themselves. Safe at any time: a host-memory call
 * running on another thread finishes first (this call waits for it), and a later call on any
 * thread allocates again what it needs. Returns the first cudaError_t met while freeing
 * (0 = cudaSuccess; the rest is freed regardless). */
int32_t gr_cuda_host_release_all(void);

/* The bytes of page-locked staging memory held now by all threads' workspaces (each workspace
 * holds as much device memory again); 0 after gr_cuda_host_release_all. For tests and
 * diagnostics. */
int64_t gr_cuda_host_workspace_bytes(void);

/* ------------------------------------------------------------------ runtime helpers
 * Thin wrappers of the CUDA runtime for the Java layer; each returns the cudaError_t.
 * Addresses travel as uint64_t. */
int32_t gr_cuda_set_device(int32_t device);
int32_t gr_cuda_get_device(int32_t* device);
int32_t gr_cuda_malloc(uint64_t bytes, uint64_t* ptr);
int32_t gr_cuda_free(uint64_t ptr);
/* Page-locked host memory (cudaMallocHost), for asynchronous copies. */
int32_t gr_cuda_malloc_host(uint64_t bytes, uint64_t* ptr);
int32_t gr_cuda_free_host(uint64_t ptr);
/* cudaMemcpyAsync with cudaMemcpyDefault: the direction follows from the addresses (UVA). */
int32_t gr_cuda_memcpy_async(uint64_t dst, uint64_t src, uint64_t bytes, void* stream);
int32_t gr_cuda_memset_async(uint64_t dst, int32_t value, uint64_t bytes, void* stream);
/* A new stream that does not synchronise with the legacy default stream. */
int32_t gr_cuda_stream_create(uint64_t* stream);
int32_t gr_cuda_stream_destroy(void* stream);
int32_t gr_cuda_stream_synchronize(void* stream);
/* Validates a stream handle without queuing work (cudaStreamGetFlags). It accepts 0 (legacy
 * default) and live streams, and reports cudaErrorInvalidResourceHandle (or a context error) for
 * many stale handles. It CANNOT catch a pointer that was never a stream (the runtime may crash
 * reading it), nor a destroyed handle whose storage now belongs to a new stream (that one looks
 * valid), nor a stream of another device (work queued there runs on that device). */
int32_t gr_cuda_stream_check(void* stream);
/* cudaPointerGetAttributes: memory_type is the cudaMemoryType (0 unregistered host, 1 host,
 * 2 device, 3 managed), device the ordinal that owns the memory (-1 when none). */
int32_t gr_cuda_pointer_info(uint64_t ptr, int32_t* memory_type, int32_t* device);
int32_t gr_cuda_device_synchronize(void);

#ifdef __cplusplus
}
#endif

#endif
