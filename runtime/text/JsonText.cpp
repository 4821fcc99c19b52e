#include "runtime/text/JsonText.h"

#include "plan/PlanDigest.h"

namespace pipelang::runtime {

std::string jsonText(const llvm::json::Value& value) {
  std::string out;
  planformat::appendCompactJson(out, value, planformat::JsonDoubles::Shortest);
  return out;
}

}  // namespace pipelang::runtime
