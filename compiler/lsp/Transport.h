// JSON-RPC framing of LSP: `Content-Length: N\r\n\r\n` then N bytes.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

namespace pipelang::lsp {

enum class ReadStatus { Message, BadHeader, EndOfInput };

// Reads one framed message into *body.
ReadStatus readMessage(std::FILE* in, std::string* body);
void writeMessage(std::FILE* out, const std::string& body);

}  // namespace pipelang::lsp
