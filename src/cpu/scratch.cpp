#include "cpu/scratch.hpp"

#include <cstdlib>
#include <memory>
#include <new>

namespace advstep::cpu {
namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kMinimum = 64 * 1024;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

struct Scratch {
  std::unique_ptr<void, FreeDeleter> memory;
  std::size_t size = 0;
};

}  // namespace

void* thread_scratch(std::size_t bytes) {
  thread_local Scratch scratch;
  if (bytes > scratch.size) {
    std::size_t size = scratch.size < kMinimum ? kMinimum : scratch.size;
    while (size < bytes) size *= 2;
    scratch.memory.reset();  // the old contents are not needed: free first, keep the peak low
    scratch.size = 0;
    void* memory = std::aligned_alloc(kAlignment, size);
    if (memory == nullptr) throw std::bad_alloc();
    scratch.memory.reset(memory);
    scratch.size = size;
  }
  return scratch.memory.get();
}

}  // namespace advstep::cpu
