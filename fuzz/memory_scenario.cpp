#include "memory_scenario.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "aclnn/aclnn_base.h"
#include "aclnnop/aclnn_advance_step.h"

namespace advstep::fuzz {
namespace {

constexpr size_t kSlots = 4;
constexpr size_t kHostBytes = 4096;
constexpr size_t kMaxBlock = 8192;
constexpr int kMaxCalls = 48;

/// How the memory scenarios' calls ended, printed at exit when ADVSTEP_FUZZ_STATS is set.
struct MemoryOutcomes {
  int64_t scenarios = 0, transfers_done = 0, transfers_refused = 0, queued_refused = 0, frees = 0, setter_rounds = 0;
  ~MemoryOutcomes() {
    if (std::getenv("ADVSTEP_FUZZ_STATS") == nullptr) return;
    std::fprintf(stderr,
                 "memory scenarios: %lld, copies/fills done %lld, refused at the call %lld, queued ones refused at "
                 "synchronisation (block freed) %lld, frees %lld, address-setter rounds %lld\n",
                 static_cast<long long>(scenarios), static_cast<long long>(transfers_done),
                 static_cast<long long>(transfers_refused), static_cast<long long>(queued_refused),
                 static_cast<long long>(frees), static_cast<long long>(setter_rounds));
  }
};
MemoryOutcomes memory_outcomes;

/// A C caller's integer where the header names an enum: usually near the valid values, sometimes any.
template <typename Enum>
Enum raw_enum(FuzzedDataProvider& in, int32_t low, int32_t high) {
  const int32_t value = in.ConsumeBool() ? in.ConsumeIntegralInRange<int32_t>(low, high) : in.ConsumeIntegral<int32_t>();
  return static_cast<Enum>(value);
}

/// One live block of the model: its address, size, generation and the bytes it must hold.
struct Slot {
  uint8_t* address = nullptr;
  size_t size = 0;
  uint64_t generation = 0;  ///< changes with every allocation into the slot
  std::vector<uint8_t> bytes;
};

/// Where one side of a copy or fill points, as the model sees it at the call.
struct Side {
  void* address = nullptr;
  int32_t slot = -1;         ///< a live slot holding the whole range, or -1
  size_t offset = 0;         ///< into the slot, or into the host buffer
  bool host = false;         ///< the harness's host buffer, with room for the count
  bool device_bad = false;   ///< device memory that is no live block with room: must be refused
  uint64_t generation = 0;
};

/// A copy or fill that was accepted: applied to the model now (eager), or at synchronisation.
struct Work {
  bool fill = false;
  Side dst, src;
  size_t count = 0;
  uint8_t value = 0;
};

class MemoryModel {
 public:
  explicit MemoryModel(const Streams& streams) : streams_(streams), host_(kHostBytes), host_model_(kHostBytes) {
    for (size_t i = 0; i < kHostBytes; ++i) host_[i] = host_model_[i] = static_cast<uint8_t>(i * 7);
  }
  ~MemoryModel() {
    (void)aclrtSynchronizeStream(streams_.deferred);  // nothing queued may outlive the blocks' owner
    for (Slot& slot : slots_) {
      if (slot.address != nullptr) (void)aclrtFree(slot.address);
    }
    (void)aclGetRecentErrMsg();
  }
  MemoryModel(const MemoryModel&) = delete;
  MemoryModel& operator=(const MemoryModel&) = delete;

  void step(FuzzedDataProvider& in) {
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
      case 0: allocate(in); break;
      case 1: free_slot(in); break;
      case 2: case 3: transfer(in, false, in.ConsumeBool()); break;
      case 4: case 5: transfer(in, true, in.ConsumeBool()); break;
      case 6: synchronise(in.ConsumeBool()); break;
      case 7: address_setters(in); break;
      default: raw_values(in); break;
    }
  }

  /// Every live slot and the host buffer hold what the model says (after the queue has run).
  void check(const char* when) {
    for (const Slot& slot : slots_) {
      if (slot.address == nullptr) continue;
      expect(std::memcmp(slot.address, slot.bytes.data(), slot.size) == 0, "a block's bytes differ from the model", when);
    }
    expect(host_ == host_model_, "the host buffer differs from the model", when);
  }

  void finish() {
    synchronise(false);
    check("at the end");
  }

 private:
  void allocate(FuzzedDataProvider& in) {
    Slot& slot = slots_[in.ConsumeIntegralInRange<size_t>(0, kSlots - 1)];
    if (slot.address != nullptr) return;
    const size_t size = in.ConsumeIntegralInRange<size_t>(1, kMaxBlock);
    void* address = nullptr;
    if (aclrtMalloc(&address, size, raw_enum<aclrtMemMallocPolicy>(in, -1, 9)) != ACL_SUCCESS) {
      expect(address == nullptr, "a refused aclrtMalloc set its pointer");
      expect(aclGetRecentErrMsg()[0] != '\0', "a refused aclrtMalloc left no message");
      return;
    }
    slot.address = static_cast<uint8_t*>(address);
    slot.size = size;
    slot.generation = ++generations_;
    slot.bytes.assign(size, static_cast<uint8_t>(slot.generation));
    std::memset(address, static_cast<uint8_t>(slot.generation), size);  // host device: the block is host-visible
    freed_.erase(std::remove(freed_.begin(), freed_.end(), address), freed_.end());
  }

  void free_slot(FuzzedDataProvider& in) {
    Slot& slot = slots_[in.ConsumeIntegralInRange<size_t>(0, kSlots - 1)];
    if (slot.address == nullptr) return;
    expect(aclrtFree(slot.address) == ACL_SUCCESS, "aclrtFree of a live block failed");
    freed_.push_back(slot.address);
    slot = Slot{};
    ++memory_outcomes.frees;
    // Freeing again, or freeing an address inside a block, is refused.
    expect(aclrtFree(freed_.back()) == ACL_ERROR_RT_MEMORY_FREE, "a double aclrtFree was not refused");
    (void)aclGetRecentErrMsg();
  }

  /// What the model knows of @p address for @p count bytes.
  Side classify(void* address, size_t count) const {
    Side side{address};
    const auto* at = static_cast<const uint8_t*>(address);
    const auto* host = host_.data();
    if (at >= host && at <= host + kHostBytes) {
      side.host = true;
      side.offset = static_cast<size_t>(at - host);
      return side;
    }
    for (size_t s = 0; s < kSlots; ++s) {
      const Slot& slot = slots_[s];
      if (slot.address == nullptr || at < slot.address || at > slot.address + slot.size) continue;
      const auto offset = static_cast<size_t>(at - slot.address);
      if (count <= slot.size - offset) {
        side.slot = static_cast<int32_t>(s);
        side.offset = offset;
        side.generation = slot.generation;
        return side;
      }
    }
    side.device_bad = address != nullptr;  // past a block's end, freed, or inside no live block
    return side;
  }

  /// An address for one side: in a slot (sometimes past its end), in the host buffer, freed, or null.
  void* pick_address(FuzzedDataProvider& in, size_t count) {
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
      case 0: case 1: case 2: {
        const Slot& slot = slots_[in.ConsumeIntegralInRange<size_t>(0, kSlots - 1)];
        if (slot.address == nullptr) break;
        return slot.address + in.ConsumeIntegralInRange<size_t>(0, slot.size + 64);
      }
      case 3:
        if (count > kHostBytes) break;
        return host_.data() + in.ConsumeIntegralInRange<size_t>(0, kHostBytes - count);
      case 4:
        if (freed_.empty()) break;
        return static_cast<uint8_t*>(freed_[in.ConsumeIntegralInRange<size_t>(0, freed_.size() - 1)]) +
               in.ConsumeIntegralInRange<size_t>(0, 64);
      default:
        break;
    }
    return nullptr;
  }

  void transfer(FuzzedDataProvider& in, bool fill, bool queued) {
    Work work;
    work.fill = fill;
    work.count = in.ConsumeBool() ? in.ConsumeIntegralInRange<size_t>(0, 256) : in.ConsumeIntegralInRange<size_t>(0, kMaxBlock + 64);
    const size_t limit = in.ConsumeBool() ? work.count : in.ConsumeIntegral<size_t>();
    work.dst = classify(pick_address(in, work.count), work.count);
    if (work.dst.host && work.count > kHostBytes - work.dst.offset) return;  // would overflow the harness's own buffer
    aclError result = ACL_SUCCESS;
    aclrtStream stream = in.ConsumeBool() ? streams_.deferred : streams_.eager;
    if (fill) {
      work.value = in.ConsumeIntegral<uint8_t>();
      result = queued ? aclrtMemsetAsync(work.dst.address, limit, work.value, work.count, stream)
                      : aclrtMemset(work.dst.address, limit, work.value, work.count);
    } else {
      work.src = classify(pick_address(in, work.count), work.count);
      if (work.src.host && work.count > kHostBytes - work.src.offset) return;
      // The kind goes straight from the integer to the call: a C caller's value, never loaded here as the enum.
      result = queued ? aclrtMemcpyAsync(work.dst.address, limit, work.src.address, work.count,
                                         raw_enum<aclrtMemcpyKind>(in, -1, 8), stream)
                      : aclrtMemcpy(work.dst.address, limit, work.src.address, work.count,
                                    raw_enum<aclrtMemcpyKind>(in, -1, 8));
    }
    if (result != ACL_SUCCESS) {
      ++memory_outcomes.transfers_refused;
      expect(aclGetRecentErrMsg()[0] != '\0', "a refused copy or fill left no message");
      check("after a refused copy or fill");
      return;
    }
    ++memory_outcomes.transfers_done;
    if (work.count == 0) return;
    expect(!work.dst.device_bad && !work.src.device_bad, "a copy or fill on freed or past-the-end memory was accepted");
    if (queued && stream == streams_.deferred) {
      pending_.push_back(work);
      return;
    }
    apply(work);
    check("after a copy or fill");
  }

  /// Whether @p side still names the block it named at the call (a live slot of the same generation).
  [[nodiscard]] bool same_block(const Side& side) const {
    return side.slot < 0 || slots_[static_cast<size_t>(side.slot)].generation == side.generation;
  }

  uint8_t* model_bytes(const Side& side) {
    return side.host ? host_model_.data() + side.offset : slots_[static_cast<size_t>(side.slot)].bytes.data() + side.offset;
  }

  void apply(const Work& work) {
    if (work.fill) {
      std::memset(model_bytes(work.dst), work.value, work.count);
      return;
    }
    std::vector<uint8_t> moved(model_bytes(work.src), model_bytes(work.src) + work.count);
    std::memcpy(model_bytes(work.dst), moved.data(), work.count);
  }

  /// Synchronises the deferred stream (or the device); queued work whose block was freed since its
  /// call must have been refused, everything else applied in order.
  void synchronise(bool device) {
    bool all_applied = true;
    for (const Work& work : pending_) {
      if (same_block(work.dst) && (work.fill || same_block(work.src))) {
        apply(work);
      } else {
        all_applied = false;
        ++memory_outcomes.queued_refused;
      }
    }
    pending_.clear();
    const aclError result = device ? aclrtSynchronizeDevice() : aclrtSynchronizeStream(streams_.deferred);
    if (device) (void)aclrtSynchronizeStream(streams_.deferred);  // the stream's own sync takes what it kept
    expect((result == ACL_SUCCESS) == all_applied, "a synchronisation's result does not match its queued work");
    (void)aclGetRecentErrMsg();
    check("after a synchronisation");
  }

  /// A repeatable executor of CANN's V1 example whose addresses are set anywhere (raw indices, slots,
  /// freed or past-the-end addresses, the host buffer, null), then run. The step may legitimately
  /// write a slot it was pointed at: the model takes the slots' bytes as they are afterwards.
  void address_setters(FuzzedDataProvider& in) {
    synchronise(false);
    constexpr size_t kTensors = 6;
    const std::array<std::vector<int64_t>, kTensors> shapes = {
        std::vector<int64_t>{8}, {4, 1}, {8}, {8}, {8}, {8, 1}};
    std::array<void*, kTensors> blocks{};
    std::array<aclTensor*, kTensors> tensors{};
    for (size_t t = 0; t < kTensors; ++t) {
      expect(aclrtMalloc(&blocks[t], 64, ACL_MEM_MALLOC_HUGE_FIRST) == ACL_SUCCESS, "aclrtMalloc for the executor");
      auto* values = static_cast<int64_t*>(blocks[t]);
      for (int64_t i = 0; i < 8; ++i) values[i] = t == 5 ? i : i % (t == 1 ? 4 : 8);
      tensors[t] = aclCreateTensor(shapes[t].data(), shapes[t].size(), ACL_INT64, nullptr, 0, ACL_FORMAT_ND,
                                   shapes[t].data(), shapes[t].size(), blocks[t]);
    }
    uint64_t workspace = 0;
    aclOpExecutor* executor = nullptr;
    if (aclnnAdvanceStepGetWorkspaceSize(tensors[0], tensors[1], tensors[2], tensors[3], tensors[4], tensors[5], 8, 4, 2,
                                         &workspace, &executor) == ACL_SUCCESS &&
        aclSetAclOpExecutorRepeatable(executor) == ACL_SUCCESS) {
      for (int k = in.ConsumeIntegralInRange<int>(1, 4); k > 0; --k) {
        ++memory_outcomes.setter_rounds;
        const size_t index = in.ConsumeBool() ? in.ConsumeIntegralInRange<size_t>(0, 12) : in.ConsumeIntegral<size_t>();
        aclTensor* tensor = in.ConsumeBool() ? tensors[in.ConsumeIntegralInRange<size_t>(0, kTensors - 1)] : nullptr;
        void* address = in.ConsumeBool() ? blocks[in.ConsumeIntegralInRange<size_t>(0, kTensors - 1)] : pick_address(in, 64);
        aclnnStatus set = ACL_SUCCESS;
        switch (in.ConsumeIntegralInRange<int>(0, 2)) {
          case 0: set = aclSetInputTensorAddr(executor, index, tensor, address); break;
          case 1: set = aclSetOutputTensorAddr(executor, index, tensor, address); break;
          default: set = aclSetTensorAddr(executor, index, tensor, address); break;
        }
        if (set != ACL_SUCCESS) expect(aclGetRecentErrMsg()[0] != '\0', "a refused address setter left no message");
        aclrtStream stream = in.ConsumeBool() ? streams_.deferred : streams_.eager;
        if (aclnnAdvanceStep(nullptr, workspace, executor, stream) != ACL_SUCCESS) {
          expect(aclGetRecentErrMsg()[0] != '\0', "a refused run left no message");
        }
        if (in.ConsumeBool()) free_slot(in);  // a block the step may be queued on goes away before the sync
        (void)aclrtSynchronizeStream(stream);
        (void)aclGetRecentErrMsg();
      }
      expect(aclDestroyAclOpExecutor(executor) == ACL_SUCCESS, "a repeatable executor was not destroyed");
    }
    (void)aclGetRecentErrMsg();
    for (size_t t = 0; t < kTensors; ++t) {
      (void)aclDestroyTensor(tensors[t]);
      expect(aclrtFree(blocks[t]) == ACL_SUCCESS, "aclrtFree of the executor's block");
    }
    for (Slot& slot : slots_) {
      if (slot.address != nullptr) slot.bytes.assign(slot.address, slot.address + slot.size);
    }
    host_model_ = host_;  // the operator refuses host memory; a write there would still be caught by ASan
  }

  void raw_values(FuzzedDataProvider& in) {
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
      case 0: {
        size_t free = 0, total = 0;
        if (aclrtGetMemInfo(raw_enum<aclrtMemAttr>(in, -1, 20), &free, &total) == ACL_SUCCESS) {
          expect(free <= total, "aclrtGetMemInfo: free > total");
        }
        break;
      }
      case 1:
        (void)aclDataTypeSize(raw_enum<aclDataType>(in, -2, 45));
        break;
      default: {
        std::array<int64_t, 64> dims{};
        for (int64_t& d : dims) d = in.ConsumeIntegralInRange<int64_t>(0, 4);
        const uint64_t rank = in.ConsumeBool() ? in.ConsumeIntegralInRange<uint64_t>(0, 64) : in.ConsumeIntegral<uint64_t>();
        const uint64_t storage = in.ConsumeBool() ? in.ConsumeIntegralInRange<uint64_t>(0, 64) : in.ConsumeIntegral<uint64_t>();
        aclTensor* tensor = aclCreateTensor(dims.data(), rank, raw_enum<aclDataType>(in, -2, 45), nullptr, 0,
                                            raw_enum<aclFormat>(in, -2, 60), dims.data(), storage, host_.data());
        if (tensor == nullptr) expect(aclGetRecentErrMsg()[0] != '\0', "a refused aclCreateTensor left no message");
        (void)aclDestroyTensor(tensor);
        aclIntArray* array = aclCreateIntArray(dims.data(), in.ConsumeBool() ? 64 : in.ConsumeIntegral<uint64_t>() | (uint64_t{1} << 62));
        (void)aclDestroyIntArray(array);
        break;
      }
    }
    (void)aclGetRecentErrMsg();
  }

  const Streams& streams_;
  std::array<Slot, kSlots> slots_{};
  std::vector<uint8_t> host_;
  std::vector<uint8_t> host_model_;
  std::vector<void*> freed_;  ///< addresses of blocks freed and not handed out again (as far as the model knows)
  std::vector<Work> pending_;
  uint64_t generations_ = 0;
};

}  // namespace

void run_memory_scenario(FuzzedDataProvider& in, const Streams& streams) {
  ++memory_outcomes.scenarios;
  MemoryModel model(streams);
  for (int call = 0; call < kMaxCalls && in.remaining_bytes() > 0; ++call) model.step(in);
  model.finish();
}

}  // namespace advstep::fuzz
