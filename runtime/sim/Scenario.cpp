#include "runtime/sim/Scenario.h"

#include "runtime/engine/TimeText.h"

#include "compiler/plan/BoundedJson.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/MemoryBuffer.h>

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

  if (const auto* faults = root->getArray("faults"))
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
      scenario.faults.push_back(fault);
    }
  if (const auto* failures = root->getArray("deploy_failures"))
    for (const auto& f : *failures)
      if (auto s = f.getAsString()) {
        if (!plan.step(s->str())) return bad("deploy_failures names unknown step '" + s->str() + "'");
        scenario.deployFailures.insert(s->str());
      }
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
  if (const auto* emergency = root->getObject("emergency")) {
    scenario.emergency = true;
    if (auto r = emergency->getString("reason")) scenario.emergencyReason = r->str();
    auto at = offset(*emergency, "approved_at", 0);
    if (!at) return at.takeError();
    if (const auto* by = emergency->getArray("approved_by"))
      for (const auto& who : *by)
        if (auto s = who.getAsString())
          scenario.requests.push_back({0, 0, "approve", "", "", s->str(), "", scenario.start + *at});
  }
  // Extensions for testing people's actions: overrides, approvals, manual rollback.
  for (const char* key : {"overrides", "approvals", "rollbacks"}) {
    const auto* list = root->getArray(key);
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
      request.t = scenario.start + *at;
      if (request.kind == "override" && (request.target.empty() || request.reason.empty()))
        return bad("an override needs \"blocker\" (an alarm name or \"window\") and a \"reason\"");
      scenario.requests.push_back(request);
    }
  }
  std::stable_sort(scenario.requests.begin(), scenario.requests.end(),
                   [](const RequestRecord& a, const RequestRecord& b) { return a.t < b.t; });
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
