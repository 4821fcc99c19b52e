// The API's requests as JSON text, for relaying them to the instance that
// runs their pipeline (runtime/journal/Relay.h): the same fields as the
// request structs of ServiceApi.h, nothing else. A body that does not decode
// is answered 400 by the owner.
#pragma once

#include "runtime/service/ServiceApi.h"

#include <optional>
#include <string>

namespace pipelang::runtime::service {

std::string encodeRequest(const SubmitRequest& r);
std::string encodeRequest(const ApproveRequest& r);
std::string encodeRequest(const OverrideRequest& r);
std::string encodeRequest(const RollbackRequest& r);
std::optional<SubmitRequest> decodeSubmit(const std::string& text);
std::optional<ApproveRequest> decodeApprove(const std::string& text);
std::optional<OverrideRequest> decodeOverride(const std::string& text);
std::optional<RollbackRequest> decodeRollback(const std::string& text);

// An answer's body as text and back (an unparsable text: {"error": ...}).
std::string encodeBody(const llvm::json::Value& body);
llvm::json::Value decodeBody(const std::string& text);

}  // namespace pipelang::runtime::service
