// The tables `piperun status --server` prints (docs/service.md, "CLI against a
// server"), from the JSON shapes of runtime/service/ServiceApi.h. Every value
// from the server is shown through printable().
#pragma once

#include <llvm/Support/JSON.h>

#include <string>

namespace pipelang::runtime::cli {

// GET /api/v1/pipelines: one row per version in flight (a pipeline with none
// has one row), with the stage, what it waits for and the last outcome.
std::string pipelinesTable(const llvm::json::Value& pipelines);
// GET /api/v1/pipelines/{name}: stages with their version and state, versions
// with bake time left, the window and the blockers.
std::string pipelineTable(const llvm::json::Value& pipeline);
// One event of the log or the stream: "T  TYPE  VERSION  STAGE  MESSAGE".
std::string eventLine(const llvm::json::Value& event);
// One notification delivery attempt of the log (docs/runtime.md "Notifications") in the
// columns of eventLine: "T  -  notify  VERSION  TARGET/CHANNEL  EVENT, attempt N: RESULT".
std::string notificationLine(const llvm::json::Value& attempt);

}  // namespace pipelang::runtime::cli
