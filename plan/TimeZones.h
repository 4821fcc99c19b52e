// The system's time-zone database (language.md §5.4 `windows.timezone`):
// which names are zones, shared by pipec (R113) and piperun's plan reader,
// so that no mistyped or path-like name ever reaches TZ and silently becomes
// UTC.
#pragma once

#include <string>
#include <vector>

namespace pipelang::planformat {

// A name that may be looked up at all: 1..255 characters of [A-Za-z0-9_+-/],
// no `..` component, no leading, trailing or doubled `/`. Never a path.
bool isZoneName(const std::string& name);

// isZoneName, and $TZDIR (default /usr/share/zoneinfo) holds a TZif file of
// that name. Answers are cached for the process.
bool isKnownTimeZone(const std::string& name);

// Every zone and link the database lists (tzdata.zi), for did-you-mean; empty
// when the database has no such list.
const std::vector<std::string>& knownTimeZones();

}  // namespace pipelang::planformat
