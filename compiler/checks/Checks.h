// The safety checks of checks.md §2 (S201–S221 but S218/S219, which need the
// plan's analysis and live in compiler/plan/). Each family reads one resolved
// pipeline and its policy; a threshold the policy sets to `none` is absent
// from model::Policy and turns its check off.
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/sema/Model.h"

#include <string>

namespace pipelang::checks {

void runSafetyChecks(const model::Pipeline& pipeline, DiagnosticSink& sink);

// Families, one file each.
void checkRollout(const model::Pipeline& pipeline, DiagnosticSink& sink);        // S201 S202 S204 S205 S206 S221
void checkWaves(const model::Pipeline& pipeline, DiagnosticSink& sink);          // S207 S208 S209 S216 S220 S223
void checkBakes(const model::Pipeline& pipeline, DiagnosticSink& sink);          // S203 S211 S212 S217
void checkWindows(const model::Pipeline& pipeline, DiagnosticSink& sink);        // S214 S215
void checkRecovery(const model::Pipeline& pipeline, DiagnosticSink& sink);       // S210 S213
void checkBakeDetection(const model::Pipeline& pipeline, DiagnosticSink& sink);  // S222

// Shared wording.
Diagnostic& reportAt(DiagnosticSink& sink, DiagCode code, const model::Origin& at, std::string message);
// "note: limit set by policy strict (std/policy.pipe:9:3)"
template <typename T>
void addPolicyNote(Diagnostic& d, const model::Pipeline& p, const model::Located<T>& limit);

}  // namespace pipelang::checks
