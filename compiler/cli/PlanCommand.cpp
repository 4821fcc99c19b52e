// `pipec plan`: one `<pipeline>.plan.json` per concrete pipeline (plan.md).
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/cli/Reporting.h"
#include "compiler/driver/Frontend.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanExplain.h"
#include "compiler/plan/PlanWriter.h"
#include "compiler/sema/Model.h"
#include "plan/PlanWriter.h"

#include <llvm/Support/raw_ostream.h>

#include <llvm/ADT/iterator.h>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

namespace pipelang::cli {

namespace fs = std::filesystem;

namespace {

// Builds and writes one plan file; false when it could not be written.
bool writePlanFile(const model::Pipeline& pipeline, const fs::path& dir) {
  // Straight from the model: no json::Value, the digest hashed as it is written (issue 18).
  std::string text = planformat::writePlan(plan::buildPlanModel(pipeline));
  std::ofstream out(dir / (pipeline.name + ".plan.json"), std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

// `-o DIR`: plans of different pipelines share nothing but the read-only
// model (and the time zone switch, under its own lock), so two threads
// build and write them, each file whole from one thread (issue 18). Files
// are claimed in order; after a failed write no thread claims another, and
// the first failed file in pipeline order is the one reported. Memory holds
// one plan per thread, whatever the number of pipelines.
int writePlanFiles(const std::vector<const model::Pipeline*>& pipelines, const fs::path& dir) {
  constexpr size_t kNoFailure = static_cast<size_t>(-1);
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  size_t firstFailure = kNoFailure;
  auto work = [&] {
    for (size_t i; !stop && (i = next++) < pipelines.size();) {
      if (writePlanFile(*pipelines[i], dir)) continue;
      stop = true;
      std::lock_guard<std::mutex> lock(mutex);
      firstFailure = std::min(firstFailure, i);
    }
  };
  std::thread helper;
  if (pipelines.size() > 1 && std::thread::hardware_concurrency() > 1) helper = std::thread(work);
  work();
  if (helper.joinable()) helper.join();
  if (firstFailure == kNoFailure) return kExitOk;
  fs::path file = dir / (pipelines[firstFailure]->name + ".plan.json");
  llvm::errs() << "pipec: error: cannot write `" << file.generic_string() << "`\n";
  return kExitUsage;
}

}  // namespace

int runPlan() {
  FrontendOptions options;
  for (const std::string& path : opt::planPaths) options.inputs.emplace_back(path);
  if (options.inputs.empty()) options.inputs.emplace_back(".");
  options.root = opt::root.getValue();
  options.stdlibDir = opt::stdlib.getValue();
  options.upto = Phase::Check;
  std::unique_ptr<Compilation> compilation = Frontend::run(options);
  // Diagnostics go to stderr; a compilation with errors gets no plan at all.
  if (int status = reportDiagnostics(*compilation); status != kExitOk) return status;

  std::vector<const model::Pipeline*> pipelines;
  if (compilation->program)
    for (const model::Pipeline& pipeline : llvm::make_pointee_range(compilation->program->pipelines))
      if (opt::planPipeline.empty() || pipeline.name == opt::planPipeline) pipelines.push_back(&pipeline);
  if (!opt::planPipeline.empty() && pipelines.empty()) {
    llvm::errs() << "pipec: error: no pipeline named `" << opt::planPipeline << "`\n";
    return kExitUsage;
  }
  bool toStdout = opt::planOutputDir.empty() && !opt::planExplain;
  if (toStdout && pipelines.size() > 1) {
    llvm::errs() << "pipec: error: " << pipelines.size()
                 << " pipelines: give `-o DIR` to write one plan file each, or `--pipeline NAME`\n";
    return kExitUsage;
  }
  if (!opt::planOutputDir.empty()) {
    std::error_code ec;
    fs::create_directories(opt::planOutputDir.getValue(), ec);
    if (ec) {
      llvm::errs() << "pipec: error: cannot create `" << opt::planOutputDir << "`: " << ec.message() << "\n";
      return kExitUsage;
    }
  }
  if (!opt::planOutputDir.empty() && !opt::planExplain)
    return writePlanFiles(pipelines, fs::path(opt::planOutputDir.getValue()));
  for (const model::Pipeline* pipeline : pipelines) {
    std::string text;
    if (opt::planExplain) {
      llvm::json::Value plan = plan::buildPlanJson(*pipeline);
      llvm::outs() << plan::explainPlan(plan);
      text = plan::writePlanText(plan);
    } else {
      text = planformat::writePlan(plan::buildPlanModel(*pipeline));
    }
    if (toStdout) {
      llvm::outs() << text;
      continue;
    }
    if (opt::planOutputDir.empty()) continue;
    fs::path file = fs::path(opt::planOutputDir.getValue()) / (pipeline->name + ".plan.json");
    std::ofstream out(file, std::ios::binary);
    out << text;
    if (!out) {
      llvm::errs() << "pipec: error: cannot write `" << file.generic_string() << "`\n";
      return kExitUsage;
    }
  }
  return kExitOk;
}

}  // namespace pipelang::cli
