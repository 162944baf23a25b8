#include "oracle/sweeps.hpp"

namespace advstep::oracle {

std::vector<Sweep> sweeps(bool speculative, bool cann) {
  // Distinct seed ranges per API and path, so the four families do not replay one another's cases.
  const uint64_t base = (speculative ? 2000000 : 1000000) + (cann ? 0 : 500000);
  const auto options = [&](int64_t min_seqs, int64_t max_seqs, int64_t max_entries, bool huge, int32_t faults) {
    CaseOptions o;
    o.speculative = speculative;
    o.cann = cann;
    o.min_seqs = min_seqs;
    o.max_seqs = max_seqs;
    o.max_entries = max_entries;
    o.huge = huge;
    o.plant_faults = faults;
    return o;
  };
  // 10^5 sequences: V1 with tables up to 10 wide, V2 with S = 1 (the largest S caps N at 2^18 / 127).
  CaseOptions hundred_thousand = options(100000, 100000, speculative ? 1 << 18 : 1 << 20, false, 0);
  hundred_thousand.spec_num = speculative ? 1 : 0;
  return {
      {"small", base, 400, options(1, 64, 1 << 14, false, 0)},
      {"medium", base + 10000, 20, options(64, 5000, 1 << 16, false, 0)},
      {"wide_tables", base + 20000, 40, options(1, 16, 1 << 16, false, 0)},
      {"hundred_thousand_seqs", base + 30000, 2, hundred_thousand},
      {"huge_blocks", base + 40000, 150, options(1, 32, 1 << 12, true, 0)},
      {"planted_faults", base + 50000, 300, options(1, 64, 1 << 14, false, 3)},
      {"planted_faults_huge", base + 60000, 150, options(1, 32, 1 << 12, true, 2)},
      // Past the kernels' threading threshold (32768 cells), with up to 4 faults to order.
      {"planted_faults_large", base + 70000, 4, options(40000, 100000, 1 << 18, false, 4)},
  };
}

std::ostream& operator<<(std::ostream& out, const Sweep& sweep) {
  return out << sweep.name << " (seeds " << sweep.first_seed << ".."
             << sweep.first_seed + static_cast<uint64_t>(sweep.count) - 1 << ")";
}

}  // namespace advstep::oracle
