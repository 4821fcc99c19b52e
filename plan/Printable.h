// Text that people and commands give piperun (--reason, --by, --version, a
// deploy command's output) is shown through this one function wherever a
// line is printed, so that nobody can forge an audit line or drive a
// terminal with what they record (runtime.md, "Text from people and commands").
// Part of the shared plan library because the plan reader quotes plan text
// in its errors; runtime code reaches it as runtime::printable.
#pragma once

#include <string>
#include <string_view>

namespace pipelang::planformat {

// `text` with every control character written as an escape: \n \r \t, other
// C0 bytes and DEL as \xHH, the C1 controls (U+0080..U+009F) as \u00HH, and
// each byte that is not part of well-formed UTF-8 as \xHH. Printable text,
// including other UTF-8, is returned unchanged.
std::string printable(std::string_view text);

// True when printable(text) differs from `text` (a control character or a
// byte that is not UTF-8): used to refuse identifiers such as versions.
bool hasControl(std::string_view text);

}  // namespace pipelang::planformat
