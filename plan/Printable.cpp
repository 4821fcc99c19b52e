#include "plan/Printable.h"

#include <fmt/format.h>

namespace pipelang::planformat {
namespace {

// Length of the well-formed UTF-8 sequence starting at text[i], or 0.
size_t utf8Length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t length = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 && lead <= 0xdf ? 2 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k)
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  // Overlong forms, surrogates and code points past U+10FFFF.
  if (lead == 0xe0 && byte(i + 1) < 0xa0) return 0;
  if (lead == 0xed && byte(i + 1) >= 0xa0) return 0;
  if (lead == 0xf0 && byte(i + 1) < 0x90) return 0;
  if (lead == 0xf4 && byte(i + 1) >= 0x90) return 0;
  return length;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += text[i++];
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (size_t length = c >= 0x80 ? utf8Length(text, i) : 0;
               length == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += fmt::format("\\u00{:02x}", static_cast<unsigned char>(text[i + 1]));  // a C1 control such as CSI
      i += 2;
    } else if (length > 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      // C0 controls, DEL, and bytes that are not UTF-8 (a lone 0x9b is CSI to some terminals).
      out += fmt::format("\\x{:02x}", c);
      ++i;
    }
  }
  return out;
}

bool hasControl(std::string_view text) {
  return printable(text) != text;
}

}  // namespace pipelang::planformat
