#include "compiler/plan/ThroughputCheck.h"

#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/PlanBuilder.h"

#include <fmt/format.h>

#include <llvm/ADT/iterator.h>
#include <map>

namespace pipelang {
namespace {

struct ThroughputFacts {
  plan::Throughput throughput;
  std::vector<std::string> stageIds;
};

ThroughputFacts computeFacts(const model::Pipeline& pipeline) {
  plan::PlanLayout layout = plan::buildPlan(pipeline);
  ThroughputFacts facts;
  facts.throughput = plan::analyzePlan(layout).throughput;
  for (const plan::PlanStage& stage : layout.stages) facts.stageIds.push_back(stage.id);
  return facts;
}

bool hasFloor(const model::Pipeline& pipeline) {
  return pipeline.policy && pipeline.prod && pipeline.policy->minVersionsPerWeek;
}

void report(const model::Pipeline& pipeline, const ThroughputFacts& facts, DiagnosticSink& sink) {
  const model::Policy& policy = *pipeline.policy;
  const plan::Throughput& t = facts.throughput;
  int64_t floor = policy.minVersionsPerWeek->value;
  if (!t.versionsPerWeek || *t.versionsPerWeek >= static_cast<double>(floor) || t.bottleneck < 0) return;
  Diagnostic& d =
      sink.report(DiagCode::S227, pipeline.origin.range,
                  fmt::format("`{}` can take at most {} versions a week to global, under the policy minimum of {}",
                              pipeline.name, *t.versionsPerWeek, floor));
  d.notes.push_back(DiagNote{"minimum set by policy " + policy.name, policy.minVersionsPerWeek->origin.range});
  d.notes.push_back({fmt::format("stage {} is the bottleneck: it holds a version up to {} (windows and off-hours "
                                 "bakes included), and holds one version at a time",
                                 facts.stageIds[t.bottleneck], plan::formatDuration(t.occupancyS[t.bottleneck])),
                     {}});
  d.help = "shorten the bottleneck's bakes, or open windows more often; `pipec plan --explain` shows the throughput";
}

}  // namespace

void checkThroughputFloor(const model::Pipeline& pipeline, DiagnosticSink& sink) {
  if (hasFloor(pipeline)) report(pipeline, computeFacts(pipeline), sink);
}

void checkThroughputFloor(const model::Program& program, DiagnosticSink& sink) {
  std::map<const void*, ThroughputFacts> byShape;  // services that share their template's plan shape
  for (const model::Pipeline& pipeline : llvm::make_pointee_range(program.pipelines)) {
    if (!hasFloor(pipeline)) continue;
    if (!pipeline.planShapeOf) {
      report(pipeline, computeFacts(pipeline), sink);
      continue;
    }
    auto found = byShape.find(pipeline.planShapeOf);
    if (found == byShape.end()) found = byShape.emplace(pipeline.planShapeOf, computeFacts(pipeline)).first;
    report(pipeline, found->second, sink);
  }
}

}  // namespace pipelang
