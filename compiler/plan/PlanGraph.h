// `pipec graph`: a plan's DAG as text for Mermaid or Graphviz, one cluster per stage.
#pragma once

#include <llvm/Support/JSON.h>

#include <string>

namespace pipelang::plan {

std::string graphMermaid(const llvm::json::Value& plan);
std::string graphDot(const llvm::json::Value& plan);

}  // namespace pipelang::plan
