// How each wave replaces hosts: one-box, rolling batches, canary steps,
// zones at once (S201 S202 S204 S205 S206 S221).
#include "compiler/checks/Checks.h"

#include "compiler/syntax/Literals.h"

namespace pipelang::checks {

namespace {
constexpr double kEpsilon = 1e-9;  // percents are parsed the same way on both sides
}

void checkRollout(const model::Pipeline& p, DiagnosticSink& sink) {
  const model::Prod& prod = *p.prod;
  const model::Policy* policy = p.policy;
  bool anyOnebox = false;
  for (const model::Wave& wave : prod.waves) anyOnebox |= wave.onebox.has_value();
  if (!anyOnebox && !prod.waves.empty()) {
    Diagnostic& d = reportAt(sink, DiagCode::S201, prod.origin, "no wave of `prod` has a one-box");
    d.help = "add a default for every wave to `prod`, e.g. `onebox { traffic = 10%  bake = 1h }`";
  }
  for (const model::Wave& wave : prod.waves) {
    std::string name = "wave " + std::to_string(wave.number);
    if (!wave.onebox && anyOnebox) {
      Diagnostic& d = reportAt(sink, DiagCode::S201, wave.origin, name + " has no one-box");
      d.help = "add `onebox { traffic = 10%  bake = 1h }` to the wave or to `prod`";
    }
    if (wave.onebox && policy && policy->oneboxMaxTraffic && wave.onebox->traffic.origin.range.valid() &&
        wave.onebox->traffic.value > policy->oneboxMaxTraffic->value + kEpsilon) {
      Diagnostic& d = reportAt(sink, DiagCode::S202, wave.onebox->traffic.origin,
                               "one-box traffic " + formatPercent(wave.onebox->traffic.value) +
                                   " exceeds the policy maximum of " + formatPercent(policy->oneboxMaxTraffic->value));
      addPolicyNote(d, p, *policy->oneboxMaxTraffic);
      d.help = "a one-box is a sliver of a zone: give it more time instead, e.g. `traffic = " +
               formatPercent(policy->oneboxMaxTraffic->value) + "`";
    }
    if (const auto& rolling = wave.rolling) {
      if (policy && policy->maxBatch && rolling->batch.origin.range.valid() &&
          rolling->batch.value > policy->maxBatch->value + kEpsilon) {
        Diagnostic& d = reportAt(sink, DiagCode::S204, rolling->batch.origin,
                                 "rolling batch " + formatPercent(rolling->batch.value) +
                                     " exceeds the policy maximum of " + formatPercent(policy->maxBatch->value));
        addPolicyNote(d, p, *policy->maxBatch);
        d.help = "deploy at most a third of a zone at once, e.g. `batch = " + formatPercent(policy->maxBatch->value) + "`";
      }
      if (policy && policy->minHealthy && rolling->minHealthy.origin.range.valid() &&
          rolling->minHealthy.value + kEpsilon < policy->minHealthy->value) {
        Diagnostic& d = reportAt(sink, DiagCode::S205, rolling->minHealthy.origin,
                                 "rolling min_healthy " + formatPercent(rolling->minHealthy.value) +
                                     " is below the policy minimum of " + formatPercent(policy->minHealthy->value));
        addPolicyNote(d, p, *policy->minHealthy);
        d.help = "keep two thirds of a zone serving, e.g. `min_healthy = " + formatPercent(policy->minHealthy->value) + "`";
      } else if (rolling->batch.value + rolling->minHealthy.value > 1 + kEpsilon) {
        const model::Origin& at =
            rolling->minHealthy.origin.range.valid() ? rolling->minHealthy.origin : rolling->batch.origin;
        Diagnostic& d = reportAt(sink, DiagCode::S205, at.range.valid() ? at : rolling->origin,
                                 "rolling batch " + formatPercent(rolling->batch.value) + " plus min_healthy " +
                                     formatPercent(rolling->minHealthy.value) + " exceeds 100%");
        d.help = "the hosts of a batch are out of service: `batch + min_healthy` must be at most 100%";
      }
    }
    if (policy && policy->maxZonesPerRegion && wave.parallelZones.value > policy->maxZonesPerRegion->value) {
      Diagnostic& d = reportAt(sink, DiagCode::S206,
                               wave.parallelZones.origin.range.valid() ? wave.parallelZones.origin : wave.origin,
                               name + " deploys " + std::to_string(wave.parallelZones.value) +
                                   " zones of a region at once, above the policy maximum of " +
                                   std::to_string(policy->maxZonesPerRegion->value));
      addPolicyNote(d, p, *policy->maxZonesPerRegion);
      d.help = "zones are separate failure domains: deploy them one at a time";
    }
    if (const auto& canary = wave.canary; canary && !canary->steps.value.empty()) {
      const std::vector<double>& steps = canary->steps.value;
      const model::Origin& at = canary->steps.origin.range.valid() ? canary->steps.origin : canary->origin;
      bool increasing = true;
      for (size_t i = 1; i < steps.size(); ++i) increasing &= steps[i] > steps[i - 1] + kEpsilon;
      if (!increasing) {
        Diagnostic& d = reportAt(sink, DiagCode::S221, at, "canary steps must increase");
        d.help = "e.g. `steps = [10%, 50%, 100%]`";
      } else if (steps.back() < 1 - kEpsilon || steps.back() > 1 + kEpsilon) {
        Diagnostic& d = reportAt(sink, DiagCode::S221, at,
                                 "canary steps end at " + formatPercent(steps.back()) + ", not 100%");
        d.help = "the last step moves all traffic: end with `100%`";
      }
    }
  }
}

}  // namespace pipelang::checks
