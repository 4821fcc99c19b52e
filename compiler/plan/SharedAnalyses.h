// analyzePlan shared between the plans of one `pipec plan -o` (issue 18).
// An organisation's services mostly differ in what the analysis never reads:
// names, commands, alarm thresholds, traffic floors. Their layouts, once
// those parts are left out, fall into a few classes (the bench's 10,000
// services: 17, one per hosts_per_zone), and the analysis, its calendar
// walks above all, is done once per class.
#pragma once

#include "compiler/plan/Plan.h"
#include "compiler/plan/PlanAnalysis.h"
#include "plan/FieldKey.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace pipelang::plan {

class SharedAnalyses {
 public:
  // analyzePlan(layout) after `layout` has been reduced to what the analysis
  // reads: each stage's traffic floor and its tests' names and commands are
  // cleared, as the caller no longer needs them (analysePlanModel has made
  // the model's stages by then). The analysis is computed from the reduced
  // layout and reused for any later layout equal to it (`==` on every
  // field, each double bit for bit), so sharing cannot change a figure. A
  // layout's analysis is kept from the second time its kind is seen
  // (SecondSighting), at most kKept kinds (the oldest goes), so memory stays
  // flat in the number of plans. The reference stays valid until the next
  // call. Not thread-safe: one per thread.
  const Analysis& analyze(PlanLayout& layout);

  // How many calls found their kind kept, and how many kinds are kept (tests and benches).
  uint64_t reused() const { return reused_; }
  size_t kept() const { return kept_.size(); }

  static constexpr size_t kKept = 32;

 private:
  struct Kept {
    planformat::FieldKey key;  // compared first: a hash, then each double bit for bit
    PlanLayout layout;
    Analysis analysis;
  };
  std::vector<std::unique_ptr<Kept>> kept_;  // newest last
  planformat::SecondSighting seen_;
  Analysis alone_;  // the last analysis not kept
  uint64_t reused_ = 0;
};

}  // namespace pipelang::plan
