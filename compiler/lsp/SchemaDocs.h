// A short description of every attribute and block of the schema
// (language.md §5), for hover and completion. Kept as a table here rather
// than read from sema, so the editor works on files that do not resolve.
#pragma once

#include <string_view>
#include <vector>

namespace pipelang::lsp {

struct SchemaEntry {
  std::string_view context;  // the enclosing block type: "pipeline" = a pipeline or template body
  std::string_view name;
  bool isBlock;
  std::string_view doc;
};

const std::vector<SchemaEntry>& schemaEntries();
// The context of a body: the block type, or "pipeline"/"topology"/"policy" for declarations.
const SchemaEntry* findSchemaEntry(std::string_view context, std::string_view name);

}  // namespace pipelang::lsp
