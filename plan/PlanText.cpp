#include "plan/PlanText.h"

#include "plan/PlanDigest.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

#include <llvm/ADT/StringMap.h>
#include <llvm/Support/raw_ostream.h>

namespace pipelang::planformat {
namespace {

// One global order works for every object of the format: whenever two keys
// share an object, they appear here in the order the format lists them.
constexpr std::string_view kKeyOrder[] = {"schema",
                                          "digest",
                                          "pipeline",
                                          "artifact",
                                          "op",
                                          "id",
                                          "name",
                                          "step",
                                          "stage",
                                          "type",
                                          "kind",
                                          "execution_mode",
                                          "policy",
                                          "topology",
                                          "prometheus_url",
                                          "alertmanager_url",
                                          "deploy",
                                          "metrics",
                                          "alarms",
                                          "rollback_on",
                                          "block_on",
                                          "windows",
                                          "emergency",
                                          "notify",
                                          "stages",
                                          "steps",
                                          "analysis",
                                          "timezone",
                                          "allow",
                                          "deny",
                                          "off_hours_bake",
                                          "approvers",
                                          "bake",
                                          "min_bake_s",
                                          "region",
                                          "regions",
                                          "zone",
                                          "hosts",
                                          "traffic",
                                          "zones",
                                          "bake_s",
                                          "min_traffic",
                                          "tests",
                                          "after",
                                          "metric",
                                          "cmp",
                                          "value",
                                          "m",
                                          "n",
                                          "period_s",
                                          "alarm",
                                          "args",
                                          "arg",
                                          "source",
                                          "query",
                                          "unit",
                                          "events",
                                          "blocked_after_s",
                                          "webhook",
                                          "run",
                                          "rollback",
                                          "timeout_s",
                                          "expected_s",
                                          "rollback_time_s",
                                          "rollback_batch",
                                          "days",
                                          "hours",
                                          "dates",
                                          "from",
                                          "to",
                                          "time_to_global_s",
                                          "time_to_global_business_days",
                                          "regions_in_no_wave",
                                          "traffic_in_no_wave",
                                          "final_exposure",
                                          "detection_s",
                                          "rollback_s",
                                          "worst_recovery_s",
                                          "max_exposure_before_wave2",
                                          "exposure",
                                          "schedule",
                                          "global_traffic",
                                          "start_s",
                                          "end_s",
                                          "throughput",
                                          "bottleneck",
                                          "versions_per_week",
                                          "busy_time_to_global_s",
                                          "occupancy",
                                          "occupancy_s"};

// Looked up once per key of every object of every plan: a hash, not a scan
// of the list (issue 18). Unknown keys rank after every known one.
size_t rank(llvm::StringRef key) {
  static const llvm::StringMap<size_t> ranks = [] {
    llvm::StringMap<size_t> map;
    for (size_t i = 0; i < std::size(kKeyOrder); ++i)
      map.try_emplace(llvm::StringRef(kKeyOrder[i].data(), kKeyOrder[i].size()), i);
    return map;
  }();
  auto found = ranks.find(key);
  return found == ranks.end() ? std::size(kKeyOrder) : found->second;
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
  explicit Writer(std::string& text) : out_(text) {
    out_.SetBuffered();  // raw_string_ostream is unbuffered: every character would be a call
  }
  ~Writer() { out_.flush(); }

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
      out_ << *integer;
    } else if (auto number = value.getAsNumber()) {
      char buffer[64];
      auto result = std::to_chars(buffer, buffer + sizeof buffer, *number);
      out_.write(buffer, static_cast<size_t>(result.ptr - buffer));
    } else if (auto text = value.getAsString()) {
      quoted(*text);
    } else {
      out_ << value;
    }
  }

  // Strings and keys as llvm::json writes them, without a json::Value and a
  // json::OStream for each.
  void quoted(llvm::StringRef text) {
    scratch_.clear();
    appendJsonString(scratch_, text);
    out_ << scratch_;
  }

  void newline(int indent) {
    out_ << '\n';
    out_.indent(static_cast<unsigned>(indent) * 2);
  }

  struct Entry {
    size_t rank;
    const llvm::json::Object::value_type* entry;
  };

  std::vector<Entry> ordered(const llvm::json::Object& object, bool byName) {
    std::vector<Entry> entries;
    entries.reserve(object.size());
    // Maps keyed by user names (metrics, alarms) are sorted by name.
    for (const auto& entry : object) entries.push_back({byName ? 0 : rank(entry.first), &entry});
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      if (a.rank != b.rank) return a.rank < b.rank;
      return a.entry->first < b.entry->first;
    });
    return entries;
  }

  void key(llvm::StringRef name) {
    quoted(name);
    out_ << ": ";
  }

  void writeObject(const llvm::json::Object& object, int indent, bool byName) {
    auto entries = ordered(object, byName);
    if (entries.empty()) {
      out_ << "{}";
      return;
    }
    bool flat = !byName && isFlat(object);
    out_ << '{';
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i) out_ << (flat ? ", " : ",");
      if (!flat) newline(indent + 1);
      llvm::StringRef name = entries[i].entry->first;
      key(name);
      bool childByName = name == "metrics" || name == "alarms";
      value(entries[i].entry->second, indent + 1, childByName);
    }
    if (!flat) newline(indent);
    out_ << '}';
  }

  void writeArray(const llvm::json::Array& array, int indent) {
    if (array.empty()) {
      out_ << "[]";
      return;
    }
    bool flat = std::all_of(array.begin(), array.end(), isScalar);
    out_ << '[';
    for (size_t i = 0; i < array.size(); ++i) {
      if (i) out_ << (flat ? ", " : ",");
      if (!flat) newline(indent + 1);
      value(array[i], indent + 1, false);
    }
    if (!flat) newline(indent);
    out_ << ']';
  }

  llvm::raw_string_ostream out_;
  std::string scratch_;
};

}  // namespace

size_t planKeyRank(llvm::StringRef key) {
  return rank(key);
}

std::string writePlanText(const llvm::json::Value& plan) {
  std::string text;
  {
    Writer writer(text);
    writer.value(plan, 0, false);
  }
  text += '\n';
  return text;
}

}  // namespace pipelang::planformat
