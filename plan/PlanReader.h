// Reads and verifies a plan (docs/plan-format.md): JSON syntax, schema major
// version, digest, shape. Errors are "ORIGIN: JSON-PATH: what is wrong".
#pragma once

#include "plan/Plan.h"

#include <llvm/Support/Error.h>

#include <memory>

namespace pipelang::planformat {

// `origin` names the plan in error messages (a path, or "journal").
llvm::Expected<Plan> parsePlan(const std::string& text, const std::string& origin);
llvm::Expected<Plan> readPlanFile(const std::string& path);

// A plan's digest being checked on a second thread while the plan is
// converted and used (docs/performance.md, issue 18). wait() gives the
// digest's error ("ORIGIN: digest: digest mismatch: ...") or success, the
// same every time it is asked; the destructor waits for the thread, which
// also frees the parsed document.
class DigestCheck {
 public:
  DigestCheck();
  ~DigestCheck();
  DigestCheck(const DigestCheck&) = delete;
  DigestCheck& operator=(const DigestCheck&) = delete;
  llvm::Error wait();

  struct State;  // PlanReader.cpp's

 private:
  friend llvm::Expected<Plan> parsePlan(const std::string&, const std::string&, DigestCheck&);
  std::unique_ptr<State> state_;
};

// From this many bytes of text on, the digest is hashed on a second thread
// while the document is converted: below it, starting a thread costs more
// than it saves.
inline constexpr size_t kDigestThreadFrom = 128 * 1024;

// parsePlan, except that a large plan is returned before its digest is known
// (it is checked on a second thread): the caller asks `check.wait()` before
// it acts on the plan or says anything, so that a digest error still wins
// over every later one. An error found while converting the document waits
// for the digest itself, and is the digest's when it does not match.
llvm::Expected<Plan> parsePlan(const std::string& text, const std::string& origin, DigestCheck& check);
llvm::Expected<Plan> readPlanFile(const std::string& path, DigestCheck& check);

}  // namespace pipelang::planformat
