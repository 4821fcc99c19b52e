// `pipec show`: a pipeline or template with inheritance merged, printed in
// canonical `.pipe` syntax with where each value was written.
#pragma once

#include "compiler/driver/SourceLoader.h"

#include <string>
#include <vector>

namespace pipelang::sema {

// Prints declaration `name` merged; false (and `out` = candidates message) when absent.
bool showMerged(const std::vector<LoadedFile>& files, const SourceManager& sources, const std::string& name,
                std::string& out);

}  // namespace pipelang::sema
