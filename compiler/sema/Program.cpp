// The resolve phase as a few calls in a row: names -> schema of each
// declaration -> inheritance -> model (topologies, policies, pipelines) ->
// safety checks. Diagnostics go through a local sink and are deduplicated,
// so a mistake inherited by ten pipelines is reported once.
#include "compiler/sema/Program.h"

#include "compiler/checks/Checks.h"
#include "compiler/sema/Builder.h"
#include "compiler/sema/Merged.h"
#include "compiler/sema/Schema.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

namespace pipelang {

namespace {

size_t errorsIn(const DiagnosticSink& sink, size_t from) {
  size_t count = 0;
  for (size_t i = from; i < sink.diagnostics().size(); ++i)
    if (sink.diagnostics()[i].severity == Severity::Error) ++count;
  return count;
}

bool containsSyntaxError(const DiagnosticSink& sink, SourceRange range) {
  for (const Diagnostic& d : sink.diagnostics()) {
    std::string_view code = diagKind(d.code).name;
    if (code.empty() || code[0] != 'P' || d.range.file != range.file) continue;
    if (range.begin <= d.range.begin && d.range.begin <= range.end) return true;
  }
  return false;
}

// The leading "inherited from ..." notes of a diagnostic (Origin::via, with
// its "... and N more levels"): how many there are.
size_t inheritedNotes(const Diagnostic& d) {
  size_t count = 0;
  while (count < d.notes.size() && (d.notes[count].message.starts_with("inherited from ") ||
                                    (d.notes[count].message.starts_with("... and ") && count > 0)))
    ++count;
  return count;
}

// Forwards each diagnostic once (by code, place and message). A value written
// in a template is found again by every declaration that inherits it; the
// one kept carries the "inherited from" notes of the longest chain that
// reported it (checks.md §1), also when a template's own report came first
// (its value checks, issue 12, and its type errors carry no such notes).
void forwardUnique(DiagnosticSink& from, DiagnosticSink& to) {
  std::map<std::tuple<int, FileId, uint32_t, uint32_t, uint32_t, uint32_t, std::string>, size_t> seen;
  // `super.X` in a list is one error (R114): the schema's view of the same
  // item ("not a name") would only repeat it.
  std::set<std::tuple<FileId, uint32_t, uint32_t>> superInList;
  for (const Diagnostic& d : from.diagnostics())
    if (d.code == DiagCode::R114) superInList.insert({d.range.file, d.range.begin.line, d.range.begin.column});
  for (Diagnostic& d : from.diagnostics()) {
    if (d.code != DiagCode::R114 && superInList.count({d.range.file, d.range.begin.line, d.range.begin.column}))
      continue;
    auto key = std::make_tuple(static_cast<int>(d.code), d.range.file, d.range.begin.line, d.range.begin.column,
                               d.range.end.line, d.range.end.column, d.message);
    auto [kept, inserted] = seen.emplace(std::move(key), to.diagnostics().size());
    if (inserted) {
      to.add(std::move(d));
      continue;
    }
    Diagnostic& first = to.diagnostics()[kept->second];
    size_t had = inheritedNotes(first), has = inheritedNotes(d);
    if (has <= had) continue;
    first.notes.erase(first.notes.begin(), first.notes.begin() + static_cast<std::ptrdiff_t>(had));
    first.notes.insert(first.notes.begin(), d.notes.begin(), d.notes.begin() + static_cast<std::ptrdiff_t>(has));
  }
}

// One declaration's model and diagnostics while the program is resolved.
struct Slot {
  std::unique_ptr<model::Pipeline> model;               // templates, and pipelines when kept
  DiagnosticSink merged, own, dropped, safety, bounds;  // merged: a deferred pipeline body's merge
  bool clean = false;
  std::string name;  // a clean pipeline's model's name
};

// Runs work(check) on `threads` threads, the caller's with `check` and each
// other with its own from `newCheck`; rethrows the first exception caught.
void onThreads(unsigned threads, const PipelineCheck& check, const std::function<PipelineCheck()>& newCheck,
               const std::function<void(const PipelineCheck&)>& work) {
  std::vector<PipelineCheck> checks(threads - 1);
  if (check)
    for (PipelineCheck& own : checks) own = newCheck();
  std::vector<std::exception_ptr> failures(threads);
  auto guarded = [&](size_t index, const PipelineCheck& own) {
    try {
      work(own);
    } catch (...) {
      failures[index] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> others;
    for (size_t i = 0; i + 1 < threads; ++i) others.emplace_back(guarded, i + 1, std::cref(checks[i]));
    guarded(0, check);
  }  // joined
  for (const std::exception_ptr& failure : failures)
    if (failure) std::rethrow_exception(failure);
}

bool within(SourceLoc at, SourceRange range) {
  return range.begin <= at && at <= range.end;
}

// Templates are checked for what they write themselves (issue 12 §5): a
// threshold broken by a value the template writes is reported at the
// template's line even when no pipeline extends it yet, with a note naming
// the pipelines it affects. Only value checks: what a template leaves out
// (a bake, a rollback alarm, windows) is its children's to add. Runs before
// the pipelines' checks, so that this report is the one kept of the same
// diagnostic a pipeline inheriting the value makes.
void checkTemplates(const std::vector<Slot>& slots,
                    const std::vector<std::pair<std::string, const ast::Declaration*>>& pipelines,
                    const std::map<const ast::Declaration*, size_t>& built, sema::Inheritance& inheritance,
                    DiagnosticSink& out) {
  static const std::set<DiagCode> kValueChecks{DiagCode::S202, DiagCode::S204, DiagCode::S205, DiagCode::S206,
                                               DiagCode::S207, DiagCode::S210, DiagCode::S211, DiagCode::S221};
  std::map<const ast::Declaration*, std::vector<std::string>> affected;  // template -> pipelines below it
  for (const auto& [name, decl] : pipelines)
    for (const sema::Chain* link = inheritance.resolve(*decl).chain.parent(); link; link = link->parent())
      affected[link->back()].push_back(name);
  for (const auto& [decl, index] : built) {
    if (!slots[index].model) continue;  // a pipeline, checked on its own
    const model::Pipeline& t = *slots[index].model;
    if (!t.isTemplate || !t.prod) continue;
    DiagnosticSink found;
    checks::runSafetyChecks(t, found);
    for (Diagnostic& d : found.diagnostics()) {
      if (!kValueChecks.count(d.code) || d.range.file != decl->range.file || !within(d.range.begin, decl->range))
        continue;
      const std::vector<std::string>& below = affected[decl];
      std::string names;
      for (size_t i = 0; i < below.size() && i < 5; ++i) names += (i ? ", `" : "`") + below[i] + "`";
      if (below.size() > 5) names += " and " + std::to_string(below.size() - 5) + " more";
      d.notes.push_back({below.empty()
                             ? "no pipeline extends template `" + t.name + "` yet"
                             : std::string(below.size() == 1 ? "affects pipeline " : "affects pipelines ") + names,
                         SourceRange{}});
      out.add(std::move(d));
    }
  }
}

}  // namespace

std::unique_ptr<model::Program> resolveProgram(std::vector<LoadedFile>& files, const SourceManager& sources,
                                               DiagnosticSink& sink, bool runChecks, const NameScope& scope,
                                               const PipelineStream& stream) {
  auto program = std::make_unique<model::Program>();
  DiagnosticSink local;
  std::vector<const ast::File*> asts;
  for (const LoadedFile& file : files)
    if (file.ast) asts.push_back(file.ast.get());

  sema::Namespace names(asts, sources, local);
  if (scope.importTargets) names.setImports(asts, *scope.importTargets, scope.prelude);
  names.setProjectLookup(scope.declaredInProject);

  // Schema errors per declaration, so a pipeline with errors in its chain is
  // left out of the plan. A declaration the parser had to repair is not
  // validated: what the parser made of it would only give follow-on noise.
  std::set<const ast::Declaration*> invalid, damaged;
  DiagnosticSink discarded;
  for (const ast::File* file : asts) {
    bool syntaxErrors = file->hasSyntaxErrors || sink.hasErrorsIn(file->file);
    for (const auto& decl : file->declarations) {
      if (!decl) continue;
      if (syntaxErrors && containsSyntaxError(sink, decl->range)) damaged.insert(decl.get());
      size_t before = local.diagnostics().size();
      sema::validateDeclaration(*decl, damaged.count(decl.get()) ? discarded : local);
      // Only the declaration the parser had to repair: the file's others are
      // checked (docs/diagnostics.md "Guarantees").
      if (damaged.count(decl.get()) || errorsIn(local, before)) invalid.insert(decl.get());
    }
  }

  sema::Inheritance inheritance(names, local);
  if (!stream.keep) inheritance.deferPipelineBodies();
  std::vector<const ast::Declaration*> decls = names.all();  // sorted by name
  for (const ast::Declaration* decl : decls) inheritance.resolve(*decl);

  for (const ast::Declaration* decl : decls)
    if (decl->kind == ast::DeclKind::Topology)
      program->topologies.push_back(sema::buildTopology(inheritance.resolve(*decl), local));
  for (const ast::Declaration* decl : decls)
    if (decl->kind == ast::DeclKind::Policy)
      program->policies.push_back(sema::buildPolicy(inheritance.resolve(*decl), local));

  // Whether a declaration of a chain has schema errors, memoised per link:
  // linear in the number of declarations however long the chains are. Filled
  // for every chain before pipelines are built, so that pass only reads it.
  std::map<const sema::Chain*, bool> invalidMemo;
  auto invalidAlong = [&](const sema::Chain& chain) {
    std::vector<const sema::Chain*> pending;
    bool above = false;
    for (const sema::Chain* link = &chain; link; link = link->parent()) {
      if (auto known = invalidMemo.find(link); known != invalidMemo.end()) {
        above = known->second;
        break;
      }
      pending.push_back(link);
    }
    for (auto it = pending.rbegin(); it != pending.rend(); ++it)
      invalidMemo[*it] = above = above || invalid.count((*it)->back()) > 0;
    return above;
  };
  for (const ast::Declaration* decl : decls) invalidAlong(inheritance.resolve(*decl).chain);

  // Templates are built first: every pipeline's checks compare it with its
  // parent's model. Pipelines are leaves (only templates may be extended), so
  // each is built, checked and, unless kept, freed before the next one: memory
  // holds one pipeline's model, not ten thousand (issue 18). Each declaration's
  // diagnostics wait in its own slot and are forwarded in the order of a
  // whole-program run (names, then dropped alarms, templates' checks,
  // pipelines' checks), so deduplication keeps the same reports as before.
  std::vector<Slot> slots(decls.size());
  std::map<const ast::Declaration*, size_t> built;  // index into `slots` of each clean pipeline and template
  std::vector<std::pair<std::string, const ast::Declaration*>> concrete;  // clean pipelines, in name order
  std::vector<size_t> concreteSlots;

  auto reportDropped = [&](const ast::Declaration& decl, const model::Pipeline& self, Slot& slot) {
    const sema::ResolvedDecl& resolved = inheritance.resolve(decl);
    const sema::Chain* parent = resolved.chain.parent();
    auto parentIndex = parent ? built.find(parent->back()) : built.end();
    if (parentIndex == built.end() || damaged.count(&decl) || !resolved.ok) return;
    sema::reportDroppedAlarms(resolved, self, *slots[parentIndex->second].model, slot.dropped);
  };
  // A template may be partial: a name it uses (a metric, an alarm) may be
  // declared by what extends it, so its R101 wait for that. A template of
  // the user's that nothing extends has nothing to wait for: its names are
  // resolved as a pipeline's would be (docs/checks.md "Templates nothing
  // extends"), and only what extends nothing reports, so no name is reported twice.
  std::set<const ast::Declaration*> extended;
  for (const ast::Declaration* decl : decls)
    if (const sema::Chain* parent = inheritance.resolve(*decl).chain.parent()) extended.insert(parent->back());
  auto build = [&](size_t index) {
    const ast::Declaration* decl = decls[index];
    Slot& slot = slots[index];
    const sema::ResolvedDecl& resolved = inheritance.merge(*decl, slot.merged);
    bool waitsForNames =
        decl->kind == ast::DeclKind::Template && (extended.count(decl) || sources.file(decl->nameRange.file).isStdlib);
    DiagnosticSink own;
    model::Pipeline pipeline = sema::buildPipeline(resolved, *program, names, own);
    // Only an R-error (or any other that leaves the model incomplete) keeps
    // the safety checks off (docs/checks.md); a safety error the builder
    // reports leaves a whole model (S208's unknown regions are left out of
    // their wave), so the other checks still run on it.
    bool incomplete = std::any_of(own.diagnostics().begin(), own.diagnostics().end(), [](const Diagnostic& d) {
      return d.severity == Severity::Error && !diagKind(d.code).name.starts_with("S");
    });
    slot.clean = resolved.ok && !incomplete && !invalidAlong(resolved.chain);
    // A chain cut by a failed import (R103, R104) lacks what that file would
    // have brought (metrics, alarms): its unknown names are not reported again.
    bool cutByImport = false;
    if (!resolved.ok)
      for (const sema::Chain* link = &resolved.chain; link && !cutByImport; link = link->parent())
        cutByImport = names.hasFailedImport(link->back()->nameRange.file);
    if (!damaged.count(decl))
      for (Diagnostic& d : own.diagnostics())
        if ((!waitsForNames && !cutByImport) || d.code != DiagCode::R101) slot.own.add(std::move(d));
    return pipeline;
  };
  for (size_t i = 0; i < decls.size(); ++i)
    if (decls[i]->kind == ast::DeclKind::Template) {
      slots[i].model = std::make_unique<model::Pipeline>(build(i));
      if (slots[i].clean) built.emplace(decls[i], i);  // a half-built model would only add noise
    }
  // Each pipeline reads the templates, the names and the tables filled
  // above, and writes only its own slot and merged body.
  auto buildAndCheck = [&](size_t i, const PipelineCheck& check) {
    model::Pipeline pipeline = build(i);
    Slot& slot = slots[i];
    if (slot.clean) {
      reportDropped(*decls[i], pipeline, slot);
      slot.name = pipeline.name;
      // Checks only on pipelines that resolved cleanly: a half-built model would only add noise.
      if (runChecks) checks::runSafetyChecks(pipeline, slot.safety);
      if (runChecks && check) check(pipeline, slot.bounds);
      if (stream.visit) stream.visit(pipeline);
    }
    if (stream.keep)
      slot.model = std::make_unique<model::Pipeline>(std::move(pipeline));
    else
      inheritance.release(*decls[i]);
  };
  std::vector<size_t> pipelineSlots;
  for (size_t i = 0; i < decls.size(); ++i)
    if (decls[i]->kind == ast::DeclKind::Pipeline) pipelineSlots.push_back(i);
  // Several threads only where nothing needs the pipelines in order and
  // memory holds one model per thread (`pipec check`).
  unsigned threads = stream.keep || stream.visit || (stream.check && !stream.newCheck) || !runChecks
                         ? 1u
                         : static_cast<unsigned>(std::min<size_t>(std::max(stream.jobs, 1u), pipelineSlots.size()));
  if (threads <= 1) {
    for (size_t i : pipelineSlots) buildAndCheck(i, stream.check);
  } else {
    std::atomic<size_t> next{0};
    onThreads(threads, stream.check, stream.newCheck, [&](const PipelineCheck& check) {
      for (size_t k; (k = next.fetch_add(1, std::memory_order_relaxed)) < pipelineSlots.size();)
        buildAndCheck(pipelineSlots[k], check);
    });
  }
  for (size_t i : pipelineSlots) {
    for (Diagnostic& d : slots[i].merged.diagnostics()) local.add(std::move(d));
    if (!slots[i].clean) continue;
    built.emplace(decls[i], i);
    concrete.emplace_back(slots[i].name, decls[i]);
    concreteSlots.push_back(i);
  }
  for (size_t i = 0; i < decls.size(); ++i)
    if (decls[i]->kind == ast::DeclKind::Template && built.count(decls[i]))
      reportDropped(*decls[i], *slots[i].model, slots[i]);

  for (Slot& slot : slots)
    for (Diagnostic& d : slot.own.diagnostics()) local.add(std::move(d));
  // Safety settings dropped by a child: compared with the direct parent only,
  // so a drop is reported once, at the level that made it.
  for (const auto& [decl, index] : built)
    for (Diagnostic& d : slots[index].dropped.diagnostics()) local.add(std::move(d));
  if (runChecks) checkTemplates(slots, concrete, built, inheritance, local);
  for (size_t index : concreteSlots)
    for (Diagnostic& d : slots[index].safety.diagnostics()) local.add(std::move(d));
  forwardUnique(local, sink);
  for (size_t index : concreteSlots)
    for (Diagnostic& d : slots[index].bounds.diagnostics()) sink.add(std::move(d));

  // The models in name order, as `pipec show` and the language server find them.
  program->all.reserve(static_cast<size_t>(
      std::count_if(slots.begin(), slots.end(), [](const Slot& slot) { return slot.model != nullptr; })));
  for (size_t i = 0; i < slots.size(); ++i) {
    if (!slots[i].model) continue;
    program->all.push_back(std::move(*slots[i].model));
    if (decls[i]->kind == ast::DeclKind::Pipeline && slots[i].clean) program->pipelines.push_back(&program->all.back());
  }
  return program;
}

}  // namespace pipelang
