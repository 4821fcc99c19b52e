// Routes, identity and limits of the HTTP API (docs/service.md, "API" and
// "Identity and tokens"; docs/openapi.yaml). Nothing from a request reaches a
// shell: names and bodies are passed to ServiceApi as data.
#include "runtime/api/ApiServer.h"

#include "runtime/api/EventStream.h"
#include "runtime/api/ListenAddress.h"
#include "runtime/api/RequestBody.h"
#include "runtime/api/Tokens.h"
#include "runtime/api/WebFiles.h"
#include "runtime/text/JsonText.h"
#include "runtime/text/Printable.h"

#include <fmt/format.h>
#include <httplib.h>
#include <llvm/ADT/StringExtras.h>
#include <sys/socket.h>

#include <atomic>
#include <optional>
#include <thread>

namespace pipelang::runtime::api {

namespace {

constexpr size_t kMaxBody = 64 * 1024;
constexpr int kDefaultLimit = 100, kMaxLimit = 1000;
constexpr size_t kThreads = 32;  // each open event stream holds one (at most maxStreams)

void sendJson(httplib::Response& response, int status, const llvm::json::Value& body) {
  response.status = status;
  response.set_content(jsonText(body), "application/json");
}

void sendError(httplib::Response& response, int status, const std::string& message) {
  sendJson(response, status, llvm::json::Object{{"error", message}});
}

void sendOutcome(httplib::Response& response, const service::ApiOutcome& outcome) {
  sendJson(response, outcome.status, outcome.body);
}

// What a path names: the route and the pipeline in it.
enum class Route {
  Health,
  Pipelines,
  Pipeline,
  Log,
  Timeline,
  Events,
  WhoAmI,
  Submit,
  Approve,
  Override,
  Rollback,
  None
};

struct Match {
  Route route = Route::None;
  std::string pipeline;
};

Match matchPath(const std::string& path) {
  llvm::SmallVector<llvm::StringRef, 6> parts;
  llvm::StringRef(path).split(parts, '/');  // "/api/v1/x" → "", "api", "v1", "x"
  if (path == "/healthz") return {Route::Health, ""};
  if (parts.size() < 4 || !parts[0].empty() || parts[1] != "api" || parts[2] != "v1") return {};
  if (parts.size() == 4) {
    if (parts[3] == "pipelines") return {Route::Pipelines, ""};
    if (parts[3] == "events") return {Route::Events, ""};
    if (parts[3] == "whoami") return {Route::WhoAmI, ""};
    return {};
  }
  if (parts[3] != "pipelines" || parts[4].empty()) return {};
  std::string name = parts[4].str();
  if (parts.size() == 5) return {Route::Pipeline, name};
  if (parts.size() != 6) return {};
  if (parts[5] == "log") return {Route::Log, name};
  if (parts[5] == "timeline") return {Route::Timeline, name};
  if (parts[5] == "versions") return {Route::Submit, name};
  if (parts[5] == "approve") return {Route::Approve, name};
  if (parts[5] == "override") return {Route::Override, name};
  if (parts[5] == "rollback") return {Route::Rollback, name};
  return {};
}

// Headers of every dashboard answer (docs/dashboard.md, "Security"): the page
// runs only its own files, talks only to this server, and cannot be framed.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// A strong validator of a file's bytes (FNV-1a, 64 bits): the files change only
// with the binary, so a browser revalidates cheaply and gets 304 on a slow link.
std::string etagOf(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return fmt::format("\"{:016x}\"", hash);
}

// The dashboard's file for a path: "/" is index.html, "/static/NAME" is NAME;
// nullopt when the path is not the dashboard's (the API's routes then apply).
std::optional<std::string> webPath(const std::string& path) {
  if (path == "/") return std::string("index.html");
  llvm::StringRef rest(path);
  if (rest.consume_front("/static/")) return rest.str();
  return std::nullopt;
}

// Answers a dashboard path: GET/HEAD only, no token (the files hold no data;
// the page asks the API with the user's token), 304 when the browser's copy is current.
void serveWeb(const httplib::Request& request, httplib::Response& response, const std::string& name) {
  response.set_header("Content-Security-Policy", kContentSecurityPolicy);
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("X-Frame-Options", "DENY");
  if (request.method != "GET" && request.method != "HEAD") {
    response.set_header("Allow", "GET, HEAD");
    return sendError(response, 405, "method " + printable(request.method) + " is not allowed here; use GET");
  }
  const WebFile* file = findWebFile(name);
  if (!file) return sendError(response, 404, "no such file: " + printable(request.path));
  // no-cache is "ask before using": names carry no version, and a new piperun
  // must never run an old app.js against its API.
  response.headers.erase("Cache-Control");
  response.set_header("Cache-Control", "no-cache");
  std::string etag = etagOf(file->body);
  response.set_header("ETag", etag);
  if (request.get_header_value("If-None-Match") == etag) {
    response.status = 304;
    return;
  }
  response.status = 200;
  response.set_content(std::string(file->body), webContentType(file->name));
}

bool isRead(Route route) {
  return route != Route::Submit && route != Route::Approve && route != Route::Override && route != Route::Rollback;
}

// The role a mutating route needs (docs/service.md, "Identity and tokens").
const char* roleFor(Route route) {
  switch (route) {
    case Route::Submit:
      return "deployer";
    case Route::Approve:
      return "approver";
    case Route::Override:
    case Route::Rollback:
      return "operator";
    default:
      return nullptr;
  }
}

// A query parameter as an integer in [low, high]; `fallback` when absent.
std::variant<std::int64_t, std::string> intParam(const httplib::Request& request, const char* name,
                                                 std::int64_t fallback, std::int64_t low, std::int64_t high) {
  if (!request.has_param(name)) return fallback;
  std::string text = request.get_param_value(name);
  std::int64_t value = 0;
  if (llvm::StringRef(text).getAsInteger(10, value) || value < low || value > high)
    return fmt::format("query parameter \"{}\" must be an integer from {} to {}, not \"{}\"", name, low, high,
                       printable(text));
  return value;
}

class HttpApiServer : public ApiServer {
 public:
  HttpApiServer(service::ServiceApi& api, std::optional<TokenTable> tokens, const ApiServerOptions& options)
      : api_(api), tokens_(std::move(tokens)), heartbeat_(options.heartbeat), maxStreams_(options.maxStreams) {}

  ~HttpApiServer() override { stop(); }

  llvm::Error listen(const ListenAddress& address) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
    server_.set_payload_max_length(kMaxBody);
    server_.set_default_headers({{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}});
    // Called for every answer of 400 or more: fills in a JSON error where
    // httplib answered by itself (a body over the limit, a malformed request).
    server_.set_error_handler([](const httplib::Request&, httplib::Response& response) {
      if (!response.body.empty() || response.is_chunked_content_provider_) return;
      std::string message = response.status == 413 ? fmt::format("the body is larger than {} bytes", kMaxBody)
                                                   : fmt::format("the request was refused (HTTP {})", response.status);
      sendError(response, response.status, message);
    });
    server_.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
      sendError(response, 500, "internal error of piperun serve (its log says more)");
    });
    // A body without a length: httplib would read it until the connection
    // closes, and the client (who sent none, so waits for an answer) would
    // hang until the read timeout. Refused at once, before any read.
    server_.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
      bool mayHaveBody = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
      if (!mayHaveBody || request.has_header("Content-Length") || request.has_header("Transfer-Encoding"))
        return httplib::Server::HandlerResponse::Unhandled;
      sendError(response, 411, "a " + printable(request.method) + " needs a Content-Length header (use 0 for no body)");
      return httplib::Server::HandlerResponse::Handled;
    });
    httplib::Server::Handler handler = [this](const httplib::Request& request, httplib::Response& response) {
      handle(request, response);
    };
    server_.Get(".*", handler).Post(".*", handler).Put(".*", handler).Patch(".*", handler);
    server_.Delete(".*", handler).Options(".*", handler);
    // httplib's default sets SO_REUSEPORT, with which a second service on
    // the same address binds too and the kernel shares the connections
    // between them; SO_REUSEADDR alone still allows a restart at once.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    bool bound = false;
    if (address.port == 0) {
      port_ = server_.bind_to_any_port(address.host);
      bound = port_ > 0;
    } else {
      bound = server_.bind_to_port(address.host, address.port);
      port_ = address.port;
    }
    if (!bound)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "cannot listen on %s:%d: the address is in use or not this machine's",
                                     printable(address.host).c_str(), address.port);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() does nothing before the accept loop runs: wait for it,
    // so that a stop() right after start() cannot leave the loop running.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return llvm::Error::success();
  }

  int port() const override { return port_; }
  int streamsOpened() const override { return streamsOpened_; }

  void stop() override {
    stopping_ = true;
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void handle(const httplib::Request& request, httplib::Response& response) {
    if (auto web = webPath(request.path)) return serveWeb(request, response, *web);
    Match match = matchPath(request.path);
    if (match.route == Route::None)
      return sendError(response, 404, "no such route: " + printable(request.method + " " + request.path));
    bool read = isRead(match.route);
    bool methodOk = read ? (request.method == "GET" || request.method == "HEAD") : request.method == "POST";
    if (!methodOk) {
      response.set_header("Allow", read ? "GET, HEAD" : "POST");
      return sendError(response, 405,
                       "method " + printable(request.method) + " is not allowed here; use " + (read ? "GET" : "POST"));
    }
    if (match.route == Route::Health) return sendJson(response, 200, llvm::json::Object{{"status", "ok"}});
    if (!match.pipeline.empty() && hasControl(match.pipeline))
      return sendError(response, 400, "the pipeline name \"" + printable(match.pipeline) + "\" has control characters");
    std::optional<Identity> identity = authenticate(request, response, match.route);
    if (!identity) return;
    service::Caller caller{identity->name};
    switch (match.route) {
      case Route::Pipelines:
        return sendOutcome(response, api_.pipelines());
      case Route::Pipeline:
        return sendOutcome(response, api_.pipeline(match.pipeline));
      case Route::WhoAmI: {
        llvm::json::Array roles;
        for (const std::string& role : identity->roles) roles.push_back(role);
        return sendJson(response, 200, llvm::json::Object{{"name", identity->name}, {"roles", std::move(roles)}});
      }
      case Route::Log: {
        auto after = intParam(request, "after", 0, 0, INT64_MAX);
        auto limit = intParam(request, "limit", kDefaultLimit, 1, kMaxLimit);
        auto notificationsAfter = intParam(request, "notifications_after", 0, 0, INT64_MAX);
        for (auto* refusal : {std::get_if<std::string>(&after), std::get_if<std::string>(&limit),
                              std::get_if<std::string>(&notificationsAfter)})
          if (refusal) return sendError(response, 400, *refusal);
        return sendOutcome(response, api_.log(match.pipeline, std::get<std::int64_t>(after),
                                              static_cast<int>(std::get<std::int64_t>(limit)),
                                              std::get<std::int64_t>(notificationsAfter)));
      }
      case Route::Timeline:
        return timeline(request, response, match.pipeline);
      case Route::Events:
        return events(request, response);
      case Route::Submit:
        return mutate(response, readSubmit(match.pipeline, request.body),
                      [&](const auto& body) { return api_.submit(body, caller); });
      case Route::Approve:
        return mutate(response, readApprove(match.pipeline, request.body),
                      [&](const auto& body) { return api_.approve(body, caller); });
      case Route::Override:
        return mutate(response, readOverride(match.pipeline, request.body),
                      [&](const auto& body) { return api_.override(body, caller); });
      case Route::Rollback:
        return mutate(response, readRollback(match.pipeline, request.body),
                      [&](const auto& body) { return api_.rollback(body, caller); });
      default:
        return sendError(response, 404, "no such route");
    }
  }

  template <typename Body, typename Call>
  void mutate(httplib::Response& response, const std::variant<Body, std::string>& read, Call call) {
    if (const auto* refusal = std::get_if<std::string>(&read)) return sendError(response, 400, *refusal);
    sendOutcome(response, call(std::get<Body>(read)));
  }

  // GET .../timeline?run_id=N or ?version=V (exactly one): a version rides in
  // the query, never the path, so any name (with '/' or '%') reaches the service as it is.
  void timeline(const httplib::Request& request, httplib::Response& response, const std::string& pipeline) {
    bool byRun = request.has_param("run_id"), byVersion = request.has_param("version");
    if (byRun == byVersion)
      return sendError(response, 400, "give exactly one of the query parameters \"run_id\" and \"version\"");
    service::TimelineRequest query{pipeline, 0, ""};
    if (byRun) {
      auto run = intParam(request, "run_id", 0, 1, INT64_MAX);
      if (const auto* refusal = std::get_if<std::string>(&run)) return sendError(response, 400, *refusal);
      query.runId = std::get<std::int64_t>(run);
    } else {
      query.version = request.get_param_value("version");
      if (query.version.empty() || hasControl(query.version))
        return sendError(response, 400,
                         "query parameter \"version\" must be a version name without control characters, not \"" +
                             printable(query.version) + "\"");
    }
    sendOutcome(response, api_.timeline(query));
  }

  void events(const httplib::Request& request, httplib::Response& response) {
    // A reconnecting EventSource sends Last-Event-ID with the first URL: the
    // header, when there, is where the client really is.
    auto after = intParam(request, "after", 0, 0, INT64_MAX);
    if (request.has_header("Last-Event-ID")) {
      std::string text = request.get_header_value("Last-Event-ID");
      std::int64_t value = 0;
      if (llvm::StringRef(text).getAsInteger(10, value) || value < 0)
        return sendError(response, 400, "header Last-Event-ID must be an event id, not \"" + printable(text) + "\"");
      after = value;
    }
    if (const auto* refusal = std::get_if<std::string>(&after)) return sendError(response, 400, *refusal);
    std::string pipeline = request.has_param("pipeline") ? request.get_param_value("pipeline") : "";
    if (!pipeline.empty()) {
      // An unknown pipeline is a plain 404, not a stream that never says anything.
      service::ApiOutcome known = api_.pipeline(pipeline);
      if (known.status != 200) return sendOutcome(response, known);
    }
    // Each stream holds a server thread: past the cap, the reads and the
    // mutating calls would wait behind streams, so one more is refused.
    if (++openStreams_ > maxStreams_) {
      --openStreams_;
      response.set_header("Retry-After", "5");
      return sendError(response, 503, fmt::format("too many open event streams ({}); try again later", maxStreams_));
    }
    ++streamsOpened_;
    streamEvents(api_, std::get<std::int64_t>(after), pipeline, heartbeat_, stopping_, response,
                 [this] { --openStreams_; });
  }

  // The caller, or nothing after answering 401/403 (docs/service.md, "Identity and tokens").
  std::optional<Identity> authenticate(const httplib::Request& request, httplib::Response& response, Route route) {
    const char* role = roleFor(route);
    if (!tokens_) {
      if (role) {
        sendError(response, 401, "this service has no --tokens file; mutating calls are refused");
        return std::nullopt;
      }
      return Identity{"anonymous", {"viewer"}};
    }
    auto refuse = [&](const std::string& message) {
      response.set_header("WWW-Authenticate", "Bearer realm=\"piperun\"");
      sendError(response, 401, message);
      return std::nullopt;
    };
    std::string authorization = request.get_header_value("Authorization");
    llvm::StringRef header(authorization);
    if (header.empty()) return refuse("this call needs a token: Authorization: Bearer TOKEN");
    if (!header.consume_front("Bearer ") && !header.consume_front("bearer "))
      return refuse("the Authorization header must be Bearer TOKEN");
    std::optional<Identity> identity = tokens_->find(header.trim().str());
    if (!identity) return refuse("the token is not valid");
    if (role && !identity->roles.count(role)) {
      sendError(response, 403, identity->name + " may not do this: it needs the role " + role);
      return std::nullopt;
    }
    return identity;
  }

  service::ServiceApi& api_;
  std::optional<TokenTable> tokens_;
  std::chrono::milliseconds heartbeat_;
  httplib::Server server_;
  std::thread thread_;
  int maxStreams_;
  std::atomic<int> openStreams_{0};
  std::atomic<int> streamsOpened_{0};
  std::atomic<bool> stopping_{false};
  int port_ = 0;
};

}  // namespace

llvm::Expected<std::unique_ptr<ApiServer>> ApiServer::start(service::ServiceApi& api, const ApiServerOptions& options) {
  auto address = parseListen(options.listen);
  if (!address) return address.takeError();
  std::optional<TokenTable> tokens;
  if (!options.tokensFile.empty()) {
    auto table = TokenTable::load(options.tokensFile);
    if (!table) return table.takeError();
    tokens = std::move(*table);
  } else if (!address->loopback) {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "refusing to listen on %s without --tokens FILE: anyone who can reach it could read every pipeline "
        "(listen on 127.0.0.1, or give a tokens file; see `piperun token`)",
        printable(options.listen).c_str());
  }
  auto server = std::make_unique<HttpApiServer>(api, std::move(tokens), options);
  if (auto error = server->listen(*address)) return error;
  return std::unique_ptr<ApiServer>(std::move(server));
}

}  // namespace pipelang::runtime::api
