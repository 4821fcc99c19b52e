// `pipec plan`: one `<pipeline>.plan.json` per concrete pipeline (plan.md).
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/cli/Reporting.h"
#include "compiler/driver/Frontend.h"
#include "compiler/driver/ParseAhead.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanExplain.h"
#include "compiler/plan/PlanWriter.h"
#include "compiler/plan/SharedAnalyses.h"
#include "compiler/sema/Model.h"
#include "plan/PlanWriter.h"

#include <llvm/Support/raw_ostream.h>

#include <llvm/ADT/iterator.h>
#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string_view>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace pipelang::cli {

namespace fs = std::filesystem;

namespace {

// `-o DIR`: plan models are built on the main thread as the pipelines'
// models stream by (Frontend::forEachPipeline), and two threads analyse and
// write them, each file whole from one thread (issue 18): the analysis, two
// thirds of a plan's cost, is off the main thread. At most kWaiting plans wait,
// so memory holds a few plans whatever the number of pipelines. Plans are
// taken in order; after a failed write no other is taken, and the first
// failed file in pipeline order is the one reported.
class PlanFileWriters {
 public:
  explicit PlanFileWriters(fs::path dir) : dir_(std::move(dir)) {
    unsigned count = std::thread::hardware_concurrency() > 1 ? 2 : 1;
    for (unsigned i = 0; i < count; ++i) threads_.emplace_back([this] { work(); });
  }
  ~PlanFileWriters() { finish(); }

  void add(plan::UnanalysedPlan plan) {
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [this] { return waiting_.size() < kWaiting || stop_; });
    if (stop_) return;
    waiting_.push_back({next_++, std::move(plan)});
    ready_.notify_one();
  }

  // Waits for every plan; the first file that could not be written, or "".
  std::string finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    ready_.notify_all();
    for (std::thread& thread : threads_)
      if (thread.joinable()) thread.join();
    return failedFile_;
  }

 private:
  static constexpr size_t kWaiting = 4;
  struct Job {
    size_t index;
    plan::UnanalysedPlan plan;
  };

  // The whole file in as few write(2) calls as the kernel allows, no fsync
  // (as `terraform plan -out` and the ofstream before it); false on any failure.
  static bool writeFile(const fs::path& file, std::string_view text) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return false;
    bool ok = true;
    while (ok && !text.empty()) {
      ssize_t written = ::write(fd, text.data(), text.size());
      if (written < 0 && errno == EINTR) continue;
      ok = written > 0;
      if (ok) text.remove_prefix(static_cast<size_t>(written));
    }
    return ::close(fd) == 0 && ok;
  }

  void work() {
    std::string text;             // this thread's buffer, reused from plan to plan (issue 18)
    planformat::Plan done;        // the plan written last: its steps' strings are reused
    plan::SharedAnalyses shared;  // this thread's analyses, reused by plans of the same layout
    for (;;) {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return !waiting_.empty() || done_ || stop_; });
      if (stop_ || waiting_.empty()) return;
      Job job = std::move(waiting_.front());
      waiting_.pop_front();
      room_.notify_one();
      lock.unlock();
      fs::path file = dir_ / (job.plan.model.pipeline + ".plan.json");
      done = plan::analysePlanModel(std::move(job.plan), &done, &shared);
      planformat::writePlan(done, text, &repeated_);
      if (writeFile(file, text)) continue;
      lock.lock();
      if (job.index < failedIndex_) {
        failedIndex_ = job.index;
        failedFile_ = file.generic_string();
      }
      stop_ = true;
      room_.notify_all();
      ready_.notify_all();
    }
  }

  fs::path dir_;
  planformat::RepeatedParts repeated_;  // steps and analysis bytes, reused by plans that repeat them
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<Job> waiting_;
  size_t next_ = 0;
  bool done_ = false, stop_ = false;
  size_t failedIndex_ = static_cast<size_t>(-1);
  std::string failedFile_;
};

}  // namespace

int runPlan() {
  FrontendOptions options;
  options.absoluteAsNamed = true;
  for (const std::string& path : opt::planPaths) options.inputs.emplace_back(path);
  if (options.inputs.empty()) options.inputs.emplace_back(".");
  options.root = opt::root.getValue();
  options.stdlibDir = opt::stdlib.getValue();
  options.upto = Phase::Check;
  options.jobs = effectiveJobs(opt::jobs);
  // Every plan of a folder: the models are checked and freed one by one, then
  // made again one by one for their plans (memory flat in N, issue 18).
  bool everyPlanToFiles = !opt::planOutputDir.empty() && !opt::planExplain && opt::planPipeline.empty();
  options.keepPipelines = !everyPlanToFiles;
  std::unique_ptr<Compilation> compilation = Frontend::run(options);
  // Diagnostics go to stderr; a compilation with errors gets no plan at all.
  if (int status = reportDiagnostics(*compilation); status != kExitOk) return status;
  if (everyPlanToFiles) {
    std::error_code ec;
    fs::create_directories(opt::planOutputDir.getValue(), ec);
    if (ec) {
      llvm::errs() << "pipec: error: cannot create `" << opt::planOutputDir << "`: " << ec.message() << "\n";
      return kExitUsage;
    }
    PlanFileWriters writers{fs::path(opt::planOutputDir.getValue())};
    if (compilation->program)
      Frontend::forEachPipeline(*compilation, [&](const model::Pipeline& pipeline) {
        writers.add(plan::buildUnanalysedPlanModel(pipeline));
      });
    std::string failed = writers.finish();
    if (failed.empty()) return kExitOk;
    llvm::errs() << "pipec: error: cannot write `" << failed << "`\n";
    return kExitUsage;
  }

  std::vector<const model::Pipeline*> pipelines;
  if (compilation->program)
    for (const model::Pipeline& pipeline : llvm::make_pointee_range(compilation->program->pipelines))
      if (opt::planPipeline.empty() || pipeline.name == opt::planPipeline) pipelines.push_back(&pipeline);
  if (!opt::planPipeline.empty() && pipelines.empty()) {
    llvm::errs() << "pipec: error: " << noPipelineNamed(*compilation, opt::planPipeline) << "\n";
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
