#include "runtime/sim/Scenario.h"

#include "runtime/engine/TimeText.h"
#include "runtime/text/Printable.h"

#include "compiler/plan/BoundedJson.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/MemoryBuffer.h>

#include <fmt/format.h>
#include <ctime>

namespace pipelang::runtime {
namespace {

namespace json = llvm::json;

llvm::Error bad(const std::string& what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "scenario: %s", what.c_str());
}

llvm::Expected<std::int64_t> offset(const json::Object& o, llvm::StringRef key, std::int64_t fallback) {
  auto text = o.getString(key);
  if (!text) return fallback;
  auto value = parseDuration(text->str());
  if (!value) return bad("'" + key.str() + "': bad offset '" + text->str() + "' (expected e.g. +26h or +1h30m)");
  return *value;
}

std::map<std::string, double> numbers(const json::Object* o) {
  std::map<std::string, double> out;
  if (o)
    for (const auto& [key, value] : *o)
      if (auto n = value.getAsNumber()) out[key.str()] = *n;
  return out;
}

llvm::Error readFaults(const json::Object& root, std::vector<MetricFault>& out) {
  if (const auto* faults = root.getArray("faults"))
    for (const auto& f : *faults) {
      const auto* o = f.getAsObject();
      if (!o) return bad("a fault is not an object");
      MetricFault fault;
      if (auto m = o->getString("metric")) fault.metric = m->str();
      fault.value = o->getNumber("value").getValueOr(0);
      if (auto r = o->getString("region")) fault.region = r->str();
      if (auto z = o->getString("zone")) fault.zone = z->str();
      auto from = offset(*o, "from", 0);
      if (!from) return from.takeError();
      auto to = offset(*o, "to", std::int64_t(1) << 40);
      if (!to) return to.takeError();
      fault.fromS = *from;
      fault.toS = *to;
      out.push_back(fault);
    }
  return llvm::Error::success();
}

llvm::Error readDeployFailures(const json::Object& root, const Plan& plan, std::set<std::string>& out) {
  if (const auto* failures = root.getArray("deploy_failures"))
    for (const auto& f : *failures)
      if (auto s = f.getAsString()) {
        if (!plan.step(s->str())) return bad("deploy_failures names unknown step '" + s->str() + "'");
        out.insert(s->str());
      }
  return llvm::Error::success();
}

// `emergency`, `overrides`, `approvals` and `rollbacks`: what people do, sorted by time.
llvm::Error readPeople(const json::Object& root, Instant start, bool& emergency, std::string& reason,
                       std::vector<RequestRecord>& requests) {
  if (const auto* object = root.getObject("emergency")) {
    emergency = true;
    if (auto r = object->getString("reason")) reason = r->str();
    auto at = offset(*object, "approved_at", 0);
    if (!at) return at.takeError();
    if (const auto* by = object->getArray("approved_by"))
      for (const auto& who : *by)
        if (auto s = who.getAsString()) requests.push_back({0, 0, "approve", "", "", s->str(), "", start + *at});
  }
  // Extensions for testing people's actions: overrides, approvals, manual rollback.
  for (const char* key : {"overrides", "approvals", "rollbacks"}) {
    const auto* list = root.getArray(key);
    if (!list) continue;
    for (const auto& item : *list) {
      const auto* o = item.getAsObject();
      if (!o) return bad(std::string(key) + ": an entry is not an object");
      RequestRecord request;
      request.kind = std::string(key) == "overrides"   ? "override"
                     : std::string(key) == "approvals" ? "approve"
                                                       : "rollback";
      if (auto t = o->getString("blocker")) request.target = t->str();
      if (o->getBoolean("all").getValueOr(false)) request.target = "all";
      if (auto r = o->getString("reason")) request.reason = r->str();
      if (auto w = o->getString("by")) request.who = w->str();
      if (auto s = o->getString("stage")) request.stage = s->str();
      auto at = offset(*o, "at", 0);
      if (!at) return at.takeError();
      request.t = start + *at;
      if (request.kind == "override" && (request.target.empty() || request.reason.empty()))
        return bad("an override needs \"blocker\" (an alarm name or \"window\") and a \"reason\"");
      requests.push_back(request);
    }
  }
  std::stable_sort(requests.begin(), requests.end(),
                   [](const RequestRecord& a, const RequestRecord& b) { return a.t < b.t; });
  return llvm::Error::success();
}

// The longest `at`: a submission later than this is a typo, not a plan.
constexpr std::int64_t kLatestSubmissionS = 365 * 86400;
// The most versions one scenario submits (the simulated fleet keeps a host's version in a byte).
constexpr size_t kMostVersions = 200;

// `versions` (docs/runtime.md "Several versions in flight"): each entry is a
// submission with its own behaviour; errors name the entry and the field.
llvm::Error readVersions(const json::Object& root, const json::Value& value, const Plan& plan, Scenario& scenario) {
  for (const char* key : {"version", "new_version", "emergency", "overrides", "approvals", "rollbacks"})
    if (root.get(key))
      return bad(
          fmt::format("'{}' and 'versions' together: with 'versions', each entry carries its own '{}'", key, key));
  const auto* list = value.getAsArray();
  if (!list) return bad("'versions' must be a list of objects such as {\"version\": \"v2\", \"at\": \"+0h\"}");
  if (list->empty()) return bad("'versions' is empty: list at least one version, or leave 'versions' out");
  if (list->size() > kMostVersions)
    return bad(fmt::format("'versions' lists {} versions; a scenario submits at most {}", list->size(), kMostVersions));
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string where = fmt::format("versions[{}]", i);
    const auto* o = (*list)[i].getAsObject();
    if (!o) return bad(where + ": not an object (expected {\"version\": \"v2\", \"at\": \"+0h\"})");
    for (const auto& [key, unused] : *o) {
      static const std::set<std::string> known = {"version",         "at",        "new_version", "faults",
                                                  "deploy_failures", "emergency", "overrides",   "approvals",
                                                  "rollbacks"};
      if (!known.count(key.str()))
        return bad(
            fmt::format("{}: unknown field '{}' (known: version, at, new_version, faults, deploy_failures, "
                        "emergency, overrides, approvals, rollbacks)",
                        where, printable(key.str())));
    }
    VersionSubmission entry;
    auto name = o->getString("version");
    if (!name || name->empty() || name->size() > 128 || hasControl(*name))
      return bad(where + ": 'version' must be a string of 1 to 128 characters without control characters");
    entry.version = name->str();
    if (entry.version == scenario.previous)
      return bad(
          fmt::format("{}: {} is the previous version, which the fleet runs already", where, printable(entry.version)));
    if (auto [it, fresh] = seen.emplace(entry.version, i); !fresh)
      return bad(fmt::format("{}: {} is listed twice (versions[{}] and versions[{}]); a version is submitted once",
                             where, printable(entry.version), it->second, i));
    const auto* at = o->get("at");
    if (!at) return bad(where + ": 'at' is missing: when the version is submitted, e.g. \"+3h\" after start");
    auto text = at->getAsString();
    std::optional<std::int64_t> atS;
    if (text) atS = parseDuration(text->str());
    if (!atS)
      return bad(fmt::format("{}: 'at': bad offset {} (expected e.g. +0h, +3h or +1h30m after start)", where,
                             text ? "'" + printable(text->str()) + "'" : std::string("(not a string)")));
    if (*atS > kLatestSubmissionS)
      return bad(fmt::format("{}: 'at': {} is more than 365 days after start", where, printable(text->str())));
    if (!scenario.versions.empty() && *atS < scenario.versions.back().atS)
      return bad(fmt::format("{}: {} at {} is listed after {} at {}: list versions in the order they are submitted",
                             where, printable(entry.version), formatDuration(atS.value_or(0)),
                             scenario.versions.back().version, formatDuration(scenario.versions.back().atS)));
    entry.atS = *atS;
    if (const auto* metrics = o->get("new_version")) {
      const auto* object = metrics->getAsObject();
      if (!object) return bad(where + ": 'new_version' must be an object of metric values");
      for (const auto& [metric, number] : *object) {
        if (!plan.metrics.count(metric.str()))
          return bad(fmt::format("{}: new_version names metric '{}' that the plan does not have", where,
                                 printable(metric.str())));
        auto n = number.getAsNumber();
        if (!n) return bad(fmt::format("{}: new_version: '{}' is not a number", where, printable(metric.str())));
        entry.newVersion[metric.str()] = *n;
      }
    }
    auto within = [&](llvm::Error error) -> llvm::Error {
      if (!error) return error;
      std::string text = llvm::toString(std::move(error));
      llvm::StringRef rest(text);
      rest.consume_front("scenario: ");
      return bad(where + ": " + rest.str());
    };
    if (auto error = within(readFaults(*o, entry.faults))) return error;
    if (auto error = within(readDeployFailures(*o, plan, entry.deployFailures))) return error;
    if (auto error = within(readPeople(*o, scenario.start, entry.emergency, entry.emergencyReason, entry.requests)))
      return error;
    scenario.versions.push_back(std::move(entry));
  }
  return llvm::Error::success();
}

}  // namespace

llvm::Expected<Scenario> parseScenario(const std::string& text, const Plan& plan) {
  auto parsed = planformat::parseBoundedJson(text);
  if (!parsed) return bad("not valid JSON: " + llvm::toString(parsed.takeError()));
  const auto* root = parsed->getAsObject();
  if (!root) return bad("not a JSON object");
  Scenario scenario;
  planformat::WindowCalendar calendar(plan.windows.value_or(planformat::WindowSpec{}));

  if (auto start = root->getString("start")) {
    planformat::LocalTime local;
    if (std::sscanf(start->str().c_str(), "%d-%d-%dT%d:%d:%d", &local.year, &local.month, &local.day, &local.hour,
                    &local.minute, &local.second) < 5)
      return bad("'start': expected local time YYYY-MM-DDTHH:MM[:SS], got '" + start->str() + "'");
    scenario.start = calendar.fromLocal(local);
  } else {
    // The next Monday 09:00 in the windows' timezone.
    planformat::LocalTime today = calendar.toLocal(std::time(nullptr));
    int days = (8 - today.weekday) % 7;
    if (days == 0) days = 7;
    scenario.start = calendar.fromLocal({today.year, today.month, today.day + days, 9, 0, 0, 1});
  }
  if (auto v = root->getString("version")) scenario.version = v->str();
  if (auto v = root->getString("previous")) scenario.previous = v->str();
  if (auto v = root->getString("batch_time")) {
    auto seconds = parseDuration(v->str());
    if (!seconds || *seconds <= 0) return bad("'batch_time': bad duration '" + v->str() + "'");
    scenario.batchTimeS = static_cast<int>(*seconds);
  }
  scenario.baseline = numbers(root->getObject("baseline"));
  scenario.newVersion = numbers(root->getObject("new_version"));
  for (const auto& [name, value] : scenario.baseline)
    if (!plan.metrics.count(name)) return bad("baseline names metric '" + name + "' that the plan does not have");

  if (auto error = readFaults(*root, scenario.faults)) return error;
  if (auto error = readDeployFailures(*root, plan, scenario.deployFailures)) return error;
  if (const auto* alarms = root->getArray("external_alarms"))
    for (const auto& a : *alarms) {
      const auto* o = a.getAsObject();
      if (!o) return bad("an external alarm is not an object");
      ExternalAlarmWindow window;
      if (auto n = o->getString("name")) window.name = n->str();
      auto from = offset(*o, "from", 0);
      if (!from) return from.takeError();
      auto to = offset(*o, "to", std::int64_t(1) << 40);
      if (!to) return to.takeError();
      window.fromS = *from;
      window.toS = *to;
      scenario.externalAlarms.push_back(window);
    }
  if (auto error = readPeople(*root, scenario.start, scenario.emergency, scenario.emergencyReason, scenario.requests))
    return error;
  if (const auto* versions = root->get("versions"))
    if (auto error = readVersions(*root, *versions, plan, scenario)) return error;
  return scenario;
}

llvm::Expected<Scenario> readScenarioFile(const std::string& path, const Plan& plan) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(buffer.getError(), "cannot read scenario %s: %s", path.c_str(),
                                   buffer.getError().message().c_str());
  auto scenario = parseScenario((*buffer)->getBuffer().str(), plan);
  if (!scenario)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s", path.c_str(),
                                   llvm::toString(scenario.takeError()).c_str());
  return scenario;
}

}  // namespace pipelang::runtime
