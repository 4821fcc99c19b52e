#include "compiler/plan/PlanExplain.h"

#include "compiler/plan/PlanAnalysis.h"
#include "compiler/plan/WindowCalendar.h"

#include <fmt/format.h>

#include <map>

namespace pipelang::plan {
namespace {

int64_t integer(const llvm::json::Object* object, llvm::StringRef key) {
  if (!object) return 0;
  return object->getInteger(key).getValueOr(0);
}

std::string text(const llvm::json::Object* object, llvm::StringRef key) {
  if (!object) return "";
  if (auto value = object->getString(key)) return value->str();
  return "";
}

// "Mon 09:00 (day 1)": local time in the windows' timezone, day 1 being the reference Monday.
std::string when(const planformat::WindowCalendar& calendar, int64_t reference, int64_t offset) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  planformat::LocalTime local = calendar.toLocal(reference + offset);
  planformat::LocalTime start = calendar.toLocal(reference);
  start.hour = start.minute = start.second = 0;
  int64_t midnight = calendar.fromLocal(start);
  int64_t day = (reference + offset - midnight) / 86400 + 1;  // close enough across one DST change
  return fmt::format("{} {:02}:{:02} (day {})", days[local.weekday % 7], local.hour, local.minute, day);
}

// 0.28 -> "28", 0.005 -> "0.5": a share as a short percent.
std::string percentText(double fraction) {
  return fmt::format("{:.4g}", fraction * 100);
}

// "  throughput: at most 3.5 versions a week reach global; bottleneck wave1 holds a
// version up to 1d 7h; behind another version: time to global 4d 2h" (plan.md "Throughput").
std::string throughputLine(const llvm::json::Object* throughput) {
  if (!throughput) return "";
  int64_t held = 0;
  std::string bottleneck = text(throughput, "bottleneck");
  if (const auto* occupancy = throughput->getArray("occupancy"))
    for (const auto& entry : *occupancy)
      if (text(entry.getAsObject(), "stage") == bottleneck) held = integer(entry.getAsObject(), "occupancy_s");
  std::string stage = fmt::format("bottleneck {} holds a version up to {}", bottleneck, formatDuration(held));
  auto perWeek = throughput->getNumber("versions_per_week");
  if (!perWeek) return fmt::format("  throughput: no version reaches global; {}\n", stage);
  return fmt::format(
      "  throughput: at most {} versions a week reach global; {};\n    behind another version: time to global {}\n",
      *perWeek, stage, formatDuration(integer(throughput, "busy_time_to_global_s")));
}

}  // namespace

std::string explainPlan(const llvm::json::Value& plan) {
  const llvm::json::Object* root = plan.getAsObject();
  if (!root) return "not a plan\n";
  planformat::WindowSpec spec;
  if (const llvm::json::Value* windows = root->get("windows"); windows && windows->getAsObject()) {
    if (auto parsed = planformat::windowSpecFromJson(*windows))
      spec = std::move(*parsed);
    else
      llvm::consumeError(parsed.takeError());
  }
  planformat::WindowCalendar calendar(spec);
  int64_t reference = referenceStart(calendar);
  const llvm::json::Object* analysis = root->getObject("analysis");

  // Exposure once a stage is done: every prod region deployed so far, in full.
  std::map<std::string, double> regionTraffic;
  if (const auto* topology = root->getObject("topology"))
    if (const auto* regions = topology->getArray("regions"))
      for (const auto& region : *regions)
        regionTraffic[text(region.getAsObject(), "id")] = region.getAsObject()->getNumber("traffic").getValueOr(0);
  std::map<std::string, double> stageExposure;
  double carried = 0;
  if (const auto* stages = root->getArray("stages"))
    for (const auto& entry : *stages) {
      const auto* stage = entry.getAsObject();
      if (text(stage, "kind") == "wave")
        if (const auto* regions = stage->getArray("regions"))
          for (const auto& region : *regions) carried += regionTraffic[region.getAsString().getValueOr("").str()];
      stageExposure[text(stage, "id")] = carried;
    }

  std::string recovery = fmt::format(
      "worst-case recovery {} (detect {} + rollback {})", formatDuration(integer(analysis, "worst_recovery_s")),
      formatDuration(integer(analysis, "detection_s")), formatDuration(integer(analysis, "rollback_s")));
  const llvm::json::Value* toGlobal = analysis ? analysis->get("time_to_global_s") : nullptr;
  std::string out;
  if (toGlobal && toGlobal->kind() == llvm::json::Value::Null) {
    // Waves that leave regions out: say which, and how far the plan gets (plan.md).
    std::string regions;
    if (const auto* list = analysis->getArray("regions_in_no_wave"))
      for (const auto& region : *list)
        regions += (regions.empty() ? "" : ", ") + region.getAsString().getValueOr("").str();
    out = fmt::format("{}: never reaches global: {} ({}%) in no wave; final exposure {}%, {}\n", text(root, "pipeline"),
                      regions, percentText(analysis->getNumber("traffic_in_no_wave").getValueOr(0)),
                      percentText(analysis->getNumber("final_exposure").getValueOr(0)), recovery);
  } else {
    out = fmt::format("{}: time to global {} ({} business days), {}\n", text(root, "pipeline"),
                      formatDuration(integer(analysis, "time_to_global_s")),
                      analysis ? analysis->getNumber("time_to_global_business_days").getValueOr(0) : 0.0, recovery);
  }
  out += throughputLine(analysis ? analysis->getObject("throughput") : nullptr);
  out += fmt::format("  walk from Monday 2026-01-05 09:00 {}\n", spec.timezone);
  out += fmt::format("  {:<10} {:<22} {:<22} {:>10}  {}\n", "stage", "start", "end", "exposure", "regions");
  const auto* stages = root->getArray("stages");
  const auto* schedule = analysis ? analysis->getArray("schedule") : nullptr;
  for (size_t i = 0; stages && i < stages->size(); ++i) {
    const auto* stage = (*stages)[i].getAsObject();
    const llvm::json::Object* time = schedule && i < schedule->size() ? (*schedule)[i].getAsObject() : nullptr;
    std::string regions;
    if (const auto* list = stage ? stage->getArray("regions") : nullptr)
      for (const auto& region : *list)
        regions += (regions.empty() ? "" : " ") + region.getAsString().getValueOr("").str();
    std::string id = text(stage, "id");
    out +=
        fmt::format("  {:<10} {:<22} {:<22} {:>9.4f}%  {}\n", id, when(calendar, reference, integer(time, "start_s")),
                    when(calendar, reference, integer(time, "end_s")), stageExposure[id] * 100, regions);
  }
  out += fmt::format("  max exposure before wave 2: {:.4f}% of global traffic\n",
                     analysis ? analysis->getNumber("max_exposure_before_wave2").getValueOr(0) * 100 : 0.0);
  return out;
}

}  // namespace pipelang::plan
