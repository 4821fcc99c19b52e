// Writes the one plan model (plan/Plan.h) as the document of
// docs/plan-format.md: the inverse of plan/PlanReader.h, field for field, so
// the format's names and nulls are spelled in this folder only.
#pragma once

#include "plan/Plan.h"

#include <llvm/Support/JSON.h>

#include <cstdint>
#include <memory>
#include <string>

namespace pipelang::planformat {

// The document with its "digest" computed from the content (plan.digest and
// plan.text are ignored). Empty region, zone and unit are written as null;
// a step's "run" and "timeout_s" only for test steps; "analysis" only when set.
llvm::json::Value planToJson(const Plan& plan);

// The bytes of a plan file: writePlanText(planToJson(plan)), byte for byte,
// written straight from the model with the digest hashed as the canonical
// form is produced (plan/PlanStream.cpp, issue 18).
std::string writePlan(const Plan& plan);

// writePlan into `text` (its bytes replaced), keeping its capacity: a caller that
// writes many plans reuses one buffer instead of allocating (and faulting in)
// a fresh one per plan (`pipec plan -o`, issue 18). The same bytes.
void writePlan(const Plan& plan, std::string& text);

// The bytes of the parts that repeat between the plans of one organisation,
// kept by one writer: a plan's "steps" and "analysis" values, the bulk of
// its bytes (two thirds and a fifth), are the same for every service that
// shares its template, topology and host counts (issue 18: the bench's
// 10,000 services have 17 kinds). Each part is kept in both forms (the
// canonical one hashed for the digest, and the text) with the value it was
// written from; a plan whose part equals a kept one, field for field and
// each double bit for bit, gets the kept bytes, which are the bytes it would
// have been written as. A part is kept from the second time its kind is
// seen (SecondSighting in plan/FieldKey.h), at most kKept of each (the
// oldest goes), so memory stays flat in the number of plans. Thread-safe: the writers of one
// `plan -o` share one, so each kind is rendered and kept once.
class RepeatedParts {
 public:
  RepeatedParts();
  ~RepeatedParts();
  RepeatedParts(const RepeatedParts&) = delete;
  RepeatedParts& operator=(const RepeatedParts&) = delete;

  static constexpr size_t kKept = 32;
  // Parts written from kept bytes so far (tests and benches).
  uint64_t reused() const;

  struct Kept;

 private:
  friend void writePlan(const Plan& plan, std::string& text, RepeatedParts* repeated);
  std::unique_ptr<Kept> kept_;
};

// writePlan(plan, text) taking the repeated parts' bytes from `repeated` (may be null). The same bytes.
void writePlan(const Plan& plan, std::string& text, RepeatedParts* repeated);

}  // namespace pipelang::planformat
