// Plan snapshots for golden files that compile cleanly.
#pragma once

#include "compiler/driver/Frontend.h"

#include <filesystem>
#include <string>

// Compares (or, with update, rewrites) `<stem>.<pipeline>.plan.json` beside
// the input for every pipeline declared in it; false and a report on mismatch.
bool checkPlanSnapshots(const pipelang::Compilation& compilation, const std::filesystem::path& input, bool update,
                        std::string* report);
