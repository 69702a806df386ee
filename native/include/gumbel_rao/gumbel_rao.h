/* The C interface of the native library: where a call runs (gr_place), the statuses every
 * operation returns, the CPU backend's configuration (gr_cpu_*) and the CUDA runtime probe
 * (gr_cuda_*). The operations themselves are declared in gumbel_rao/operations.h, which the build
 * generates from native/operations.txt (one entry point per operation, for every place). The
 * Java binding (dev.gumbelrao.backends.NativeRuntime and NativeOperations) calls exactly these.
 *
 * Conventions, for every operation:
 *  - a batch is `rows` rows of `arity` classes, row-major, contiguous float32 logits;
 *  - `choice` holds one class index per row (the sample D);
 *  - (seed, offset, first_row) select the noise, see the counter layout in gumbel_rao/math.h:
 *    first_row is the index of this call's row 0 in the whole batch, so that a batch split into
 *    calls (chunks, workers) draws, row for row, the unsplit call's noise; 0 for a whole batch;
 *    first_row + rows <= 2^32;
 *  - shapes, scalars and required arrays are checked by the entry point (GR_INVALID_ARGUMENT;
 *    the Java layer checks them first, naming the argument); the values that only the
 *    data shows (NaN or +inf logits, a row with no finite logit, a choice out of range or on a
 *    masked class, a NaN or infinite upstream gradient at an unmasked class) are checked here,
 *    row by row, before that row's outputs are written; a masked class's upstream value is never
 *    read (its gradient is exactly 0), and a gradient that does not fit a float is reported
 *    (GR_GRAD_OVERFLOW) instead of written as +-inf;
 *  - the return value is a status: 0 on success, else gr_status_make(code, row) where row is the
 *    LOWEST offending row, so the report does not depend on thread timing. Outputs of other rows
 *    are unspecified when the status is not 0.
 */
#ifndef GUMBEL_RAO_GUMBEL_RAO_H
#define GUMBEL_RAO_GUMBEL_RAO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum gr_code {
  GR_OK = 0,
  GR_LOGITS_NAN = 1,       /* a logit is NaN */
  GR_LOGITS_POS_INF = 2,   /* a logit is +inf */
  GR_ROW_ALL_MASKED = 3,   /* every logit of the row is -inf */
  GR_CHOICE_RANGE = 4,     /* choice outside [0, arity) */
  GR_CHOICE_MASKED = 5,    /* choice names a class whose logit is -inf (binary: b = 0 at eta = +inf, b = 1 at -inf) */
  GR_OUT_OF_MEMORY = 6,    /* scratch allocation failed */
  GR_CUDA_ERROR = 7,       /* a CUDA call failed; the row field holds the cudaError_t */
  GR_UPSTREAM_NOT_FINITE = 8, /* an upstream gradient at an unmasked class is NaN or +-inf */
  GR_GRAD_OVERFLOW = 9,    /* a gradient component exceeds the float range */
  GR_CANCELLED = 10,       /* the call was cancelled (the Java caller was interrupted) */
  GR_NOISE_OVERFLOW = 11,  /* conditional noise beyond the float range: D's logit lies more than
                              3.4e38 below the row's log-sum-exp */
  GR_LOSSES_NOT_FINITE = 12, /* a loss of the row is NaN or +-inf (RLOO, DisARM; checked after the
                                row's logits and draws) */
  GR_INVALID_ARGUMENT = 13  /* a shape, scalar or missing array that operations.txt rules out
                               (rows < 0, arity < 1, K < 1, tau not finite and > 0, a NULL
                               required array, rows > 2^31 - 1 on a CUDA stream); row is 0 */
};

/* Where a call runs. NULL stands for the CPU. */
enum gr_place_kind {
  GR_ON_CPU = 0,         /* host memory, the CPU kernels (the instruction set of gr_cpu_isa) */
  GR_ON_CUDA_STAGED = 1, /* host memory, staged through the calling thread's page-locked and
                            device memory of CUDA device `device`, synchronised: the call returns
                            when the outputs are back (gumbel_rao_cuda.h, "host memory") */
  GR_ON_CUDA = 2         /* device memory of `device`, queued on `stream` without synchronising;
                            data errors go to the device status word `status` (may be NULL),
                            the return value says whether the work was queued */
};
typedef struct gr_place {
  int32_t kind;     /* gr_place_kind */
  int32_t device;   /* the CUDA device ordinal (GR_ON_CUDA_STAGED, GR_ON_CUDA) */
  void* stream;     /* GR_ON_CUDA: the cudaStream_t (0: the legacy default stream) */
  uint64_t* status; /* GR_ON_CUDA: the device status word (gumbel_rao_cuda.h), or NULL */
} gr_place;

/* status = code << 40 | row; rows < 2^31 always fit. */
static inline int64_t gr_status_make(int64_t code, int64_t row) { return (code << 40) | row; }
static inline int64_t gr_status_code(int64_t status) { return status >> 40; }
static inline int64_t gr_status_row(int64_t status) { return status & ((INT64_C(1) << 40) - 1); }

/* The instruction set the CPU kernels dispatch to: "avx512", "avx2" or "x86-64". */
const char* gr_cpu_isa(void);
/* Chooses the instruction set by name (only one the CPU supports); returns 0, or -1 when the
 * name is unknown or unsupported here. For tests that compare the variants. */
int32_t gr_cpu_set_isa(const char* isa);
/* Worker threads of the CPU backend (default: the machine's hardware threads). */
int32_t gr_cpu_threads(void);
void gr_cpu_set_threads(int32_t threads);

/* Cancellation of long calls. After gr_cpu_set_cancel_flag(flag), the calls this thread makes
 * read *flag (a relaxed atomic load, on every worker) once per row, tile of rows or chunk of
 * 1024 draws, and end soon after it becomes nonzero with gr_status_make(GR_CANCELLED, row), row
 * being a row that was not finished. NULL (every thread's initial state) makes calls
 * uncancellable. The flag must stay valid until the thread sets another one or NULL; whoever
 * cancels writes a nonzero value to it from any thread. (Java: CancelWatch sets a flag per long
 * call and writes it when the calling thread is interrupted.) */
void gr_cpu_set_cancel_flag(const int32_t* flag);

/* Returns its argument: JavaCPP passes a direct NIO buffer as the address of its position, so
 * this gives Java that address without reflection. */
intptr_t gr_address(const void* pointer);

/* Self-checks exposed for the test suite. */
/* Number of the 2^32 generator words whose uniform is not strictly inside (0, 1). */
int64_t gr_cpu_uniform_map_violations(void);
/* y[i] = f(x[i]) for f = 0: fast_log2, 1: fast_exp2, 2: fast_exp2_nonpositive (math.h, host). */
void gr_cpu_eval_math(int32_t function, const float* x, float* y, int64_t n);
/* The uniforms u[0..arity) of one row at one slot, as the active instruction set's kernels draw
 * them (Philox on vector lanes): must equal the scalar contract on every machine. */
void gr_cpu_uniforms(uint64_t seed, uint32_t offset, int64_t row, uint32_t slot, int32_t arity,
                     float* u);
/* The four words of Philox4x32-10 at (quad, row, slot, offset) under seed. */
void gr_cpu_philox(uint64_t seed, uint32_t quad, uint32_t row, uint32_t slot, uint32_t offset,
                   int32_t* words);

/* CUDA runtime probe. Returns the cudaError_t of cudaGetDeviceCount (0: success) and the
 * number of devices; -1 when the library was built without CUDA. */
int32_t gr_cuda_device_count(int32_t* count);
/* cudaGetErrorString, or a fixed message when built without CUDA. */
const char* gr_cuda_error_string(int32_t error);
/* Name of device `ordinal` and the driver version; returns the cudaError_t. */
int32_t gr_cuda_device_name(int32_t ordinal, char* name, int32_t capacity);
int32_t gr_cuda_driver_version(int32_t* version);
/* 1 when the library was built with CUDA. */
int32_t gr_cuda_compiled(void);
/* The NVIDIA driver, looked up without the CUDA runtime: 0 when libcuda.so.1 loads (its version,
 * e.g. 12080 for 12.8, in *driver_version), 1 when there is no driver library, 2 when it loads but
 * does not report a version. */
int32_t gr_cuda_driver_probe(int32_t* driver_version);
/* The CUDA runtime version this library was built with (e.g. 13000), -1 without CUDA. */
int32_t gr_cuda_runtime_version(void);

#ifdef __cplusplus
}
#endif

#endif
