/* The C interface of the CUDA backend (gr_cuda_*). Plain C with <stdint.h> types only, so that
 * JavaCPP binds it without CUDA headers.
 *
 * Conventions, beyond those of gumbel_rao.h (same operations, same argument order, same
 * semantics as the gr_cpu_* functions):
 *  - every pointer argument of an operation is a DEVICE pointer (or managed memory);
 *  - `stream` is a cudaStream_t: 0 is the legacy default stream; work is queued on it and
 *    nothing synchronises the host;
 *  - the return value is the cudaError_t (as int32_t, 0 = cudaSuccess) of queuing the work: an
 *    argument the library rejects before launching (rows < 0, arity < 1, samples < 1, tau not a
 *    finite positive number, a NULL output) gives cudaErrorInvalidValue (1); errors of kernels
 *    that already ran on the stream may surface here too, as with any CUDA call;
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

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ status word */
/* Sets *status to all ones (no bad row) on `stream`; a NULL status does nothing. */
int32_t gr_cuda_status_reset(uint64_t* status, void* stream);
/* Host function: 0 for all ones, else the gr_status of gumbel_rao.h (code << 40 | row). */
int64_t gr_cuda_status_decode(uint64_t word);

/* ------------------------------------------------------------------ operations */
/* D = argmax_j(theta_j + G_j) with the forward noise (slot 0); one_hot may be NULL. */
int32_t gr_cuda_sample(const float* logits, int64_t rows, int32_t arity, uint64_t seed,
                       uint32_t offset, int32_t* choice, float* one_hot, uint64_t* status,
                       void* stream);

/* K conditional samples of the Gumbel noise given D, written as noise[k][row][column]. */
int32_t gr_cuda_conditional_gumbel(const float* logits, const int32_t* choice, int64_t rows,
                                   int32_t arity, int32_t samples, uint64_t seed,
                                   uint32_t offset, float* noise, uint64_t* status,
                                   void* stream);

/* Gumbel-Rao (GR-MCK) backward: (1/(K tau)) sum_k J(softmax(z^k/tau))^T g. */
int32_t gr_cuda_gumbel_rao_backward(const float* logits, const int32_t* choice,
                                    const float* upstream, int64_t rows, int32_t arity,
                                    int32_t samples, float tau, uint64_t seed, uint32_t offset,
                                    float* grad, uint64_t* status, void* stream);

/* Gumbel-Softmax forward: y = softmax((theta + G)/tau) with the forward noise (slot 0). */
int32_t gr_cuda_gumbel_softmax_forward(const float* logits, int64_t rows, int32_t arity,
                                       float tau, uint64_t seed, uint32_t offset, float* soft,
                                       uint64_t* status, void* stream);

/* J(y)^T g / tau at y = softmax((theta + G)/tau), G the forward noise (ST-GS and GS). */
int32_t gr_cuda_gumbel_softmax_backward(const float* logits, const float* upstream,
                                        int64_t rows, int32_t arity, float tau, uint64_t seed,
                                        uint32_t offset, float* grad, uint64_t* status,
                                        void* stream);

/* Straight-through backward: J(softmax(theta/tau))^T g / tau. */
int32_t gr_cuda_straight_through_backward(const float* logits, const float* upstream,
                                          int64_t rows, int32_t arity, float tau, float* grad,
                                          uint64_t* status, void* stream);

/* REINFORCE with a baseline: grad = (f_row - baseline) * (onehot(D) - softmax(theta)). */
int32_t gr_cuda_reinforce_backward(const float* logits, const int32_t* choice,
                                   const float* losses, float baseline, int64_t rows,
                                   int32_t arity, float* grad, uint64_t* status, void* stream);

/* ---------------------------------------------------------------- estimators beyond the paper */
/* Binary variables (one logit eta per row): b = [eta + L > 0], L = log u - log(1 - u) from the forward noise of column 0; with antithetic != 0 also b~ = [eta - L > 0] as a second draw, choice (and values, which may be NULL) laid out [draw][row]. */
int32_t gr_cuda_binary_sample(const float* logits, int64_t rows, uint64_t seed, uint32_t offset,
                              int32_t antithetic, int32_t* choice, float* values,
                              uint64_t* status, void* stream);

/* Gumbel-Rao with the total derivative through the conditional noise (math.h, gumbel_rao_total_*). */
int32_t gr_cuda_gumbel_rao_total_backward(const float* logits, const int32_t* choice,
                                          const float* upstream, int64_t rows, int32_t arity,
                                          int32_t samples, float tau, uint64_t seed,
                                          uint32_t offset, float* grad, uint64_t* status,
                                          void* stream);

/* ZGR: 1/2 [J(p) g + (g_D - <p, g>)(e_D - p)] (math.h, zgr_grad). */
int32_t gr_cuda_zgr_backward(const float* logits, const int32_t* choice, const float* upstream,
                             int64_t rows, int32_t arity, float* grad, uint64_t* status,
                             void* stream);

/* ZGR for binary variables (one logit eta per row, choice b in {0, 1}): g sigmoid(b ? -eta : eta) / 2. */
int32_t gr_cuda_zgr_binary_backward(const float* logits, const int32_t* choice,
                                    const float* upstream, int64_t rows, float* grad,
                                    uint64_t* status, void* stream);

/* ReinMax: 2 J(pi) g - 1/2 J(p) g, pi = (softmax(theta / tau) + e_D) / 2 (math.h, reinmax_*). */
int32_t gr_cuda_reinmax_backward(const float* logits, const int32_t* choice,
                                 const float* upstream, int64_t rows, int32_t arity, float tau,
                                 float* grad, uint64_t* status, void* stream);

/* Gapped straight-through: J(s) g / tau, s = softmax(theta' / tau) (math.h, gst_*); gap > 0, or 0 for GST-p. */
int32_t gr_cuda_gst_backward(const float* logits, const int32_t* choice, const float* upstream,
                             int64_t rows, int32_t arity, float tau, float gap, float* grad,
                             uint64_t* status, void* stream);

/* RLOO: choice and losses [samples][rows]; 1/(S - 1) sum_s (f_s - mean f)(e_{D_s} - p) (math.h, rloo_term). */
int32_t gr_cuda_rloo_backward(const float* logits, const int32_t* choice, const float* losses,
                              int64_t rows, int32_t arity, int32_t samples, float* grad,
                              uint64_t* status, void* stream);

/* DisARM (binary, one logit per row): choice and losses [2][rows], b and b~ (math.h, disarm_grad). */
int32_t gr_cuda_disarm_backward(const float* logits, const int32_t* choice, const float* losses,
                                int64_t rows, float* grad, uint64_t* status, void* stream);

/* 1 when the kernels were built with GR_CUDA_PRECISE_MATH (log2f/exp2f instead of the hardware
 * approximations), 0 otherwise; -1 when the library has no CUDA code. */
int32_t gr_cuda_precise_math(void);

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
