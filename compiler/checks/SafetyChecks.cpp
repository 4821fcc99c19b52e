// Runs every check family on one pipeline, and the wording they share.
#include "compiler/checks/Checks.h"

#include "compiler/syntax/Literals.h"

namespace pipelang::checks {

void runSafetyChecks(const model::Pipeline& pipeline, DiagnosticSink& sink) {
  if (!pipeline.prod) return;  // R108 already said so
  checkRollout(pipeline, sink);
  checkWaves(pipeline, sink);
  checkBakes(pipeline, sink);
  checkWindows(pipeline, sink);
  checkRecovery(pipeline, sink);
  checkBakeDetection(pipeline, sink);
}

Diagnostic& reportAt(DiagnosticSink& sink, DiagCode code, const model::Origin& at, std::string message) {
  Diagnostic& d = sink.report(code, at.range, std::move(message));
  d.notes = at.via;
  return d;
}

template <typename T>
void addPolicyNote(Diagnostic& d, const model::Pipeline& p, const model::Located<T>& limit) {
  // The policy that wrote the limit: the chosen one, or the ancestor its first note names.
  std::string writer = p.policy ? p.policy->name : "strict";
  if (!limit.origin.via.empty()) {
    const std::string& message = limit.origin.via.back().message;
    if (auto space = message.rfind(' '); space != std::string::npos) writer = message.substr(space + 1);
  }
  d.notes.push_back({"limit set by policy " + writer, limit.origin.range});
}

template void addPolicyNote(Diagnostic&, const model::Pipeline&, const model::Located<double>&);
template void addPolicyNote(Diagnostic&, const model::Pipeline&, const model::Located<int64_t>&);
template void addPolicyNote(Diagnostic&, const model::Pipeline&, const model::Located<int>&);
template void addPolicyNote(Diagnostic&, const model::Pipeline&, const model::Located<std::vector<std::string>>&);

}  // namespace pipelang::checks
