#include "thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace gr {
namespace cpu {
namespace {

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
    {
      std::lock_guard<std::mutex> lock(mu_);
      body_ = &body;
      tasks_ = tasks;
      next_.store(0);
      active_ = helpers;
      invited_ = helpers;
      ++generation_;
    }
    wake_.notify_all();
    drain(body, tasks);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [&] { return active_ == 0; });
    body_ = nullptr;
  }

 private:
  void drain(const std::function<void(int64_t)>& body, int64_t tasks) {
    for (int64_t t = next_.fetch_add(1); t < tasks; t = next_.fetch_add(1)) body(t);
  }

  void ensure_workers(int32_t n) {
    while ((int32_t)started_ < n) {
      std::thread([this] { work(); }).detach();
      ++started_;
    }
  }

  void work() {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int64_t)>* body;
      int64_t tasks;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return generation_ != seen && invited_ > 0; });
        seen = generation_;
        --invited_;
        body = body_;
        tasks = tasks_;
      }
      drain(*body, tasks);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (--active_ == 0) done_.notify_one();
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
  int32_t active_ = 0, invited_ = 0;
  uint64_t generation_ = 0;
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

}  // namespace cpu
}  // namespace gr
