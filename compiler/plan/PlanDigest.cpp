#include "compiler/plan/PlanDigest.h"

#include "compiler/plan/Sha256.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/STLExtras.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <vector>

namespace pipelang::planformat {

std::string canonicalBytes(const llvm::json::Value& plan) {
  std::string bytes;
  llvm::raw_string_ostream out(bytes);
  out.SetBuffered();  // raw_string_ostream is unbuffered: every quoted character would be a call
  llvm::json::OStream json(out);
  const llvm::json::Object* object = plan.getAsObject();
  if (!object) {
    json.value(plan);
  } else {
    // llvm::json prints object keys sorted and numbers as %.17g; the top level
    // is written here by hand only to blank "digest" without copying the plan.
    // A plan without "digest" is hashed as if it had an empty one.
    std::vector<std::pair<llvm::StringRef, const llvm::json::Value*>> entries;
    for (const auto& entry : *object)
      if (entry.first != "digest") entries.emplace_back(entry.first, &entry.second);
    entries.emplace_back("digest", nullptr);
    llvm::sort(entries, [](const auto& a, const auto& b) { return a.first < b.first; });
    json.object([&] {
      for (const auto& [key, value] : entries) {
        if (value)
          json.attribute(key, *value);
        else
          json.attribute(key, "");
      }
    });
  }
  out.flush();
  return bytes;
}

std::string computeDigest(const llvm::json::Value& plan) {
  std::string bytes = canonicalBytes(plan);
  auto hash = sha256(bytes);
  static const char* hex = "0123456789abcdef";
  std::string result = "sha256:";
  for (uint8_t byte : hash) {
    result += hex[byte >> 4];
    result += hex[byte & 15];
  }
  return result;
}

}  // namespace pipelang::planformat
