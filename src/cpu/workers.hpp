// Spreading the chunks of one loop over threads: OpenMP's team, sized by ADVSTEP_NUM_THREADS.
#pragma once

#include <cstdint>

namespace advstep::cpu {

/// Runs @p body(@p context, chunk) for every chunk in [0, @p chunks) and returns when all have run.
///
/// The chunks go to an OpenMP team of thread_count() threads, the caller among them, one chunk at
/// a time (dynamic schedule: a thread slow to start only leaves more chunks to the others). One
/// call at a time gets a team: a call made while another thread's call holds it runs its chunks
/// on the calling thread, as does a call from inside an OpenMP parallel region of the application
/// and every call in a process forked after the team started (the child has none of its threads).
void parallel_for(int64_t chunks, void (*body)(const void* context, int64_t chunk), const void* context);

/// Threads a loop may use, the caller included: ADVSTEP_NUM_THREADS when set (1 turns helpers
/// off), else the hardware's count, at most 8.
int32_t thread_count();

}  // namespace advstep::cpu
