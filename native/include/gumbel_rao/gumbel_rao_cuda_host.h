/* Host-memory calls of the CUDA backend: the operations of gumbel_rao.h on host memory (Java
 * arrays in a critical region, or direct buffers), run on a GPU.
 *
 * Each call, on the calling thread: copies the inputs into page-locked staging memory, queues an
 * asynchronous copy to device memory, the kernel and the copy back on the thread's own stream on
 * `device`, synchronises that stream, copies the outputs out of the staging memory and decodes
 * the device status word. Staging memory, device memory and the stream belong to the calling
 * thread and grow as needed, so threads never wait for each other. Returns a gr_status of
 * gumbel_rao.h: 0, the data error of the lowest bad row, or gr_status_make(GR_CUDA_ERROR, e) for
 * a cudaError_t e (gr_cuda_error_string says what it is).
 */
#ifndef GUMBEL_RAO_GUMBEL_RAO_CUDA_HOST_H
#define GUMBEL_RAO_GUMBEL_RAO_CUDA_HOST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

int64_t gr_cuda_host_sample(int32_t device, const float* logits, int64_t rows, int32_t arity,
                            uint64_t seed, uint32_t offset, int32_t* choice, float* one_hot);

int64_t gr_cuda_host_conditional_gumbel(int32_t device, const float* logits,
                                        const int32_t* choice, int64_t rows, int32_t arity,
                                        int32_t samples, uint64_t seed, uint32_t offset,
                                        float* noise);

int64_t gr_cuda_host_gumbel_rao_backward(int32_t device, const float* logits,
                                         const int32_t* choice, const float* upstream,
                                         int64_t rows, int32_t arity, int32_t samples, float tau,
                                         uint64_t seed, uint32_t offset, float* grad);

int64_t gr_cuda_host_gumbel_softmax_forward(int32_t device, const float* logits, int64_t rows,
                                            int32_t arity, float tau, uint64_t seed,
                                            uint32_t offset, float* soft);

int64_t gr_cuda_host_gumbel_softmax_backward(int32_t device, const float* logits,
                                             const float* upstream, int64_t rows, int32_t arity,
                                             float tau, uint64_t seed, uint32_t offset,
                                             float* grad);

int64_t gr_cuda_host_straight_through_backward(int32_t device, const float* logits,
                                               const float* upstream, int64_t rows,
                                               int32_t arity, float tau, float* grad);

int64_t gr_cuda_host_reinforce_backward(int32_t device, const float* logits,
                                        const int32_t* choice, const float* losses,
                                        float baseline, int64_t rows, int32_t arity,
                                        float* grad);

/* The estimators beyond the paper (gumbel_rao.h). */
int64_t gr_cuda_host_binary_sample(int32_t device, const float* logits, int64_t rows,
                                   uint64_t seed, uint32_t offset, int32_t antithetic,
                                   int32_t* choice, float* values);

int64_t gr_cuda_host_gumbel_rao_total_backward(int32_t device, const float* logits,
                                               const int32_t* choice, const float* upstream,
                                               int64_t rows, int32_t arity, int32_t samples,
                                               float tau, uint64_t seed, uint32_t offset,
                                               float* grad);

int64_t gr_cuda_host_zgr_backward(int32_t device, const float* logits, const int32_t* choice,
                                  const float* upstream, int64_t rows, int32_t arity,
                                  float* grad);

int64_t gr_cuda_host_zgr_binary_backward(int32_t device, const float* logits,
                                         const int32_t* choice, const float* upstream,
                                         int64_t rows, float* grad);

int64_t gr_cuda_host_reinmax_backward(int32_t device, const float* logits, const int32_t* choice,
                                      const float* upstream, int64_t rows, int32_t arity,
                                      float tau, float* grad);

int64_t gr_cuda_host_gst_backward(int32_t device, const float* logits, const int32_t* choice,
                                  const float* upstream, int64_t rows, int32_t arity, float tau,
                                  float gap, float* grad);

int64_t gr_cuda_host_rloo_backward(int32_t device, const float* logits, const int32_t* choice,
                                   const float* losses, int64_t rows, int32_t arity,
                                   int32_t samples, float* grad);

int64_t gr_cuda_host_disarm_backward(int32_t device, const float* logits, const int32_t* choice,
                                     const float* losses, int64_t rows, float* grad);

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

#ifdef __cplusplus
}
#endif

#endif
