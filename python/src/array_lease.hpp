// What keeps an imported array's memory alive for the length of a call: a consumed DLPack tensor or
// a held Py_buffer, released exactly once, when the lease ends.
#pragma once

#include <utility>

namespace advstep::python {

/// Owns one exported array: @p release(@p handle) runs once, when the lease is destroyed (with the
/// GIL held: DLPack deleters and PyBuffer_Release may touch Python objects). Move-only, so that no
/// export is ever released twice.
class ArrayLease {
 public:
  using Release = void (*)(void* handle);

  ArrayLease() = default;
  ArrayLease(void* handle, Release release) : handle_(handle), release_(release) {}
  ArrayLease(const ArrayLease&) = delete;
  ArrayLease& operator=(const ArrayLease&) = delete;
  ArrayLease(ArrayLease&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)), release_(std::exchange(other.release_, nullptr)) {}
  ArrayLease& operator=(ArrayLease&& other) noexcept {
    if (this != &other) {
      end();
      handle_ = std::exchange(other.handle_, nullptr);
      release_ = std::exchange(other.release_, nullptr);
    }
    return *this;
  }
  ~ArrayLease() { end(); }

 private:
  void end() noexcept {
    if (release_ != nullptr) std::exchange(release_, nullptr)(std::exchange(handle_, nullptr));
  }

  void* handle_ = nullptr;
  Release release_ = nullptr;
};

}  // namespace advstep::python
