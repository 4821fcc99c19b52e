#include "runtime/api/Tokens.h"

#include "runtime/text/Printable.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/SHA256.h>

#include <fstream>
#include <sstream>

namespace pipelang::runtime::api {

namespace {

std::array<std::uint8_t, 32> sha256(const std::string& text) {
  return llvm::SHA256::hash(
      llvm::ArrayRef<std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

bool validName(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name)
    if (!llvm::isAlnum(c) && c != '.' && c != '_' && c != '@' && c != '-') return false;
  return true;
}

bool knownRole(const std::string& role) {
  for (const char* known : kRoles)
    if (role == known) return true;
  return false;
}

}  // namespace

std::string sha256Hex(const std::string& text) {
  auto hash = sha256(text);
  return llvm::toHex(llvm::ArrayRef<std::uint8_t>(hash.data(), hash.size()), /*LowerCase=*/true);
}

llvm::Expected<TokenTable> TokenTable::load(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "tokens file %s: cannot be read",
                                   printable(path).c_str());
  TokenTable table;
  std::string line;
  int number = 0;
  auto fail = [&](const std::string& what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "tokens file %s:%d: %s", printable(path).c_str(),
                                   number, what.c_str());
  };
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream fields(line);
    std::string name, roles, hash, extra;
    if (!(fields >> name) || name[0] == '#') continue;
    if (!(fields >> roles >> hash) || (fields >> extra))
      return fail("expected NAME ROLE[,ROLE] sha256:HEX, got \"" + printable(line) + "\"");
    if (!validName(name)) return fail("the name \"" + printable(name) + "\" may use only A-Z a-z 0-9 . _ @ -");
    Entry entry;
    entry.identity.name = name;
    llvm::SmallVector<llvm::StringRef, 4> parts;
    llvm::StringRef(roles).split(parts, ',');
    for (llvm::StringRef role : parts) {
      if (!knownRole(role.str()))
        return fail("unknown role \"" + printable(role.str()) + "\" (roles: viewer, deployer, operator, approver)");
      entry.identity.roles.insert(role.str());
    }
    llvm::StringRef hex(hash);
    if (!hex.consume_front("sha256:") || hex.size() != 64 || !llvm::all_of(hex, llvm::isHexDigit))
      return fail("the hash must be sha256: and 64 hex digits (`piperun token` prints the line)");
    std::string raw = llvm::fromHex(hex);
    std::copy(raw.begin(), raw.end(), entry.hash.begin());
    for (const Entry& other : table.entries_)
      if (other.hash == entry.hash) return fail("the same token hash as " + other.identity.name + "'s");
    table.entries_.push_back(std::move(entry));
  }
  if (table.entries_.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "tokens file %s: has no token",
                                   printable(path).c_str());
  return table;
}

std::optional<Identity> TokenTable::find(const std::string& token) const {
  auto hash = sha256(token);
  const Entry* found = nullptr;
  for (const Entry& entry : entries_) {
    std::uint8_t difference = 0;
    for (std::size_t i = 0; i < hash.size(); ++i) difference |= hash[i] ^ entry.hash[i];
    // Every entry is compared whatever matched before it.
    if (difference == 0) found = &entry;
  }
  if (!found) return std::nullopt;
  return found->identity;
}

llvm::Expected<std::string> newToken() {
  std::ifstream random("/dev/urandom", std::ios::binary);
  std::array<std::uint8_t, 32> bytes{};
  if (!random.read(reinterpret_cast<char*>(bytes.data()), bytes.size()))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot read /dev/urandom");
  return llvm::toHex(llvm::ArrayRef<std::uint8_t>(bytes.data(), bytes.size()), /*LowerCase=*/true);
}

}  // namespace pipelang::runtime::api
