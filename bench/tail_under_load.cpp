// Per-call latency tails of the full C API call (phase 1 + phase 2 + synchronise), the library's
// default threads and one thread side by side, beside busy processes this driver starts itself.
//
// A serving engine's step runs beside the engine's other busy threads; what it notices is the
// slowest steps, not the median. This driver measures exactly that: it forks --busy processes that
// spin (each ends by itself after a bound, on SIGALRM, and when the driver dies, on PR_SET_PDEATHSIG;
// the driver also stops them on Ctrl-C and when done), then times every call of V1 W = 16, B = 16
// for each N in its own process, once with ADVSTEP_NUM_THREADS unset (the default) and once with it
// set to 1, alternating the two over --rounds rounds so that both see the same load. It prints
// p50 / p99 / max of each and the ratio of the default's p99 to the one-thread p99.
//
// usage: advstep_tail_bench [--busy K] [--seconds S] [--rounds R] [--n N,N,...] [--json FILE]
//   --busy K     busy processes beside the calls (default 2; 0: a quiet machine)
//   --seconds S  seconds of calls per size, mode and round (default 1)
//   --rounds R   alternations of the two modes per size (default 3)
//   --n LIST     query rows per call (default 256,16384,65536,1048576)
//   --json FILE  also writes the figures there (bench/report.py reads them)
// Internal: --measure N --seconds S runs the calls and writes their latencies (int64 ns) to stdout;
// with it, --version 2 times V2 (N sequences of S + 1 = 4 cells) and --width W another table width.
// Under callgrind it counts a call's instructions for any case, e.g. V2 N = 256 (one command line):
//   valgrind --tool=callgrind --toggle-collect='advstep::bench::CApiCall::run()'
//     advstep_tail_bench --measure 256 --version 2 --seconds 0.2 >latencies.bin
// then divide the total by the calls: the 8-byte latencies written plus the 20 warm-up calls.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "acl/acl.h"
#include "c_api_call.hpp"
#include "workload.hpp"

namespace advstep::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kWarmCalls = 20;
constexpr int64_t kMinCalls = 50;  ///< even the largest size gets this many samples

volatile sig_atomic_t g_stop = 0;
std::vector<pid_t> g_children;  ///< busy processes and the running measurement

void stop_children() {
  for (pid_t child : g_children) {
    if (child > 0) kill(child, SIGKILL);
  }
  for (pid_t child : g_children) {
    if (child > 0) waitpid(child, nullptr, 0);
  }
  g_children.clear();
}

void on_interrupt(int) { g_stop = 1; }

/// A process that spins until SIGALRM after @p bound_seconds, or until its parent dies.
pid_t start_busy_process(unsigned bound_seconds) {
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child != 0) return child;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);  // the driver died before the line above took effect
  signal(SIGINT, SIG_DFL);
  alarm(bound_seconds);
  volatile uint64_t spin = 0;
  for (;;) spin = spin + 1;
}

// ---- the measuring process ----------------------------------------------------------------------

int measure(int64_t n, double seconds, int32_t version, int64_t width) {
  if (aclInit(nullptr) != ACL_SUCCESS || aclrtSetDevice(0) != ACL_SUCCESS) {
    std::fprintf(stderr, "ACL runtime failed to start: %s\n", aclGetRecentErrMsg());
    return 1;
  }
  std::vector<int64_t> latencies;
  {
    Workload w(Case{version, n, 16, width, 3});
    CApiCall call(w);
    int64_t since_reset = 0;
    auto one_call = [&]() -> int64_t {
      if (since_reset == kResetEvery) {  // restoring the consumed state stays outside the timing
        w.reset();
        since_reset = 0;
      }
      ++since_reset;
      const auto start = Clock::now();
      const char* error = call.run();
      const auto stop = Clock::now();
      if (error != nullptr) {
        std::fprintf(stderr, "N = %lld: %s\n", static_cast<long long>(n), error);
        std::exit(1);
      }
      return std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count();
    };
    for (int64_t i = 0; i < kWarmCalls; ++i) (void)one_call();
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < end || static_cast<int64_t>(latencies.size()) < kMinCalls) latencies.push_back(one_call());
    CApiCall::release_stream();
  }
  (void)aclrtResetDevice(0);
  (void)aclFinalize();
  const auto bytes = latencies.size() * sizeof(int64_t);
  return std::fwrite(latencies.data(), 1, bytes, stdout) == bytes && std::fflush(stdout) == 0 ? 0 : 1;
}

// ---- the driver ---------------------------------------------------------------------------------

/// Runs this binary with --measure in a child, ADVSTEP_NUM_THREADS=@p threads (empty: unset), and
/// appends the latencies it reports to @p into. False when it failed or was interrupted.
bool run_measurement(int64_t n, double seconds, const char* threads, std::vector<int64_t>& into) {
  int pipe_ends[2];
  if (pipe(pipe_ends) != 0) return false;
  const pid_t child = fork();
  if (child == 0) {
    dup2(pipe_ends[1], STDOUT_FILENO);
    close(pipe_ends[0]);
    close(pipe_ends[1]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_DFL);
    if (*threads == '\0') {
      unsetenv("ADVSTEP_NUM_THREADS");
    } else {
      setenv("ADVSTEP_NUM_THREADS", threads, 1);
    }
    const std::string n_text = std::to_string(n), seconds_text = std::to_string(seconds);
    execl("/proc/self/exe", "advstep_tail_bench", "--measure", n_text.c_str(), "--seconds", seconds_text.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_ends[1]);
  if (child < 0) {
    close(pipe_ends[0]);
    return false;
  }
  g_children.push_back(child);
  std::vector<char> bytes;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = read(pipe_ends[0], buffer, sizeof buffer);
    if (got > 0) {
      bytes.insert(bytes.end(), buffer, buffer + got);
    } else if (got == 0 || !(errno == EINTR && !g_stop)) {
      break;
    }
  }
  close(pipe_ends[0]);
  if (g_stop) kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  g_children.pop_back();
  if (g_stop || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
  const size_t count = bytes.size() / sizeof(int64_t);
  const size_t old = into.size();
  into.resize(old + count);
  std::memcpy(into.data() + old, bytes.data(), count * sizeof(int64_t));
  return true;
}

struct Tail {
  double p50_us, p99_us, max_us;
  size_t calls;
};

/// Nearest-rank percentiles.
Tail tail_of(std::vector<int64_t> ns) {
  std::sort(ns.begin(), ns.end());
  auto rank = [&](double q) {
    const auto k = static_cast<size_t>(std::ceil(q * static_cast<double>(ns.size())));
    return static_cast<double>(ns[k == 0 ? 0 : k - 1]) / 1000.0;
  };
  return {rank(0.50), rank(0.99), static_cast<double>(ns.back()) / 1000.0, ns.size()};
}

std::string time_text(double us) {
  char text[32];
  if (us >= 1000.0) {
    std::snprintf(text, sizeof text, "%.2f ms", us / 1000.0);
  } else if (us >= 100.0) {
    std::snprintf(text, sizeof text, "%.0f us", us);
  } else {
    std::snprintf(text, sizeof text, "%.1f us", us);
  }
  return text;
}

std::vector<int64_t> parse_sizes(const char* text) {
  std::vector<int64_t> sizes;
  for (const char* p = text; *p != '\0';) {
    char* end = nullptr;
    const long long value = std::strtoll(p, &end, 10);
    if (end == p || value < 1) return {};
    sizes.push_back(value);
    p = *end == ',' ? end + 1 : end;
    if (*end != ',' && *end != '\0') return {};
  }
  return sizes;
}

/// The 1, 5 and 15 minute load averages.
std::string load_average() {
  char text[128] = "?";
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fgets(text, sizeof text, f) == nullptr) text[0] = '\0';
    std::fclose(f);
  }
  std::string fields(text);
  size_t end = 0;
  for (int k = 0; k < 3 && end != std::string::npos; ++k) end = fields.find(' ', end + (k == 0 ? 0 : 1));
  return fields.substr(0, end);
}

void write_json(const char* path, int busy, double seconds, int rounds, const std::string& load,
                const std::vector<std::pair<int64_t, std::pair<Tail, Tail>>>& rows) {
  FILE* f = std::fopen(path, "w");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot write %s\n", path);
    return;
  }
  std::fprintf(f, "{\"busy\": %d, \"seconds\": %g, \"rounds\": %d, \"load\": \"%s\", \"rows\": [", busy, seconds,
               rounds, load.c_str());
  const char* separator = "";
  for (const auto& [n, tails] : rows) {
    const auto& [d, o] = tails;
    std::fprintf(f,
                 "%s\n {\"n\": %lld, \"default\": {\"p50_us\": %.3f, \"p99_us\": %.3f, \"max_us\": %.3f, \"calls\": %zu}, "
                 "\"one_thread\": {\"p50_us\": %.3f, \"p99_us\": %.3f, \"max_us\": %.3f, \"calls\": %zu}}",
                 separator, static_cast<long long>(n), d.p50_us, d.p99_us, d.max_us, d.calls, o.p50_us, o.p99_us,
                 o.max_us, o.calls);
    separator = ",";
  }
  std::fprintf(f, "\n]}\n");
  std::fclose(f);
}

int drive(int busy, double seconds, int rounds, const std::vector<int64_t>& sizes, const char* json) {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // Each measurement takes its seconds plus the workload's set-up (a few seconds at 2^20).
  const auto bound = static_cast<unsigned>(static_cast<double>(sizes.size() * rounds * 2) * (seconds + 5.0) + 30.0);
  const std::string load = load_average();
  for (int k = 0; k < busy; ++k) g_children.push_back(start_busy_process(bound));
  std::printf("V1, W = 16, B = 16, full C API call (phase 1 + phase 2 + synchronise); %d busy process%s beside "
              "it; %d rounds of %.1f s per size and mode; load average at the start %s\n\n",
              busy, busy == 1 ? "" : "es", rounds, seconds, load.c_str());
  std::printf("| N | default: p50 | p99 | max | one thread: p50 | p99 | max | p99 default / one thread | calls |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::fflush(stdout);
  int failures = 0;
  std::vector<std::pair<int64_t, std::pair<Tail, Tail>>> rows;
  for (int64_t n : sizes) {
    std::vector<int64_t> by_default, one_thread;
    bool ok = true;
    for (int round = 0; round < rounds && ok && !g_stop; ++round) {
      // Alternate which mode goes first, so neither always meets the load's first moments.
      const bool default_first = round % 2 == 0;
      ok = run_measurement(n, seconds, default_first ? "" : "1", default_first ? by_default : one_thread) &&
           run_measurement(n, seconds, default_first ? "1" : "", default_first ? one_thread : by_default);
    }
    if (g_stop) break;
    if (!ok || by_default.empty() || one_thread.empty()) {
      std::printf("| %lld | measurement failed |\n", static_cast<long long>(n));
      ++failures;
      continue;
    }
    const Tail d = tail_of(by_default), o = tail_of(one_thread);
    std::printf("| %lld | %s | %s | %s | %s | %s | %s | %.2fx | %zu / %zu |\n", static_cast<long long>(n),
                time_text(d.p50_us).c_str(), time_text(d.p99_us).c_str(), time_text(d.max_us).c_str(),
                time_text(o.p50_us).c_str(), time_text(o.p99_us).c_str(), time_text(o.max_us).c_str(),
                d.p99_us / o.p99_us, d.calls, o.calls);
    std::fflush(stdout);
    rows.push_back({n, {d, o}});
  }
  stop_children();
  if (json != nullptr && !g_stop) write_json(json, busy, seconds, rounds, load, rows);
  if (g_stop) {
    std::fprintf(stderr, "interrupted: busy processes stopped\n");
    return 130;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace advstep::bench

int main(int argc, char** argv) {
  int busy = 2, rounds = 3;
  double seconds = 1.0;
  long long measure_n = 0, measure_width = 16;
  int measure_version = 1;
  const char* json = nullptr;
  std::vector<int64_t> sizes = {256, 16384, 65536, int64_t{1} << 20};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (value == nullptr) {
      std::fprintf(stderr, "%s needs a value\n", arg.c_str());
      return 2;
    }
    ++i;
    if (arg == "--busy") {
      busy = std::atoi(value);
    } else if (arg == "--seconds") {
      seconds = std::atof(value);
    } else if (arg == "--rounds") {
      rounds = std::atoi(value);
    } else if (arg == "--n") {
      sizes = advstep::bench::parse_sizes(value);
    } else if (arg == "--json") {
      json = value;
    } else if (arg == "--measure") {
      measure_n = std::atoll(value);
    } else if (arg == "--version") {
      measure_version = std::atoi(value);
    } else if (arg == "--width") {
      measure_width = std::atoll(value);
    } else {
      std::fprintf(stderr, "unknown option %s\n", arg.c_str());
      return 2;
    }
  }
  if (busy < 0 || busy > 64 || rounds < 1 || !(seconds > 0.0 && seconds <= 600.0) || sizes.empty()) {
    std::fprintf(stderr, "usage: advstep_tail_bench [--busy 0..64] [--seconds S] [--rounds R] [--n N,N,...] [--json FILE]\n");
    return 2;
  }
  if (measure_n > 0) {
    if ((measure_version != 1 && measure_version != 2) || measure_width < 1) {
      std::fprintf(stderr, "--version takes 1 or 2 and --width a positive count, got --version %d --width %lld\n",
                   measure_version, measure_width);
      return 2;
    }
    return advstep::bench::measure(measure_n, seconds, measure_version, measure_width);
  }
  return advstep::bench::drive(busy, seconds, rounds, sizes, json);
}
