// `pipec check --format=codequality`: GitLab's Code Quality report (a JSON
// array of {description, check_name, fingerprint, severity, location:
// {path, lines: {begin}}}), for the merge-request widget (docs/ci.md).
#pragma once

#include "compiler/diag/Diagnostic.h"
#include "compiler/source/SourceManager.h"

#include <string>
#include <vector>

namespace pipelang::cli {

// Errors are "major", warnings "minor" (as ESLint's and others' reports).
// The fingerprint is a SHA-256 of code, path, line and message: stable
// across runs, so GitLab can tell new findings from fixed ones.
std::string renderCodeQuality(const std::vector<Diagnostic>& diagnostics, const SourceManager& sources);

}  // namespace pipelang::cli
