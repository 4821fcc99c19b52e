#include "runtime/sim/Scenario.h"

#include "runtime/engine/TimeText.h"
#include "runtime/text/Printable.h"

#include "compiler/plan/BoundedJson.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/MemoryBuffer.h>

#include <fmt/format.h>
#include <ctime>
#include <initializer_list>
#include <set>

namespace pipelang::runtime {
namespace {

namespace json = llvm::json;

llvm::Error bad(const std::string& what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "scenario: %s", what.c_str());
}

// Every object of a scenario names only fields the simulation reads: a
// misspelt field ("new_versoin") would otherwise be a scenario that tests
// nothing and passes.
llvm::Error knownFields(const json::Object& o, std::initializer_list<const char*> known, const std::string& where) {
  for (const auto& [key, unused] : o) {
    bool found = false;
    for (const char* name : known) found = found || key == name;
    if (found) continue;
    std::string list;
    for (const char* name : known) list += (list.empty() ? "" : ", ") + std::string(name);
    return bad(
        fmt::format("{}unknown field '{}' (known: {})", where.empty() ? "" : where + ": ", printable(key.str()), list));
  }
  return llvm::Error::success();
}

// `key` present but not a string: said, rather than read as absent.
llvm::Error stringField(const json::Object& o, llvm::StringRef key, const std::string& where) {
  if (const auto* value = o.get(key); value && !value->getAsString())
    return bad(fmt::format("{}'{}' must be a string", where.empty() ? "" : where + ": ", key.str()));
  return llvm::Error::success();
}

llvm::Expected<std::int64_t> offset(const json::Object& o, llvm::StringRef key, std::int64_t fallback) {
  if (auto error = stringField(o, key, "")) return error;
  auto text = o.getString(key);
  if (!text) return fallback;
  auto value = parseDuration(text->str());
  if (!value) return bad("'" + key.str() + "': bad offset '" + text->str() + "' (expected e.g. +26h or +1h30m)");
  return *value;
}

// `baseline` or `new_version`: metric name -> value, each a metric of the plan.
llvm::Error numbers(const json::Object& root, llvm::StringRef key, const Plan& plan,
                    std::map<std::string, double>& out) {
  const auto* value = root.get(key);
  if (!value) return llvm::Error::success();
  const auto* o = value->getAsObject();
  if (!o)
    return bad(fmt::format("'{}' must be an object of metric values such as {{\"fault_rate\": 0.001}}", key.str()));
  for (const auto& [name, number] : *o) {
    if (!plan.metrics.count(name.str()))
      return bad(fmt::format("{} names metric '{}' that the plan does not have", key.str(), printable(name.str())));
    auto n = number.getAsNumber();
    if (!n) return bad(fmt::format("{}: '{}' is not a number", key.str(), printable(name.str())));
    out[name.str()] = *n;
  }
  return llvm::Error::success();
}

llvm::Error readFaults(const json::Object& root, const Plan& plan, std::vector<MetricFault>& out) {
  const auto* value = root.get("faults");
  if (!value) return llvm::Error::success();
  const auto* faults = value->getAsArray();
  if (!faults) return bad("'faults' must be a list of objects");
  std::set<std::string> regions, zones;
  for (const auto& region : plan.regions) {
    regions.insert(region.id);
    for (const auto& zone : region.zones) zones.insert(zone.id);
  }
  for (const auto& step : plan.steps) {
    if (!step.region.empty()) regions.insert(step.region);
    if (!step.zone.empty()) zones.insert(step.zone);
  }
  for (size_t i = 0; i < faults->size(); ++i) {
    std::string where = fmt::format("faults[{}]", i);
    const auto* o = (*faults)[i].getAsObject();
    if (!o) return bad(where + ": not an object");
    if (auto error = knownFields(*o, {"metric", "value", "region", "zone", "from", "to"}, where)) return error;
    for (const char* key : {"metric", "region", "zone"})
      if (auto error = stringField(*o, key, where)) return error;
    MetricFault fault;
    if (auto m = o->getString("metric")) fault.metric = m->str();
    if (!plan.metrics.count(fault.metric))
      return bad(fmt::format("{}: 'metric' {} is not a metric of the plan", where,
                             fault.metric.empty() ? "is missing, so it" : "'" + printable(fault.metric) + "'"));
    // Absent: 0, as before; present, it must be a number.
    if (const auto* value = o->get("value")) {
      auto number = value->getAsNumber();
      if (!number) return bad(where + ": 'value' must be a number (the metric's value during the fault)");
      fault.value = *number;
    }
    if (auto r = o->getString("region")) fault.region = r->str();
    if (auto z = o->getString("zone")) fault.zone = z->str();
    if (!fault.region.empty() && !regions.count(fault.region))
      return bad(fmt::format("{}: region '{}' is not a region of the plan", where, printable(fault.region)));
    if (!fault.zone.empty() && !zones.count(fault.zone))
      return bad(fmt::format("{}: zone '{}' is not a zone of the plan", where, printable(fault.zone)));
    auto from = offset(*o, "from", 0);
    if (!from) return from.takeError();
    auto to = offset(*o, "to", std::int64_t(1) << 40);
    if (!to) return to.takeError();
    if (*to < *from)
      return bad(fmt::format("{}: 'to' ({}) is before 'from' ({})", where, formatDuration(*to), formatDuration(*from)));
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
    if (auto error = knownFields(*object, {"reason", "approved_at", "approved_by"}, "emergency")) return error;
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
      if (auto error = knownFields(*o, {"blocker", "all", "reason", "by", "stage", "at"}, key)) return error;
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
    if (auto error = within(readFaults(*o, plan, entry.faults))) return error;
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
  if (auto error = knownFields(
          *root,
          {"start", "version", "previous", "batch_time", "baseline", "new_version", "faults", "deploy_failures",
           "external_alarms", "emergency", "overrides", "approvals", "rollbacks", "versions"},
          ""))
    return error;
  for (const char* key : {"start", "version", "previous", "batch_time"})
    if (auto error = stringField(*root, key, "")) return error;

  if (auto start = root->getString("start")) {
    planformat::LocalTime local;
    int end = 0;
    std::string text = start->str();
    int fields = std::sscanf(text.c_str(), "%d-%d-%dT%d:%d%n:%d%n", &local.year, &local.month, &local.day, &local.hour,
                             &local.minute, &end, &local.second, &end);
    static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = local.year % 4 == 0 && (local.year % 100 != 0 || local.year % 400 == 0);
    bool real = fields >= 5 && static_cast<size_t>(end) == text.size() && local.year >= 1970 && local.year <= 9999 &&
                local.month >= 1 && local.month <= 12 && local.day >= 1 &&
                local.day <= (local.month == 2 && !leap ? 28 : kDays[local.month - 1]) && local.hour >= 0 &&
                local.hour <= 23 && local.minute >= 0 && local.minute <= 59 && local.second >= 0 && local.second <= 59;
    if (!real)
      return bad("'start': expected a local time YYYY-MM-DDTHH:MM[:SS] that exists, got '" + printable(text) + "'");
    scenario.start = calendar.fromLocal(local);
  } else {
    // The next Monday 09:00 in the windows' timezone.
    planformat::LocalTime today = calendar.toLocal(std::time(nullptr));
    int days = (8 - today.weekday) % 7;
    if (days == 0) days = 7;
    scenario.start = calendar.fromLocal({today.year, today.month, today.day + days, 9, 0, 0, 1});
  }
  if (auto v = root->getString("version")) {
    if (v->empty() || v->size() > 128 || hasControl(*v))
      return bad("'version' must be 1 to 128 characters without control characters");
    scenario.version = v->str();
  }
  if (auto v = root->getString("previous")) scenario.previous = v->str();
  if (auto v = root->getString("batch_time")) {
    auto seconds = parseDuration(v->str());
    if (!seconds || *seconds <= 0) return bad("'batch_time': bad duration '" + v->str() + "'");
    scenario.batchTimeS = static_cast<int>(*seconds);
  }
  if (auto error = numbers(*root, "baseline", plan, scenario.baseline)) return error;
  if (auto error = numbers(*root, "new_version", plan, scenario.newVersion)) return error;

  if (auto error = readFaults(*root, plan, scenario.faults)) return error;
  if (auto error = readDeployFailures(*root, plan, scenario.deployFailures)) return error;
  if (const auto* alarms = root->getArray("external_alarms"))
    for (const auto& a : *alarms) {
      const auto* o = a.getAsObject();
      if (!o) return bad("an external alarm is not an object");
      if (auto error = knownFields(*o, {"name", "from", "to"}, "external_alarms")) return error;
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
