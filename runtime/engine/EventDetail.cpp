#include "runtime/engine/EventDetail.h"

#include "plan/PlanDigest.h"
#include "runtime/text/Fractions.h"

#include <algorithm>

namespace pipelang::runtime {

EventDetail::EventDetail(std::initializer_list<Field> fields) {
  fields_.reserve(fields.size());
  for (const Field& field : fields) {
    if (get(field.key)) continue;
    fields_.push_back({field.key, std::move(const_cast<llvm::json::Value&>(field.value))});
  }
}

const llvm::json::Value* EventDetail::get(llvm::StringRef key) const {
  for (const Field& field : fields_)
    if (field.key == key) return &field.value;
  return nullptr;
}

llvm::Optional<llvm::StringRef> EventDetail::getString(llvm::StringRef key) const {
  const llvm::json::Value* value = get(key);
  return value ? value->getAsString() : llvm::None;
}

llvm::Optional<bool> EventDetail::getBoolean(llvm::StringRef key) const {
  const llvm::json::Value* value = get(key);
  return value ? value->getAsBoolean() : llvm::None;
}

llvm::Optional<std::int64_t> EventDetail::getInteger(llvm::StringRef key) const {
  const llvm::json::Value* value = get(key);
  return value ? value->getAsInteger() : llvm::None;
}

void EventDetail::printInto(llvm::json::Object& o) const {
  for (const Field& field : fields_)
    if (field.key != "quiet") o[field.key] = printedDetail(field.key, field.value);
}

void EventDetail::appendJson(std::string& out) const {
  std::vector<const Field*> sorted;
  sorted.reserve(fields_.size());
  for (const Field& field : fields_) sorted.push_back(&field);
  std::sort(sorted.begin(), sorted.end(), [](const Field* a, const Field* b) { return a->key < b->key; });
  out += '{';
  for (const Field* field : sorted) {
    if (field != sorted.front()) out += ',';
    planformat::appendJsonString(out, field->key);
    out += ':';
    planformat::appendCompactJson(out, field->value);
  }
  out += '}';
}

}  // namespace pipelang::runtime
