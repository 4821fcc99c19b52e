#include "compiler/plan/PlanWriter.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

#include <llvm/Support/raw_ostream.h>

namespace pipelang::plan {
namespace {

// One global order works for every object of the format: whenever two keys
// share an object, they appear here in the order the format lists them.
constexpr std::string_view kKeyOrder[] = {
    "schema", "digest", "pipeline", "artifact", "op", "id", "name", "step", "stage", "type", "kind", "policy",
    "topology", "prometheus_url", "deploy", "metrics", "alarms", "rollback_on", "block_on", "windows",
    "emergency", "stages", "steps", "analysis", "timezone", "allow", "deny", "off_hours_bake", "approvers",
    "bake", "min_bake_s", "region", "regions", "zone", "hosts", "traffic", "zones", "bake_s", "min_traffic",
    "tests", "after", "metric", "cmp", "value", "m", "n", "period_s", "alarm", "args", "arg", "source",
    "query", "unit", "run", "rollback", "timeout_s", "expected_s", "rollback_time_s", "rollback_batch", "days",
    "hours", "dates", "from", "to", "time_to_global_s", "time_to_global_business_days", "detection_s",
    "rollback_s", "worst_recovery_s", "max_exposure_before_wave2", "exposure", "schedule", "global_traffic",
    "start_s", "end_s"};

size_t rank(llvm::StringRef key) {
  auto* found = std::find(std::begin(kKeyOrder), std::end(kKeyOrder), std::string_view(key.data(), key.size()));
  return static_cast<size_t>(found - std::begin(kKeyOrder));
}

bool isScalar(const llvm::json::Value& value) {
  return !value.getAsObject() && !value.getAsArray();
}

bool isScalarArray(const llvm::json::Value& value) {
  const auto* array = value.getAsArray();
  return array && std::all_of(array->begin(), array->end(), isScalar);
}

// Scalars and lists of scalars only: written on one line.
bool isFlat(const llvm::json::Object& object) {
  return std::all_of(object.begin(), object.end(),
                     [](const auto& entry) { return isScalar(entry.second) || isScalarArray(entry.second); });
}

class Writer {
 public:
  std::string out;

  void value(const llvm::json::Value& value, int indent, bool byName) {
    if (const auto* object = value.getAsObject()) return writeObject(*object, indent, byName);
    if (const auto* array = value.getAsArray()) return writeArray(*array, indent);
    scalar(value);
  }

 private:
  void scalar(const llvm::json::Value& value) {
    // An integral number prints as an integer whichever way llvm::json holds
    // it, as the canonical form does; others as the shortest text that parses
    // back to the same double, so the digest stays valid.
    if (auto integer = value.getAsInteger()) {
      out += std::to_string(*integer);
    } else if (auto number = value.getAsNumber()) {
      char buffer[64];
      auto result = std::to_chars(buffer, buffer + sizeof buffer, *number);
      out.append(buffer, result.ptr);
    } else {
      std::string text;
      llvm::raw_string_ostream stream(text);
      stream << value;
      stream.flush();
      out += text;
    }
  }

  void newline(int indent) {
    out += '\n';
    out.append(static_cast<size_t>(indent) * 2, ' ');
  }

  std::vector<const llvm::json::Object::value_type*> ordered(const llvm::json::Object& object, bool byName) {
    std::vector<const llvm::json::Object::value_type*> entries;
    for (const auto& entry : object) entries.push_back(&entry);
    std::sort(entries.begin(), entries.end(), [byName](const auto* a, const auto* b) {
      // Maps keyed by user names (metrics, alarms) are sorted by name.
      size_t ra = byName ? 0 : rank(a->first), rb = byName ? 0 : rank(b->first);
      if (ra != rb) return ra < rb;
      return a->first.str() < b->first.str();
    });
    return entries;
  }

  void key(llvm::StringRef name) {
    scalar(llvm::json::Value(name.str()));
    out += ": ";
  }

  void writeObject(const llvm::json::Object& object, int indent, bool byName) {
    auto entries = ordered(object, byName);
    if (entries.empty()) {
      out += "{}";
      return;
    }
    bool flat = !byName && isFlat(object);
    out += '{';
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i) out += flat ? ", " : ",";
      if (!flat) newline(indent + 1);
      key(entries[i]->first);
      bool childByName = entries[i]->first == "metrics" || entries[i]->first == "alarms";
      value(entries[i]->second, indent + 1, childByName);
    }
    if (!flat) newline(indent);
    out += '}';
  }

  void writeArray(const llvm::json::Array& array, int indent) {
    if (array.empty()) {
      out += "[]";
      return;
    }
    bool flat = std::all_of(array.begin(), array.end(), isScalar);
    out += '[';
    for (size_t i = 0; i < array.size(); ++i) {
      if (i) out += flat ? ", " : ",";
      if (!flat) newline(indent + 1);
      value(array[i], indent + 1, false);
    }
    if (!flat) newline(indent);
    out += ']';
  }
};

}  // namespace

std::string writePlanText(const llvm::json::Value& plan) {
  Writer writer;
  writer.value(plan, 0, false);
  writer.out += '\n';
  return writer.out;
}

}  // namespace pipelang::plan
