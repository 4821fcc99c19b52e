// The piperun subcommands; main.cpp parses options into these and calls one.
#pragma once

#include "runtime/engine/Engine.h"

#include <string>

namespace pipelang::runtime::cli {

enum ExitCode { kDeployed = 0, kRuntimeError = 1, kUsageError = 2, kRolledBack = 3, kStopped = 4 };

// The exit status of a run or simulation that ended with `outcome` (runtime.md §1).
int exitCodeFor(Outcome outcome);

struct OutputOptions {
  bool json = false;
  bool quiet = false;
};

struct RunArgs {
  std::string plan, version, previous, state, alarmsDir, prometheus, reason;
  std::string alertmanager;  // `--alertmanager URL`: external alarms from Alertmanager instead of --alarms-dir
  std::string by;            // who starts the run (`--by`, default the OS user)
  bool emergency = false, untilBlocked = false;
  bool firstDeploy = false;  // no known-good version yet: a rollback undeploys
  bool retryFailed = false;  // deploy a version marked failed again (with --reason and --by)
  OutputOptions output;
};

struct RequestArgs {
  std::string kind;  // override approve rollback
  std::string state, target, reason, who;
  bool all = false;
};

// `piperun serve` (docs/service.md).
struct ServeArgs {
  std::string plansDir;                   // --plans DIR: the output of `pipec plan -o` (required)
  std::string listen = "127.0.0.1:8470";  // --listen HOST:PORT
  std::string state;                      // --state FILE, default .piperun/service.db
  std::string store;                      // --store postgresql://...: the PostgreSQL store instead
  std::string tokensFile;                 // --tokens FILE
  std::string alarmsDir, prometheus;      // as for `run`
  std::string alertmanager;               // as for `run`
  int leaseSeconds = 10;                  // --lease-seconds: PostgreSQL store, several instances
};

// A command against `piperun serve` (docs/service.md, "CLI against a server").
struct RemoteArgs {
  std::string server;    // base URL: --server, else $PIPERUN_SERVER
  std::string token;     // $PIPERUN_TOKEN (never a flag: it would show in ps)
  std::string pipeline;  // empty: every pipeline (status)
  bool json = false;     // --format=json: the server's JSON as it came
  bool watch = false;    // status --watch: redraw every 2 s until SIGINT
  bool follow = false;   // log --follow: then the event stream until SIGINT
};

// POST /api/v1/pipelines/{pipeline}/{action} with `body`; action is versions
// (submit), approve, override or rollback. 0 when the server accepted it.
int remoteRequestCommand(const RemoteArgs& args, const std::string& action, const std::string& body);
int remoteStatusCommand(const RemoteArgs& args);
int remoteLogCommand(const RemoteArgs& args);
// `log PIPELINE --version V --server URL`: "== run #N: V (previous P) STATUS",
// then the timeline of V's newest run as `piperun run` printed it
// (GET .../timeline?version=V; docs/service.md, "Timelines").
int remoteTimelineCommand(const RemoteArgs& args, const std::string& version);
// `piperun token NAME --roles R,R`: a new token on stdout, its tokens-file line on stderr.
int tokenCommand(const std::string& name, const std::string& roles);

int runCommand(const RunArgs& args);
// Runs until SIGTERM or SIGINT; 0 after a clean stop, 1 when it cannot start.
int serveCommand(const ServeArgs& args);
int resumeCommand(const RunArgs& args);  // plan and version come from the DB
int statusCommand(const std::string& state, bool json);
int logCommand(const std::string& state);
int requestCommand(const RequestArgs& args);
// `state`: empty keeps the journal in memory; a path keeps it in that DB.
int simulateCommand(const std::string& plan, const std::string& scenario, const std::string& state, bool json);

// `--state`, else .piperun/<pipeline>.db, else the only DB in .piperun/.
std::string defaultStatePath(const std::string& explicitState, const std::string& pipeline);

}  // namespace pipelang::runtime::cli
