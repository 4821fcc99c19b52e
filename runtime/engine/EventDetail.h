// An engine event's detail (docs/runtime.md "Events"): a few named JSON
// values (hosts, bake_s, trigger, waiting_for...), kept in the order given,
// the first of a key given twice winning, as llvm::json::Object does.
// Not an llvm::json::Object: that reserves 64 buckets (about 4.6 KB) for a
// single key, and a simulation keeps every event until its report, a tenth of
// a region30 run in page faults (docs/performance.md, issue 18).
#pragma once

#include <llvm/ADT/Optional.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Support/JSON.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace pipelang::runtime {

class EventDetail {
 public:
  struct Field {
    std::string key;
    llvm::json::Value value;
  };

  EventDetail() = default;
  // Takes the values out of the list (as llvm::json::Object's does): a
  // list's elements are const, and copying an array of hosts would cost.
  EventDetail(std::initializer_list<Field> fields);

  bool empty() const { return fields_.empty(); }
  std::vector<Field>::const_iterator begin() const { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const { return fields_.end(); }

  // The value of `key` (null when there is none); the typed ones are none
  // also when it holds another kind of value (as llvm::json::Object's).
  const llvm::json::Value* get(llvm::StringRef key) const;
  llvm::Optional<llvm::StringRef> getString(llvm::StringRef key) const;
  llvm::Optional<bool> getBoolean(llvm::StringRef key) const;
  llvm::Optional<std::int64_t> getInteger(llvm::StringRef key) const;

  // Sets each field into `o` as piperun prints an event (run and simulate
  // --format json, the simulation's report): `quiet` left out, fractions
  // through printedFraction (runtime/text/Fractions.h).
  void printInto(llvm::json::Object& o) const;

  // Appends the detail as one compact JSON object, keys sorted bytewise:
  // the bytes appendCompactJson writes for the same llvm::json::Object (the
  // journal's `detail` column).
  void appendJson(std::string& out) const;

 private:
  std::vector<Field> fields_;
};

}  // namespace pipelang::runtime
