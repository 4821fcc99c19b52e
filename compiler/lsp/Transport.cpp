#include "compiler/lsp/Transport.h"

#include <poll.h>
#include <cstdlib>
#include <cstring>

namespace pipelang::lsp {

namespace {
// One header line without its "\r\n"; false at end of input.
bool readLine(std::FILE* in, std::string* line) {
  line->clear();
  int c;
  while ((c = std::fgetc(in)) != EOF) {
    if (c == '\n') {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    line->push_back(static_cast<char>(c));
  }
  return !line->empty();
}
}  // namespace

ReadStatus readMessage(std::FILE* in, std::string* body) {
  std::string line;
  long long length = -1;
  bool sawHeader = false;
  while (true) {
    if (!readLine(in, &line)) return ReadStatus::EndOfInput;
    if (line.empty()) {
      if (sawHeader) break;
      continue;  // stray blank lines between messages
    }
    sawHeader = true;
    constexpr std::string_view kLength = "content-length:";
    if (line.size() > kLength.size() && strncasecmp(line.c_str(), kLength.data(), kLength.size()) == 0) {
      char* end = nullptr;
      length = std::strtoll(line.c_str() + kLength.size(), &end, 10);
      if (end == line.c_str() + kLength.size()) length = -1;
    }
  }
  if (length < 0 || length > (1 << 28)) return ReadStatus::BadHeader;
  body->resize(static_cast<size_t>(length));
  if (length > 0 && std::fread(body->data(), 1, body->size(), in) != body->size()) return ReadStatus::EndOfInput;
  return ReadStatus::Message;
}

void writeMessage(std::FILE* out, const std::string& body) {
  std::fprintf(out, "Content-Length: %zu\r\n\r\n", body.size());
  std::fwrite(body.data(), 1, body.size(), out);
  std::fflush(out);
}

bool inputWithin(std::FILE* in, int timeoutMs) {
  int fd = fileno(in);
  if (fd < 0) return true;
  pollfd wanted{fd, POLLIN, 0};
  return poll(&wanted, 1, timeoutMs) != 0;  // readable, hung up, or an error: let the reader see
}

}  // namespace pipelang::lsp
