// `pipec show NAME --format=json`: the merged declaration as data, for
// scripts and editors (docs/language.md shows the text form).
#pragma once

#include "compiler/driver/SourceLoader.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pipelang::cli {

// {"kind", "name", "extends": [parent, grandparent...], "from": {"file",
// "line"}, "attributes": [{"name", "value" (`.pipe` text, `super.NAME`
// replaced), "final", "from"}], "blocks": [{"type", "label", "final",
// "from", "attributes", "blocks"}]}, indented. nullopt when `name` is not
// declared (`error` then says so, with a did-you-mean). Names are seen through
// each file's imports when `importTargets` is given, as sema::showMerged.
std::optional<std::string> showJson(const std::vector<LoadedFile>& files, const SourceManager& sources,
                                    const std::string& name, std::string& error,
                                    const std::map<std::pair<FileId, size_t>, FileId>* importTargets = nullptr,
                                    FileId prelude = kNoFile);

}  // namespace pipelang::cli
