// The fuzzer's second scenario: a sequence of runtime calls on a few blocks (allocate with any
// policy, free, re-allocate, copy and fill with any kind and count, now or queued, synchronise),
// an executor's address setters pointed anywhere, and enum arguments as raw integers. The model
// keeps what each live block must hold; every call must succeed or be refused with a message, and
// no refused or queued-then-refused call may change a byte.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include "scenario.hpp"

namespace advstep::fuzz {

/// Carries out one memory scenario read from @p in, checking the invariants as it goes.
void run_memory_scenario(FuzzedDataProvider& in, const Streams& streams);

}  // namespace advstep::fuzz
