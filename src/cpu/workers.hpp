// A small persistent pool that spreads the chunks of one loop over the calling thread and helpers.
#pragma once

#include <cstdint>

namespace advstep::cpu {

/// Runs @p body(@p context, chunk) for every chunk in [0, @p chunks) and returns when all have run.
///
/// The caller takes chunks too, from the same counter as the helpers, so a helper that is slow to
/// wake (the cores are busy, or the process forked and has none) only means the caller does more:
/// it never waits for a helper to start, only for chunks a helper already took. Helpers are started
/// on the first call that asks for more than one thread; later calls allocate nothing and take no
/// lock (helpers sleep on a futex). Calls from several threads at once are serialised by a spin flag:
/// the second caller runs its chunks alone instead of waiting.
void parallel_for(int64_t chunks, void (*body)(const void* context, int64_t chunk), const void* context);

/// Threads a loop may use, the caller included: ADVSTEP_NUM_THREADS when set (1 turns helpers
/// off), else the hardware's count, at most 8.
int32_t thread_count();

}  // namespace advstep::cpu
