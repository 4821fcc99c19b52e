// How long each prod step is watched (S203 S211 S212 S217). Pre-production
// stages are not bound by the policy's bake minimums (checks.md S211).
#include "compiler/checks/Checks.h"

#include "compiler/syntax/Literals.h"

namespace pipelang::checks {

void checkBakes(const model::Pipeline& p, DiagnosticSink& sink) {
  const model::Policy* policy = p.policy;
  const auto& waves = p.prod->waves;
  const model::Wave* shortestEarlier = nullptr;
  for (size_t i = 0; i < waves.size(); ++i) {
    const model::Wave& wave = waves[i];
    std::string name = "wave " + std::to_string(wave.number);
    if (wave.onebox) {
      const auto& bake = wave.onebox->bakeMs;
      if (bake.value <= 0) {
        bool written = bake.origin.range.valid();
        Diagnostic& d = reportAt(sink, DiagCode::S203, written ? bake.origin : wave.onebox->origin,
                                 written ? std::string("the one-box bake is zero") : std::string("the one-box has no bake"));
        d.help = "watch the one-box before the rest of the zone, e.g. `bake = 1h`";
      } else if (policy && policy->minBakeOnebox && bake.value < policy->minBakeOnebox->value) {
        Diagnostic& d = reportAt(sink, DiagCode::S211, bake.origin,
                                 "one-box bake " + formatDuration(bake.value) + " is shorter than the policy minimum of " +
                                     formatDuration(policy->minBakeOnebox->value));
        addPolicyNote(d, p, *policy->minBakeOnebox);
        d.help = "e.g. `bake = " + formatDuration(policy->minBakeOnebox->value) + "`";
      }
    }
    const auto& bake = wave.bakeMs;
    if (bake.value <= 0) {
      bool written = bake.origin.range.valid();
      Diagnostic& d = reportAt(sink, DiagCode::S203, written ? bake.origin : wave.origin,
                               written ? name + " has a zero bake" : name + " has no `bake`");
      d.help = "every wave is watched before the next starts, e.g. `bake = 2h`";
      continue;
    }
    const auto& limit = i == 0 ? policy ? policy->minBakeFirstWave : std::nullopt
                               : policy ? policy->minBakeWave : std::nullopt;
    if (limit && bake.value < limit->value) {
      Diagnostic& d = reportAt(sink, DiagCode::S211, bake.origin,
                               name + " bakes " + formatDuration(bake.value) + ", shorter than the policy's `" +
                                   (i == 0 ? "min_bake_first_wave" : "min_bake_wave") + "` of " +
                                   formatDuration(limit->value));
      addPolicyNote(d, p, *limit);
      d.help = "e.g. `bake = " + formatDuration(limit->value) + "`";
    }
    if (shortestEarlier && bake.value > shortestEarlier->bakeMs.value) {
      Diagnostic& d = reportAt(sink, DiagCode::S212, bake.origin,
                               name + " bakes " + formatDuration(bake.value) + ", longer than wave " +
                                   std::to_string(shortestEarlier->number) + " (" +
                                   formatDuration(shortestEarlier->bakeMs.value) + ")");
      d.notes.push_back({"wave " + std::to_string(shortestEarlier->number) + " bakes here",
                         shortestEarlier->bakeMs.origin.range});
      d.help = "earlier waves build confidence: they should bake at least as long as later ones";
    }
    if (!shortestEarlier || bake.value < shortestEarlier->bakeMs.value) shortestEarlier = &wave;
    if (!wave.minTraffic) {
      Diagnostic& d = reportAt(sink, DiagCode::S217, bake.origin,
                               name + "'s bake has no `min_traffic`: a quiet night can pass it untested");
      d.help = "e.g. `min_traffic = requests >= 100`";
    }
  }
}

}  // namespace pipelang::checks
