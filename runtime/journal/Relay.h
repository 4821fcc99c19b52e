// Requests that reach an instance which does not run their pipeline, relayed
// to the one that does (docs/service.md "Several instances on PostgreSQL",
// Requests): the receiver records the request in the store and wakes the
// owner at once (PostgreSQL: NOTIFY pipe_requests); the owner applies it
// as if it had received it and records the answer, which the receiver returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pipelang::runtime {

struct RelayedRequest {
  std::int64_t id = 0;
  std::string pipeline, kind;  // kind: submit approve override rollback
  std::string body;            // the request as JSON (service::RelayCodec)
  std::string who;             // the caller's name, as the receiver's tokens said
};

// Every method may throw JournalError.
class RequestRelay {
 public:
  virtual ~RequestRelay() = default;
  // Receiver: records the request, wakes the owners; returns its id.
  virtual std::int64_t ask(const std::string& pipeline, const std::string& kind, const std::string& body,
                           const std::string& who) = 0;
  // Receiver: the owner's answer (HTTP status, JSON body) once there is one.
  virtual std::optional<std::pair<int, std::string>> answerOf(std::int64_t id) = 0;
  // Receiver: gives up on a request no owner has taken yet, so that none
  // applies it later; false when an owner already took it (wait for its answer).
  virtual bool withdraw(std::int64_t id) = 0;
  // Owner: requests of `pipelines` nobody has taken, oldest first; each one
  // returned is taken (no other owner applies it).
  virtual std::vector<RelayedRequest> take(const std::vector<std::string>& pipelines) = 0;
  virtual void answer(std::int64_t id, int status, const std::string& body) = 0;
};

}  // namespace pipelang::runtime
