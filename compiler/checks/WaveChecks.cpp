// Which regions each wave deploys (S207 S208 S209 S216 S220 S223).
#include "compiler/checks/Checks.h"

#include "compiler/syntax/Literals.h"

#include <algorithm>
#include <map>

namespace pipelang::checks {

namespace {

// S220: the first wave should be among the lowest-traffic regions (at or
// below the median), the second a high-traffic one (at or above it).
void trafficOrder(const model::Pipeline& p, DiagnosticSink& sink) {
  const model::Topology* topology = p.topology;
  const auto& waves = p.prod->waves;
  if (!topology || topology->regions.size() < 2 || waves.empty()) return;
  std::vector<double> traffic;
  for (const model::Region& r : topology->regions) traffic.push_back(r.traffic);
  std::sort(traffic.begin(), traffic.end());
  if (traffic.back() <= 0) return;  // the topology gives no traffic shares
  size_t n = traffic.size();
  double median = n % 2 ? traffic[n / 2] : (traffic[n / 2 - 1] + traffic[n / 2]) / 2;
  for (size_t w = 0; w < 2 && w < waves.size(); ++w) {
    for (const std::string& id : waves[w].regions.value) {
      const model::Region* region = topology->findRegion(id);
      if (!region) continue;
      bool wrong = w == 0 ? region->traffic > median + 1e-9 : region->traffic + 1e-9 < median;
      if (!wrong) continue;
      Diagnostic& d =
          reportAt(sink, DiagCode::S220, waves[w].regions.origin,
                   w == 0 ? "the first wave's region `" + id + "` carries " + formatPercent(region->traffic) +
                                " of traffic: start with one of the lowest-traffic regions"
                          : "the second wave's region `" + id + "` carries " + formatPercent(region->traffic) +
                                " of traffic: the second wave should meet real load in a high-traffic region");
      d.notes.push_back({"traffic of `" + id + "` set here", region->origin.range});
      break;
    }
  }
}

// S223: a stage or wave that deploys nothing would be an empty stage in the
// plan: nothing deployed, and a bake that waits for traffic that never comes.
void noRegions(const model::Pipeline& p, DiagnosticSink& sink) {
  for (const model::Stage& stage : p.stages)
    if (stage.regions.value.empty() && stage.regions.origin.range.valid()) {  // unwritten: the first wave's
      Diagnostic& d =
          reportAt(sink, DiagCode::S223, stage.regions.origin, "stage " + stage.name + " deploys no region");
      d.help = "name the regions it deploys, e.g. `regions = [...]`, or remove the stage";
    }
  for (const model::Wave& wave : p.prod->waves)
    if (wave.regions.value.empty() && wave.unknownRegions == 0) {  // else S208 said why: no follow-on
      Diagnostic& d =
          reportAt(sink, DiagCode::S223, wave.regions.origin.range.valid() ? wave.regions.origin : wave.origin,
                   "wave " + std::to_string(wave.number) + " deploys no region");
      d.help = "name the regions it deploys, e.g. `regions = [...]`, or remove the wave";
    }
}

}  // namespace

void checkWaves(const model::Pipeline& p, DiagnosticSink& sink) {
  const model::Prod& prod = *p.prod;
  const model::Policy* policy = p.policy;
  if (!prod.waves.empty() && policy && policy->firstWaveMaxRegions) {
    const model::Wave& first = prod.waves.front();
    if (static_cast<int64_t>(first.regions.value.size()) > policy->firstWaveMaxRegions->value) {
      Diagnostic& d =
          reportAt(sink, DiagCode::S207, first.regions.origin.range.valid() ? first.regions.origin : first.origin,
                   "wave " + std::to_string(first.number) + " deploys " + std::to_string(first.regions.value.size()) +
                       " regions, above the policy's `first_wave_max_regions` of " +
                       std::to_string(policy->firstWaveMaxRegions->value));
      addPolicyNote(d, p, *policy->firstWaveMaxRegions);
      d.help = "start with a single low-traffic region, and move the others to the next wave";
    }
  }
  std::map<std::string, std::pair<int64_t, SourceRange>> deployedBy;
  for (const model::Wave& wave : prod.waves) {
    for (size_t i = 0; i < wave.regions.value.size(); ++i) {
      const std::string& region = wave.regions.value[i];
      SourceRange range = i < wave.regionRanges.size() ? wave.regionRanges[i] : wave.regions.origin.range;
      auto [it, inserted] = deployedBy.emplace(region, std::make_pair(wave.number, range));
      if (inserted) continue;
      Diagnostic& d = sink.report(DiagCode::S208, range,
                                  "region `" + region + "` is deployed by wave " + std::to_string(it->second.first) +
                                      " and again by wave " + std::to_string(wave.number));
      d.notes = wave.regions.origin.via;
      d.notes.push_back({"first deployed by wave " + std::to_string(it->second.first) + " here", it->second.second});
    }
  }
  if (p.topology) {
    std::string missing;
    for (const model::Region& r : p.topology->regions)
      if (!deployedBy.count(r.id)) missing += (missing.empty() ? "`" : ", `") + r.id + "`";
    if (!missing.empty()) {
      Diagnostic& d = reportAt(sink, DiagCode::S209, prod.origin,
                               "regions of topology `" + p.topology->name + "` deployed by no wave: " + missing);
      d.help = "add them to a wave, or end with `wave N { regions = rest }`";
    }
  }
  if (policy && policy->requirePreprod && !policy->requirePreprod->value.empty()) {
    bool found = false;
    std::string names;
    for (const std::string& required : policy->requirePreprod->value) {
      names += (names.empty() ? "`" : ", `") + required + "`";
      for (const model::Stage& stage : p.stages) found |= stage.name == required;
    }
    if (!found) {
      Diagnostic& d = reportAt(sink, DiagCode::S216, prod.origin,
                               "none of the stages the policy requires before prod (" + names + ") runs");
      addPolicyNote(d, p, *policy->requirePreprod);
      d.help = "add a production-like stage, e.g. `stage " + policy->requirePreprod->value.front() +
               " { regions = [...]  bake = 1h }`";
    }
  }
  trafficOrder(p, sink);
  noRegions(p, sink);
}

}  // namespace pipelang::checks
