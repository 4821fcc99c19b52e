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
// Whether input arrives within `timeoutMs`. Needs `in` unbuffered (the server
// makes it so), else bytes already in stdio's buffer would go unseen; true
// when it cannot tell, so callers never wait on a stream that has data.
bool inputWithin(std::FILE* in, int timeoutMs);

}  // namespace pipelang::lsp
