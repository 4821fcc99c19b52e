#include "compiler/plan/PlanDigest.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/Support/SHA256.h>
#include <llvm/Support/raw_ostream.h>

namespace pipelang::planformat {

std::string canonicalBytes(const llvm::json::Value& plan) {
  llvm::json::Value copy = plan;
  if (auto* object = copy.getAsObject()) (*object)["digest"] = "";
  std::string bytes;
  llvm::raw_string_ostream out(bytes);
  out << copy;  // llvm::json prints object keys sorted, numbers as %.17g
  out.flush();
  return bytes;
}

std::string computeDigest(const llvm::json::Value& plan) {
  std::string bytes = canonicalBytes(plan);
  auto hash = llvm::SHA256::hash(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  static const char* hex = "0123456789abcdef";
  std::string result = "sha256:";
  for (uint8_t byte : hash) {
    result += hex[byte >> 4];
    result += hex[byte & 15];
  }
  return result;
}

}  // namespace pipelang::planformat
