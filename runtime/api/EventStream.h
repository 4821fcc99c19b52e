// GET /api/v1/events as Server-Sent Events (docs/service.md, "API"): each
// event is `id: N`, `event: TYPE`, `data: JSON` and a blank line; a comment
// line (`: heartbeat`) every `heartbeat` keeps proxies from closing an idle
// stream. Built on ServiceApi::waitForEvent + events().
#pragma once

#include "runtime/service/ServiceApi.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace pipelang::runtime::api {

// Makes `response` a stream of the events with id > `after` (only `pipeline`'s
// when it is not empty), oldest first, until the client goes or `stopping`
// becomes true (checked at least every 250 ms). `onEnd` runs once when the
// stream is over (a client that left is noticed at the next write).
void streamEvents(service::ServiceApi& api, std::int64_t after, const std::string& pipeline,
                  std::chrono::milliseconds heartbeat, const std::atomic<bool>& stopping, httplib::Response& response,
                  std::function<void()> onEnd);

}  // namespace pipelang::runtime::api
