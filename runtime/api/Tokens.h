// Identity for `piperun serve` (docs/service.md, "Identity and tokens"): a
// tokens file maps bearer tokens, stored only as SHA-256 hashes, to a name and
// roles. One token per line: `NAME ROLE[,ROLE...] sha256:HEX`; `#` starts a
// comment line; blank lines are ignored.
#pragma once

#include <llvm/Support/Error.h>

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pipelang::runtime::api {

// The roles a token may hold; what each allows is in docs/service.md.
inline constexpr const char* kRoles[] = {"viewer", "deployer", "operator", "approver"};

struct Identity {
  std::string name;
  std::set<std::string> roles;
};

class TokenTable {
 public:
  // Reads FILE. Errors name the file and the line: an unknown role, a name with
  // characters outside [A-Za-z0-9._@-], a hash that is not 64 hex digits, the
  // same hash twice, or a file with no token at all.
  static llvm::Expected<TokenTable> load(const std::string& path);
  // The identity of `token`, comparing its hash with every entry in constant
  // time (no early exit), or nothing.
  std::optional<Identity> find(const std::string& token) const;

 private:
  struct Entry {
    Identity identity;
    std::array<std::uint8_t, 32> hash;
  };
  std::vector<Entry> entries_;
};

// Lowercase hex SHA-256 of `text` (64 characters).
std::string sha256Hex(const std::string& text);

// A new random token: 32 bytes from /dev/urandom as 64 hex digits. Error when
// /dev/urandom cannot be read.
llvm::Expected<std::string> newToken();

}  // namespace pipelang::runtime::api
