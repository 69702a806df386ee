#include "thread_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace gr::cpu {
namespace {

// After a loop, workers (and a caller waiting for them) spin this long before sleeping: a
// condition-variable wake-up costs 5-50 microseconds, more than a whole small call, and calls
// often come back to back (training steps, benchmarks). Spinning is bounded, so an idle library
// costs nothing.
constexpr std::chrono::microseconds kSpin{50};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// Spins until done() or kSpin elapsed; returns done().
template <class Done>
bool spin_until(Done done) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1;; ++i) {
    if (done()) return true;
    cpu_relax();
    if ((i & 255) == 0 && std::chrono::steady_clock::now() - start > kSpin) return done();
  }
}

class Pool {
 public:
  Pool() {
    const unsigned hw = std::thread::hardware_concurrency();
    threads_ = hw == 0 ? 1 : (int32_t)hw;
  }
  // Workers are detached and live as long as the process: a JNI library is never unloaded
  // while the JVM runs, and joining threads from a static destructor at exit can deadlock.

  int32_t threads() const { return threads_.load(); }
  void set_threads(int32_t t) { threads_.store(t < 1 ? 1 : t); }

  void run(int64_t tasks, const std::function<void(int64_t)>& body) {
    const int32_t want = threads_.load();
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (tasks <= 1 || want <= 1 || !busy.owns_lock()) {
      for (int64_t t = 0; t < tasks; ++t) body(t);
      return;
    }
    const int32_t helpers = (int32_t)((tasks < want ? tasks : want) - 1);
    ensure_workers(helpers);
    body_ = &body;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    active_.store(helpers, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      const uint64_t generation = generation_.load(std::memory_order_relaxed) + 1;
      seats_.store((generation << 32) | (uint32_t)helpers, std::memory_order_release);
      generation_.store(generation, std::memory_order_release);  // publishes the job
    }
    if (sleepers_.load() > 0) wake_.notify_all();
    drain(body, tasks);
    if (!spin_until([&] { return active_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lock(mu_);
      done_.wait(lock, [&] { return active_.load(std::memory_order_acquire) == 0; });
    }
    body_ = nullptr;
  }

 private:
  void drain(const std::function<void(int64_t)>& body, int64_t tasks) {
    for (int64_t t = next_.fetch_add(1); t < tasks; t = next_.fetch_add(1)) body(t);
  }

  // Only `helpers` workers join a loop: a seat is (generation << 32 | seats left), so a worker
  // can only take a seat of the loop whose generation it has seen, never a later loop's while it
  // still holds a stale view of the job.
  bool take_seat(uint64_t generation) {
    uint64_t s = seats_.load(std::memory_order_acquire);
    while ((s >> 32) == (generation & 0xFFFFFFFFu) && (s & 0xFFFFFFFFu) != 0) {
      if (seats_.compare_exchange_weak(s, s - 1, std::memory_order_acq_rel)) return true;
    }
    return false;
  }

  // Called before the job is published: a new worker starts from the current generation, so
  // the job about to be published is fresh to it.
  void ensure_workers(int32_t n) {
    const uint64_t current = generation_.load(std::memory_order_acquire);
    while ((int32_t)started_ < n) {
      std::thread([this, current] { work(current); }).detach();
      ++started_;
    }
  }

  void work(uint64_t seen) {
    for (;;) {
      auto fresh = [&] { return generation_.load(std::memory_order_acquire) != seen; };
      if (!spin_until(fresh)) {
        std::unique_lock<std::mutex> lock(mu_);
        ++sleepers_;
        wake_.wait(lock, fresh);
        --sleepers_;
      }
      seen = generation_.load(std::memory_order_acquire);
      if (!take_seat(seen)) continue;
      drain(*body_, tasks_);
      if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mu_);
        done_.notify_one();
      }
    }
  }

  std::atomic<int32_t> threads_{1};
  std::mutex busy_;  // held by the one caller whose loop the workers run
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t)>* body_ = nullptr;
  int64_t tasks_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<int32_t> active_{0}, sleepers_{0};
  std::atomic<uint64_t> generation_{0}, seats_{0};
  uint32_t started_ = 0;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: see the note on detached workers
  return *p;
}

}  // namespace

void parallel_for(int64_t tasks, const std::function<void(int64_t)>& body) {
  pool().run(tasks, body);
}
int32_t pool_threads() { return pool().threads(); }
void set_pool_threads(int32_t threads) { pool().set_threads(threads); }

}  // namespace gr::cpu
