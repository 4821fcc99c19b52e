#include "runtime/cli/RunOptions.h"

#include <fmt/format.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <pwd.h>
#include <unistd.h>
#include <cstdlib>

namespace pipelang::runtime::cli {

namespace json = llvm::json;

RunOptions loadRunOptions(Journal& journal, std::int64_t runId) {
  RunOptions options;
  auto text = journal.meta(fmt::format("run_options/{}", runId));
  if (!text) return options;
  auto value = json::parse(*text);
  if (!value) {
    llvm::consumeError(value.takeError());
    return options;
  }
  const json::Object* o = value->getAsObject();
  if (!o) return options;
  auto str = [&](const char* key) { return o->getString(key).getValueOr("").str(); };
  options.by = str("by");
  options.prometheus = str("prometheus");
  options.alarmsDir = str("alarms_dir");
  options.alertmanager = str("alertmanager");
  options.firstDeploy = o->getBoolean("first_deploy").getValueOr(false);
  options.retryReason = str("retry_reason");
  options.retryBy = str("retry_by");
  return options;
}

void saveRunOptions(Journal& journal, std::int64_t runId, const RunOptions& options) {
  std::string text;
  llvm::raw_string_ostream out(text);
  out << json::Value(json::Object{{"by", options.by},
                                  {"prometheus", options.prometheus},
                                  {"alarms_dir", options.alarmsDir},
                                  {"alertmanager", options.alertmanager},
                                  {"first_deploy", options.firstDeploy},
                                  {"retry_reason", options.retryReason},
                                  {"retry_by", options.retryBy}});
  out.flush();
  journal.setMeta(fmt::format("run_options/{}", runId), text);
}

std::string osUser() {
  if (const char* user = std::getenv("USER"); user && *user) return user;
  if (const passwd* entry = getpwuid(geteuid())) return entry->pw_name;
  return fmt::format("uid {}", geteuid());
}

std::vector<std::string> metricsWithoutProvider(const Plan& plan, const std::string& prometheusUrl) {
  std::vector<std::string> out;
  for (const auto& [name, metric] : plan.metrics) {
    if (metric.source == "command") continue;
    if (metric.source == "prometheus" && !prometheusUrl.empty()) continue;
    out.push_back(metric.source == "prometheus" ? fmt::format("{} (prometheus: no --prometheus URL and no "
                                                              "prometheus_url in the plan)",
                                                              name)
                                                : fmt::format("{} (unknown source {})", name, metric.source));
  }
  return out;
}

}  // namespace pipelang::runtime::cli
