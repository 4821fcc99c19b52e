// `pipec show`: a pipeline or template with inheritance merged, printed in
// canonical `.pipe` syntax with where each value was written.
#pragma once

#include "compiler/driver/SourceLoader.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pipelang::sema {

struct MergedAttr;
struct ResolvedDecl;

// One merged attribute's value as `pipec show` prints it (`super.NAME`
// replaced by the parent's value); the language server's hover shows it.
std::string showMergedValue(const MergedAttr& attr, const SourceManager& sources);

// Prints declaration `name` merged; false (and `out` = candidates message)
// when absent. With `importTargets`, names are found as `pipec check` finds
// them: through each file's imports and the `prelude` (docs/language.md).
// Finds pipeline or template `name` as `pipec show` does and hands it, merged,
// to `use`; false (and `error` = a message with did-you-mean) when absent.
bool withMergedDeclaration(const std::vector<LoadedFile>& files, const SourceManager& sources, const std::string& name,
                           std::string& error, const std::map<std::pair<FileId, size_t>, FileId>* importTargets,
                           FileId prelude, const std::function<void(const ResolvedDecl&)>& use);

bool showMerged(const std::vector<LoadedFile>& files, const SourceManager& sources, const std::string& name,
                std::string& out, const std::map<std::pair<FileId, size_t>, FileId>* importTargets = nullptr,
                FileId prelude = kNoFile);

}  // namespace pipelang::sema
