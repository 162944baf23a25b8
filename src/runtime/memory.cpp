#include "runtime/memory.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "core/message.hpp"
#include "runtime/device.hpp"
#include "runtime/device_backend.hpp"
#include "runtime/snapshot_registry.hpp"

namespace advstep::runtime {
namespace {

SnapshotRegistry<BlockList>& blocks() {
  static SnapshotRegistry<BlockList> registry;
  return registry;
}

/// The slots of every block ever allocated, reused once their block is freed. Changed only inside
/// the registry's update (its lock).
struct BlockSlots {
  std::deque<BlockSlot> all;  // a deque never moves its elements
  std::vector<BlockSlot*> unused;

  BlockSlot* take() {
    if (unused.empty()) return &all.emplace_back();
    BlockSlot* slot = unused.back();
    unused.pop_back();
    return slot;
  }
};

BlockSlots& block_slots() {
  static BlockSlots* const slots = new BlockSlots;  // never destroyed: handles may be read after main
  return *slots;
}

class DeviceMemoryDomain final : public core::MemoryDomain {
 public:
  explicit DeviceMemoryDomain(int32_t device) : device_(device) {}

  Status check(const char* api, const char* name, const core::TensorDesc& tensor, int64_t bytes) const override {
    const Block* block = nullptr;
    return check_device_tensor(blocks_now(), device_, api, name, tensor, bytes, block);
  }

 private:
  int32_t device_;
};

}  // namespace

void* allocate(size_t size, MemoryKind kind) {
  static std::atomic<uint64_t> last_id{0};
  const int32_t device = current_device();
  void* address = backend().allocate(size, kind, device);
  if (address == nullptr) return nullptr;
  const auto begin = reinterpret_cast<uintptr_t>(address);
  const uint64_t id = last_id.fetch_add(1, std::memory_order_relaxed) + 1;
  blocks().update([&](BlockList& list) {
    BlockSlot* slot = block_slots().take();
    slot->id.store(id, std::memory_order_release);
    list.insert(Block{id, begin, size, kind, device, slot});
  });
  return address;
}

uint64_t block_id(const void* address, MemoryKind kind) {
  const Block* block = find_block_containing(address, kind);
  return block != nullptr ? block->id : 0;
}

bool is_device_address(const void* address) {
  return find_block_containing(address, MemoryKind::kDevice) != nullptr || backend().is_device_address(address);
}

namespace {

/// Why @p tensor fails the device memory rule (found is the block holding it whole, of another
/// device, or null). Kept out of line: the messages' formatting would weigh on the accepting path.
[[gnu::noinline]] Status refuse_device_tensor(const BlockList& blocks, int32_t device, const char* api,
                                              const char* name, const void* first, int64_t bytes, const Block* found) {
  if (found != nullptr) {
    // Another GPU's memory would be read through peer access, or fault: never what was meant.
    return core::fail(StatusCode::kInvalidArgument, api,
                      core::concat(name, " is memory of another device than the one it would run on"),
                      core::concat("an aclrtMalloc block of device ", device),
                      core::concat("one of device ", found->device, " at ", core::address_string(first)));
  }
  const auto at = reinterpret_cast<uintptr_t>(first);
  const Block* holder = blocks.containing(at, MemoryKind::kDevice);
  if (holder == nullptr) {
    return core::fail(StatusCode::kInvalidArgument, api, core::concat(name, " data must be device memory from aclrtMalloc"),
                      "an address inside a live aclrtMalloc block",
                      core::concat(core::address_string(first), " (host, freed or unknown memory)"));
  }
  const auto room = static_cast<int64_t>(holder->begin + holder->size - at);
  return core::fail(StatusCode::kInvalidArgument, api,
                    core::concat(name, " runs past the end of its aclrtMalloc block of ", holder->size, " bytes"),
                    core::concat("at most ", room, " bytes from ", core::address_string(first)),
                    core::concat(bytes, " bytes"));
}

}  // namespace

Status check_device_tensor(const BlockList& blocks, int32_t device, const char* api, const char* name,
                           const core::TensorDesc& tensor, int64_t bytes, const Block*& block) {
  const void* first = tensor.first();
  const Block* found = blocks.holding(reinterpret_cast<uintptr_t>(first), static_cast<size_t>(bytes), MemoryKind::kDevice);
  if (found != nullptr && found->device == device) {
    block = found;
    return {};
  }
  block = nullptr;
  return refuse_device_tensor(blocks, device, api, name, first, bytes, found);
}

namespace {
/// Operator runs between their memory check and their last write, counted in the epoch they began.
std::atomic<int32_t> g_epoch{0};
std::array<std::atomic<int64_t>, 2> g_runs_in_flight{};
std::mutex g_epoch_closing;
}  // namespace

BlocksInUse::BlocksInUse() : epoch_(g_epoch.load(std::memory_order_acquire)) {
  g_runs_in_flight[static_cast<size_t>(epoch_)].fetch_add(1, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

BlocksInUse::~BlocksInUse() {
  g_runs_in_flight[static_cast<size_t>(epoch_)].fetch_sub(1, std::memory_order_release);
}

bool release(void* address, MemoryKind kind) {
  const auto begin = reinterpret_cast<uintptr_t>(address);
  bool found = false;
  blocks().update([&](BlockList& list) {
    const Block* block = list.starting_at(begin);
    if (block == nullptr || block->kind != kind) return;
    // Handles to the block see it freed from here on (the fence below orders this store before
    // the epoch's close, as it does the list's change).
    block->slot->id.store(0, std::memory_order_relaxed);
    block_slots().unused.push_back(block->slot);
    list.erase(begin);
    found = true;
  });
  if (!found) return false;
  // The block is forgotten: no later check accepts it. A run that accepted it was counted in the
  // current epoch; close it (new runs count in the other) and wait until its runs have ended.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  {
    const std::lock_guard<std::mutex> closing(g_epoch_closing);
    const int32_t closed = g_epoch.load(std::memory_order_relaxed);
    g_epoch.store(1 - closed, std::memory_order_seq_cst);
    while (g_runs_in_flight[static_cast<size_t>(closed)].load(std::memory_order_acquire) != 0) {
      std::this_thread::yield();
    }
  }
  backend().deallocate(address, kind);
  return true;
}

const BlockList& blocks_now() { return blocks().read(); }

const Block* BlockList::containing(uintptr_t address, MemoryKind kind) const {
  // The last block starting at or before address.
  const auto after = std::upper_bound(sorted_.begin(), sorted_.end(), address,
                                      [](uintptr_t at, const Block& block) { return at < block.begin; });
  if (after == sorted_.begin()) return nullptr;
  const Block& block = *(after - 1);
  if (block.kind != kind || address - block.begin >= block.size) return nullptr;
  return &block;
}

const Block* BlockList::holding(uintptr_t address, size_t bytes, MemoryKind kind) const {
  const Block* block = containing(address, kind);
  if (block == nullptr) return nullptr;
  const uintptr_t room = block->begin + block->size - address;
  return bytes <= room ? block : nullptr;
}

const Block* BlockList::starting_at(uintptr_t begin) const {
  const auto at = std::lower_bound(sorted_.begin(), sorted_.end(), begin,
                                   [](const Block& block, uintptr_t value) { return block.begin < value; });
  return at != sorted_.end() && at->begin == begin ? &*at : nullptr;
}

void BlockList::insert(const Block& block) {
  const auto at = std::upper_bound(sorted_.begin(), sorted_.end(), block.begin,
                                   [](uintptr_t begin, const Block& other) { return begin < other.begin; });
  sorted_.insert(at, block);
}

void BlockList::erase(uintptr_t begin) {
  if (const Block* block = starting_at(begin); block != nullptr) sorted_.erase(sorted_.begin() + (block - sorted_.data()));
}

const Block* find_block_containing(const void* address, MemoryKind kind) {
  return blocks_now().containing(reinterpret_cast<uintptr_t>(address), kind);
}

const Block* find_block(const void* address, size_t bytes, MemoryKind kind) {
  return blocks_now().holding(reinterpret_cast<uintptr_t>(address), bytes, kind);
}

const core::MemoryDomain& device_memory_domain(int32_t device) {
  // One per device, made once: the two-phase call must not allocate.
  static const std::vector<DeviceMemoryDomain> domains = [] {
    std::vector<DeviceMemoryDomain> all;
    const uint32_t count = device_count() > 0 ? device_count() : 1;
    all.reserve(count);
    for (uint32_t d = 0; d < count; ++d) all.emplace_back(static_cast<int32_t>(d));
    return all;
  }();
  return domains[static_cast<uint32_t>(device) < domains.size() ? static_cast<size_t>(device) : 0];
}

}  // namespace advstep::runtime
