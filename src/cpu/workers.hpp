// Spreading the chunks of one loop over the caller and a few helper threads (ADVSTEP_NUM_THREADS).
#pragma once

#include <cstdint>

namespace advstep::cpu {

/// Runs @p body(@p context, chunk) for every chunk in [0, @p chunks) and returns when all have run.
///
/// The caller and thread_count() - 1 parked helpers claim the chunks one at a time from a shared
/// counter. The caller runs chunks from the start and, once none is left to claim, waits only for
/// the chunks a helper has claimed and is still running: a helper the scheduler has not run yet
/// claims nothing, so on a busy machine the loop costs what it costs on one thread. One call at a
/// time gets the helpers: a call made while another thread's call holds them runs its chunks on
/// the calling thread, as does every call in a process forked after the helpers started (the child
/// has none of them). A body must not throw.
void parallel_for(int64_t chunks, void (*body)(const void* context, int64_t chunk), const void* context);

/// Threads a loop may use, the caller included: ADVSTEP_NUM_THREADS when set (1 turns helpers
/// off), else the hardware's count, at most 8.
int32_t thread_count();

}  // namespace advstep::cpu
