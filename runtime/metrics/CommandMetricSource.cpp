#include "runtime/metrics/CommandMetricSource.h"

#include "runtime/deploy/ChildProcess.h"
#include "runtime/deploy/CommandLine.h"
#include "runtime/metrics/ReadingRule.h"

#include <llvm/ADT/StringRef.h>

#include <fstream>
#include <sstream>

namespace pipelang::runtime {

MetricReading CommandMetricSource::read(const MetricRequest& request) {
  MetricReading reading;
  std::string hosts;
  for (const auto& host : request.scope.hosts) hosts += (hosts.empty() ? "" : " ") + host;
  std::string stage = request.scope.fleet.empty() ? "prod" : request.scope.fleet;  // as in `{scope}`
  reading.resolvedQuery = request.metric.query + "  [PIPE_STAGE=" + stage + " PIPE_REGION=" + request.scope.region +
                          " PIPE_ZONE=" + request.scope.zone + " PIPE_HOSTS=" + hosts + "]";
  auto argv = splitCommandLine(request.metric.query);
  if (!argv) {
    reading.error = llvm::toString(argv.takeError());
    return reading;
  }
  CommandOutcome outcome = runCommand(*argv,
                                      {{"PIPE_STAGE", stage},
                                       {"PIPE_REGION", request.scope.region},
                                       {"PIPE_ZONE", request.scope.zone},
                                       {"PIPE_HOSTS", hosts},
                                       {"PIPE_VERSION", request.version}},
                                      request.timeoutMs > 0 ? static_cast<int>(request.timeoutMs) : timeoutMs_);
  if (!outcome.error.empty()) {
    reading.error = outcome.error;
    return reading;
  }
  reading.value = parseOneNumber(outcome.output, reading.error);
  return reading;
}

std::optional<bool> DirectoryAlarmSource::firing(const std::string& name, Instant) {
  if (dir_.empty()) return std::nullopt;
  std::ifstream in(dir_ + "/" + name);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();  // kept alive: the StringRef below points into it
  llvm::StringRef state = llvm::StringRef(text).trim();
  if (state == "ALARM") return true;
  if (state == "OK") return false;
  return std::nullopt;
}

}  // namespace pipelang::runtime
