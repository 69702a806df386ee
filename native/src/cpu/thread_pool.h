// A fixed pool of worker threads for the CPU backend (plain std::thread: no OpenMP runtime to
// link). One parallel loop runs at a time; a caller that finds the pool busy (another Java thread
// is using it) runs its loop on its own thread, which is correct and keeps both callers busy.
#pragma once

#include <stdint.h>

#include <functional>

namespace gr::cpu {

// Runs body(task) for every task in [0, tasks), spread over the pool and the calling thread.
// Returns once every task has finished.
void parallel_for(int64_t tasks, const std::function<void(int64_t)>& body);

// Threads a parallel loop may use (the caller included); at least 1.
int32_t pool_threads();
void set_pool_threads(int32_t threads);

}  // namespace gr::cpu
