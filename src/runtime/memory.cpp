#include "runtime/memory.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "core/message.hpp"
#include "runtime/device.hpp"
#include "runtime/device_backend.hpp"
#include "runtime/snapshot_registry.hpp"

namespace advstep::runtime {
namespace {

using BlockMap = std::map<uintptr_t, Block>;

SnapshotRegistry<BlockMap>& blocks() {
  static SnapshotRegistry<BlockMap> registry;
  return registry;
}

class DeviceMemoryDomain final : public core::MemoryDomain {
 public:
  explicit DeviceMemoryDomain(int32_t device) : device_(device) {}

  Status check(const char* api, const char* name, const core::TensorDesc& tensor, int64_t bytes) const override {
    const void* first = tensor.first();
    if (const Block* block = find_block(first, static_cast<size_t>(bytes), MemoryKind::kDevice); block != nullptr) {
      if (block->device == device_) return {};
      // Another GPU's memory would be read through peer access, or fault: never what was meant.
      return core::fail(StatusCode::kInvalidArgument, api,
                        core::concat(name, " is memory of another device than the one it would run on"),
                        core::concat("an aclrtMalloc block of device ", device_),
                        core::concat("one of device ", block->device, " at ", core::address_string(first)));
    }
    const Block* holder = find_block_containing(first, MemoryKind::kDevice);
    if (holder == nullptr) {
      return core::fail(StatusCode::kInvalidArgument, api,
                        core::concat(name, " data must be device memory from aclrtMalloc"),
                        "an address inside a live aclrtMalloc block",
                        core::concat(core::address_string(first), " (host, freed or unknown memory)"));
    }
    const auto room = static_cast<int64_t>(holder->begin + holder->size - reinterpret_cast<uintptr_t>(first));
    return core::fail(StatusCode::kInvalidArgument, api,
                      core::concat(name, " runs past the end of its aclrtMalloc block of ", holder->size, " bytes"),
                      core::concat("at most ", room, " bytes from ", core::address_string(first)),
                      core::concat(bytes, " bytes"));
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
  blocks().update([&](BlockMap& map) { map[begin] = Block{id, begin, size, kind, device}; });
  return address;
}

uint64_t block_id(const void* address, MemoryKind kind) {
  const Block* block = find_block_containing(address, kind);
  return block != nullptr ? block->id : 0;
}

bool is_device_address(const void* address) {
  return find_block_containing(address, MemoryKind::kDevice) != nullptr || backend().is_device_address(address);
}

PlanBlocks blocks_of(const core::Plan& plan) {
  PlanBlocks blocks;
  for (int32_t role = 0; role < plan.role_count(); ++role) {
    const core::TensorDesc& tensor = plan.tensors[static_cast<size_t>(role)];
    if (tensor.data != nullptr) blocks.ids[static_cast<size_t>(role)] = block_id(tensor.first(), MemoryKind::kDevice);
  }
  return blocks;
}

Status check_blocks_unchanged(const core::Plan& plan, const PlanBlocks& queued) {
  for (int32_t role = 0; role < plan.role_count(); ++role) {
    const uint64_t then = queued.ids[static_cast<size_t>(role)];
    const core::TensorDesc& tensor = plan.tensors[static_cast<size_t>(role)];
    if (then == 0 || tensor.data == nullptr) continue;
    const Block* now = find_block_containing(tensor.first(), MemoryKind::kDevice);
    if (now != nullptr && now->id == then) continue;
    const char* name = core::role_name(static_cast<core::TensorRole>(role), plan.contract);
    return core::fail(StatusCode::kInvalidArgument, plan.api,
                      core::concat(name, "'s aclrtMalloc block was freed after the step was queued"),
                      "the block to stay allocated until the stream is synchronised",
                      core::concat("a freed block at ", core::address_string(tensor.first()),
                                   now != nullptr ? " (since allocated again to another owner)" : ""));
  }
  return {};
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
  blocks().update([&](BlockMap& map) {
    const auto it = map.find(begin);
    if (it == map.end() || it->second.kind != kind) return;
    map.erase(it);
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

const Block* find_block_containing(const void* address, MemoryKind kind) {
  const BlockMap& map = blocks().read();
  const auto at = reinterpret_cast<uintptr_t>(address);
  auto it = map.upper_bound(at);
  if (it == map.begin()) return nullptr;
  --it;
  const Block& block = it->second;
  if (block.kind != kind || at >= block.begin + block.size) return nullptr;
  return &block;
}

const Block* find_block(const void* address, size_t bytes, MemoryKind kind) {
  const Block* block = find_block_containing(address, kind);
  if (block == nullptr) return nullptr;
  const uintptr_t room = block->begin + block->size - reinterpret_cast<uintptr_t>(address);
  return bytes <= room ? block : nullptr;
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
