// Counts heap allocations and mutex locks on the hot path of a warm call: the C API's phase 1 +
// phase 2 + aclrtSynchronizeStream on an eager stream, and the native API. Exits 1 when a warm
// call allocated or locked. It replaces operator new and interposes pthread_mutex_lock, which the
// library reaches through the dynamic linker.
#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "advstep/advance_step.hpp"
#include "c_api_call.hpp"
#include "workload.hpp"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
std::atomic<long> g_locks{0};

void* counted_allocation(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) {
  return counted_allocation(size);
}
void* operator new[](std::size_t size) {
  return counted_allocation(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

extern "C" int pthread_mutex_lock(pthread_mutex_t* mutex) {
  using Lock = int (*)(pthread_mutex_t*);
  static const auto real = reinterpret_cast<Lock>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
  if (g_counting.load(std::memory_order_relaxed)) g_locks.fetch_add(1, std::memory_order_relaxed);
  return real(mutex);
}

namespace advstep::bench {
namespace {

constexpr int kWarmCalls = 8;
constexpr int kCountedCalls = 200;

/// Runs @p call warm, then counts what kCountedCalls more calls allocate and lock.
template <typename Call>
bool audit(const char* name, Workload& w, Call&& call) {
  for (int k = 0; k < kWarmCalls; ++k) {
    w.reset();
    if (!call()) return false;
  }
  g_allocations = 0;
  g_locks = 0;
  bool ok = true;
  for (int k = 0; k < kCountedCalls && ok; ++k) {
    if (k % kResetEvery == 0) w.reset();  // outside the counting: a memcpy, but keep it honest
    g_counting = true;
    ok = call();
    g_counting = false;
  }
  std::printf("%-28s %6ld allocations %6ld locks in %d warm calls%s\n", name, g_allocations.load(), g_locks.load(),
              kCountedCalls, ok ? "" : " (a call failed)");
  return ok && g_allocations == 0 && g_locks == 0;
}

bool audit_case(const Case& c) {
  Workload w(c);
  CApiCall c_api(w);
  bool ok = audit((std::string("c_api/") + c.key()).c_str(), w, [&] { return c_api.run() == nullptr; });
  const TensorView tokens = view(w.input_tokens, {c.cells()});
  const TensorView positions = view(w.input_positions, {c.cells()});
  const TensorView seq_lens = view(w.seq_lens, {c.cells()});
  const TensorView slots = view(w.slot_mapping, {c.cells()});
  const TensorView table = view(w.block_tables, {c.num_seqs(), c.width});
  const int64_t e = c.spec_num + 1;
  const TensorView sampled = c.version == 1 ? view(w.sampled_token_ids, {c.n, 1}) : view(w.sampled_token_ids, {c.n, e});
  const Step step =
      c.version == 1 ? Step{DecodeStep{tokens, sampled, positions, seq_lens, slots, table, c.num_seqs(),
                                       c.num_queries(), c.block_size}}
                     : Step{SpeculativeStep{tokens, sampled, positions, seq_lens, slots, table, c.n, c.n, c.block_size,
                                            view(w.spec_token, {c.n, c.spec_num}), view(w.accepted_num, {c.n})}};
  ok = audit((std::string("native/") + c.key()).c_str(), w,
             [&] {
               try {
                 advance_step(step);
               } catch (const Error& error) {
                 std::printf("%s\n", error.what());
                 return false;
               }
               return true;
             }) &&
       ok;
  return ok;
}

}  // namespace
}  // namespace advstep::bench

int main() {
  using advstep::bench::Case;
  if (aclInit(nullptr) != ACL_SUCCESS || aclrtSetDevice(0) != ACL_SUCCESS) return 2;
  bool ok = true;
  // Small and large (threaded) batches, both operators.
  for (const Case& c :
       {Case{1, 1, 16, 16, 3}, Case{1, 65536, 16, 16, 3}, Case{2, 1, 16, 16, 3}, Case{2, 65536, 48, 16, 3}}) {
    ok = advstep::bench::audit_case(c) && ok;
  }
  advstep::bench::CApiCall::release_stream();
  (void)aclrtResetDevice(0);
  (void)aclFinalize();
  std::printf("%s\n", ok ? "hot path: no allocation, no lock" : "hot path: allocations or locks found");
  return ok ? 0 : 1;
}
