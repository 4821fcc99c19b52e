#include "runtime/cli/StatusTable.h"

#include "runtime/text/JsonText.h"
#include "runtime/text/Printable.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace pipelang::runtime::cli {

namespace {

using llvm::json::Object;
using llvm::json::Value;
using Row = std::vector<std::string>;

// A field as text: strings through printable(), numbers as written, null "-".
std::string field(const Object* object, llvm::StringRef key) {
  if (!object) return "-";
  const Value* value = object->get(key);
  if (!value || value->kind() == Value::Null) return "-";
  if (auto text = value->getAsString()) return text->empty() ? "-" : printable(*text);
  if (auto number = value->getAsInteger()) return std::to_string(*number);
  if (auto boolean = value->getAsBoolean()) return *boolean ? "yes" : "no";
  return printable(jsonText(*value));
}

const llvm::json::Array* array(const Object* object, llvm::StringRef key) {
  static const llvm::json::Array empty;
  const llvm::json::Array* found = object ? object->getArray(key) : nullptr;
  return found ? found : &empty;
}

// "window (opens at 09:00)" from waiting_for and why.
std::string waiting(const Object* object) {
  std::string what = field(object, "waiting_for");
  std::string why = field(object, "why");
  if (what == "-") return "-";
  return why == "-" ? what : what + " (" + why + ")";
}

std::string duration(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds >= 3600) return fmt::format("{}h{:02}m", seconds / 3600, seconds % 3600 / 60);
  if (seconds >= 60) return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
  return fmt::format("{}s", seconds);
}

std::string render(const std::vector<Row>& rows) {
  std::vector<size_t> widths;
  for (const Row& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  std::string out;
  for (const Row& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i)
      line += i + 1 == row.size() ? row[i] : row[i] + std::string(widths[i] - row[i].size() + 2, ' ');
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string pipelinesTable(const Value& pipelines) {
  std::vector<Row> rows{{"PIPELINE", "VERSION", "STAGE", "STATUS", "WAITING FOR", "LAST OUTCOME"}};
  const Object* top = pipelines.getAsObject();
  for (const Value& entry : *array(top, "pipelines")) {
    const Object* pipeline = entry.getAsObject();
    const Object* last = pipeline ? pipeline->getObject("last_outcome") : nullptr;
    std::string outcome =
        last ? field(last, "version") + " " + field(last, "status") + " " + field(last, "finished_at") : "-";
    std::string attention = field(pipeline, "attention");
    if (attention != "-") outcome += " (" + attention + ")";
    std::string name = field(pipeline, "name");
    const llvm::json::Array* versions = array(pipeline, "versions");
    if (versions->empty()) rows.push_back({name, "-", "-", "-", "-", outcome});
    for (const Value& item : *versions) {
      const Object* version = item.getAsObject();
      rows.push_back({name, field(version, "version"), field(version, "stage"), field(version, "status"),
                      waiting(version), outcome});
      name = "", outcome = "";
    }
  }
  if (rows.size() == 1) return "no pipelines\n";
  return render(rows);
}

std::string pipelineTable(const Value& value) {
  const Object* pipeline = value.getAsObject();
  std::string out = fmt::format("{}  mode {}  plan {}\n\n", field(pipeline, "name"), field(pipeline, "execution_mode"),
                                field(pipeline, "digest"));
  std::vector<Row> stages{{"STAGE", "KIND", "VERSION", "STATE", "WAITING FOR"}};
  for (const Value& item : *array(pipeline, "stages")) {
    const Object* stage = item.getAsObject();
    stages.push_back(
        {field(stage, "id"), field(stage, "kind"), field(stage, "version"), field(stage, "state"), waiting(stage)});
  }
  out += render(stages);
  std::vector<Row> versions{{"VERSION", "RUN", "STATUS", "STAGE", "STEP", "BAKE LEFT", "SUBMITTED BY", "WAITING FOR"}};
  for (const Value& item : *array(pipeline, "versions")) {
    const Object* version = item.getAsObject();
    std::string bake = "-";
    for (const Value& b : *array(version, "bakes"))
      if (const Object* bakeObject = b.getAsObject())
        bake = duration(bakeObject->getInteger("left_s").getValueOr(0)) + " of " +
               duration(bakeObject->getInteger("required_s").getValueOr(0));
    versions.push_back({field(version, "version"), field(version, "run_id"), field(version, "status"),
                        field(version, "stage"), field(version, "step"), bake, field(version, "submitted_by"),
                        waiting(version)});
  }
  out += "\n" + (versions.size() > 1 ? render(versions) : std::string("no versions in flight\n"));
  if (const Object* windows = pipeline ? pipeline->getObject("windows") : nullptr) {
    bool open = windows->getBoolean("open").getValueOr(false);
    out += fmt::format("\nwindow ({}): {}", field(windows, "timezone"), open ? "open" : "closed");
    if (!open && field(windows, "next_open") != "-") out += ", opens " + field(windows, "next_open");
    out += "\n";
  }
  std::string blockers;
  for (const Value& item : *array(pipeline, "blockers")) {
    const Object* blocker = item.getAsObject();
    std::string state = field(blocker, "firing");
    blockers += (blockers.empty() ? "" : ", ") + field(blocker, "name") + " " +
                (state == "yes"  ? "FIRING"
                 : state == "no" ? "ok"
                                 : "unknown");
  }
  if (!blockers.empty()) out += "blockers: " + blockers + "\n";
  return out;
}

std::string eventLine(const Value& value) {
  const Object* event = value.getAsObject();
  // A step's id names its stage already ("wave2/us-east/onebox"), as `piperun run` prints it.
  std::string where = field(event, "step") != "-" ? field(event, "step") : field(event, "stage");
  return fmt::format("{}  {:<4} {:<16} {:<10} {:<16} {}", field(event, "t"), field(event, "id"), field(event, "type"),
                     field(event, "version"), where, field(event, "message"));
}

std::string notificationLine(const Value& value) {
  const Object* attempt = value.getAsObject();
  return fmt::format("{}  {:<4} {:<16} {:<10} {:<16} {}, attempt {}: {}", field(attempt, "t"), "-", "notify",
                     field(attempt, "version"), field(attempt, "target") + "/" + field(attempt, "channel"),
                     field(attempt, "event"), field(attempt, "attempt"), field(attempt, "result"));
}

}  // namespace pipelang::runtime::cli
