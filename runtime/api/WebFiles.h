// The dashboard's static files (web/, docs/dashboard.md), embedded in piperun
// at build time by cmake/EmbedWeb.cmake: served at / and /static/NAME with
// no file read at run time, so the page always matches the binary's API.
#pragma once

#include <string_view>
#include <vector>

namespace pipelang::runtime::api {

struct WebFile {
  std::string_view name;  // the file name in web/, e.g. "app.js"
  std::string_view body;  // its bytes, exactly as in the source tree
};

// Every file of web/, sorted by name.
const std::vector<WebFile>& webFiles();

// The file called `name`, or nullptr: names are matched exactly, so no path
// ("../x", "a/b") can name anything else.
const WebFile* findWebFile(std::string_view name);

// The Content-Type for a file name by its extension (text types in UTF-8);
// application/octet-stream for an unknown one.
const char* webContentType(std::string_view name);

}  // namespace pipelang::runtime::api
