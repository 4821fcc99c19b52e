// The table of language.md "Ranges of values". Limits are where a value stops
// meaning anything real: a zone of more than 10,000 hosts of one service, a
// bake of more than 30 days, a multiplier of more than 10.
#include "compiler/sema/Ranges.h"

#include <map>
#include <utility>

namespace pipelang::sema {
namespace {

constexpr double kDay = 86'400'000;
constexpr ValueRange kShare{0, 1, false, "from 0% to 100%"};
constexpr ValueRange kPositiveShare{0, 1, true, "above 0% and at most 100%"};
constexpr ValueRange kHosts{1, 10'000, false, "from 1 to 10000"};
constexpr ValueRange kBake{0, 30 * kDay, false, "from 0s to 30d"};
constexpr ValueRange kCommandTime{1000, 7 * kDay, false, "from 1s to 7d"};
constexpr ValueRange kStepTime{0, kDay, false, "from 0s to 1d"};
constexpr ValueRange kPolicyTime{0, 365 * kDay, false, "from 0s to 365d"};
constexpr ValueRange kCount{1, 1000, false, "from 1 to 1000"};
constexpr ValueRange kOffHours{1, 10, false, "from 100% to 1000%"};

const std::map<std::pair<std::string, std::string>, ValueRange>& table() {
  static const std::map<std::pair<std::string, std::string>, ValueRange> ranges = {
      {{"", "hosts_per_zone"}, kHosts},
      {{"region", "hosts_per_zone"}, kHosts},
      {{"region", "traffic"}, kShare},
      {{"", "onebox_max_traffic"}, kShare},
      {{"", "max_batch"}, kPositiveShare},
      {{"", "min_healthy"}, kShare},
      {{"", "max_zones_per_region"}, kCount},
      {{"", "first_wave_max_regions"}, kCount},
      {{"", "min_bake_onebox"}, kBake},
      {{"", "min_bake_first_wave"}, kBake},
      {{"", "min_bake_wave"}, kBake},
      {{"", "max_time_to_global"}, kPolicyTime},
      {{"", "max_recovery"}, kPolicyTime},
      {{"", "min_versions_per_week"}, kCount},
      {{"deploy", "timeout"}, kCommandTime},
      {{"deploy", "expected"}, kStepTime},
      {{"deploy", "rollback_time"}, kStepTime},
      {{"windows", "off_hours_bake"}, kOffHours},
      {{"emergency", "bake"}, kPositiveShare},
      {{"emergency", "min_bake"}, kBake},
      {{"stage", "bake"}, kBake},
      {{"onebox", "traffic"}, kPositiveShare},
      {{"onebox", "bake"}, kBake},
      {{"test", "timeout"}, kCommandTime},
      {{"notify", "blocked_after"}, kCommandTime},
      {{"wave", "bake"}, kBake},
      {{"wave", "zone_bake"}, kBake},
      {{"wave", "parallel_zones"}, kCount},
      {{"rolling", "batch"}, kPositiveShare},
      {{"rolling", "min_healthy"}, kShare},
      {{"canary", "steps"}, kPositiveShare},
      {{"canary", "bake"}, kBake},
  };
  return ranges;
}

}  // namespace

const ValueRange* valueRange(const std::string& blockType, const std::string& attr) {
  auto found = table().find({blockType, attr});
  return found == table().end() ? nullptr : &found->second;
}

bool inRange(const ValueRange& range, double value) {
  if (range.lowOpen ? value <= range.low : value < range.low) return false;
  return value <= range.high;
}

}  // namespace pipelang::sema
