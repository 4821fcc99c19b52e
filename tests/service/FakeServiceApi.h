// A test double of our own ServiceApi interface (runtime/service/ServiceApi.h):
// fixed answers of the documented JSON shapes, events added by the test, and a
// record of every mutating call with its Caller (and of each timeline asked for), so that tests of the HTTP
// layer (runtime/api/) need no engine, store or plans.
#pragma once

#include "runtime/service/ServiceApi.h"

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace pipelang::tests {

class FakeServiceApi : public runtime::service::ServiceApi {
 public:
  using ApiOutcome = runtime::service::ApiOutcome;
  using Caller = runtime::service::Caller;

  struct Call {
    std::string kind, pipeline, version, caller, reason, target, stage;
    bool flag = false;       // first_deploy (submit) or all (rollback)
    std::int64_t runId = 0;  // timeline by run
  };

  FakeServiceApi();

  // Adds an event of `pipeline` and wakes waitForEvent; returns its id.
  // `step` empty: a stage's or run's event (the API's null step).
  std::int64_t addEvent(const std::string& pipeline, const std::string& type, const std::string& message,
                        const std::string& step = "");
  std::vector<Call> calls() const;

  ApiOutcome pipelines() override;
  ApiOutcome pipeline(const std::string& name) override;
  ApiOutcome log(const std::string& name, std::int64_t afterId, int limit, std::int64_t notificationsAfter) override;
  ApiOutcome timeline(const runtime::service::TimelineRequest& request) override;
  ApiOutcome events(std::int64_t afterId, const std::string& pipeline, int limit) override;
  bool waitForEvent(std::int64_t afterId, std::chrono::milliseconds wait) override;
  ApiOutcome submit(const runtime::service::SubmitRequest& request, const Caller& caller) override;
  ApiOutcome approve(const runtime::service::ApproveRequest& request, const Caller& caller) override;
  ApiOutcome override(const runtime::service::OverrideRequest& request, const Caller& caller) override;
  ApiOutcome rollback(const runtime::service::RollbackRequest& request, const Caller& caller) override;

  static constexpr const char* kPipeline = "checkout-api";  // the one pipeline it knows

 private:
  bool known(const std::string& name) const { return name == kPipeline; }
  ApiOutcome unknown(const std::string& name) const;
  ApiOutcome accepted(const std::string& version);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<llvm::json::Value> events_;
  std::vector<Call> calls_;
};

}  // namespace pipelang::tests
