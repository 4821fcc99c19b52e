#include "runtime/text/Printable.h"

#include <fmt/format.h>

namespace pipelang::runtime {

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
             static_cast<unsigned char>(text[i + 1]) <= 0x9f)
      out += fmt::format("\\u00{:02x}", static_cast<unsigned char>(text[++i]));  // a C1 control such as CSI
    else
      out += text[i];
  }
  return out;
}

bool hasControl(std::string_view text) {
  return printable(text) != text;
}

}  // namespace pipelang::runtime
