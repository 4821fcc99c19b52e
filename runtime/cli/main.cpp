// piperun: executes plans written by `pipec plan` (docs/runtime.md).
#include "clidoc/CliModel.h"
#include "compiler/plan/PlanDigest.h"
#include "runtime/cli/Commands.h"
#include "runtime/deploy/StopSignals.h"
#include "runtime/journal/Journal.h"
#include "runtime/text/Printable.h"

#include <llvm/Support/CommandLine.h>
#include <llvm/Support/FormatVariadic.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdlib>

using namespace llvm;
namespace rcli = pipelang::runtime::cli;

namespace {

cl::OptionCategory category("piperun options");

cl::SubCommand runCmd("run", "execute PLAN for --version until deployed, rolled back or stopped");
cl::SubCommand resumeCmd("resume", "continue whatever the state DB says is in flight");
cl::SubCommand statusCmd("status", "stages, steps, live alarms, bake time left, blockers, window");
cl::SubCommand logCmd("log", "the audit trail: transitions, overrides, approvals, rollbacks, command output");
cl::SubCommand overrideCmd("override", "let the current stage start despite a blocker or a closed window");
cl::SubCommand approveCmd("approve", "approve an emergency run or an approval step");
cl::SubCommand rollbackCmd("rollback", "roll back the version in flight");
cl::SubCommand simulateCmd("simulate", "run PLAN on a virtual clock against a simulated fleet");
cl::SubCommand serveCmd("serve", "the always-on service: every plan in --plans DIR, an HTTP API on --listen");
cl::SubCommand submitCmd("submit", "queue VERSION of PIPELINE on the service (--server, default 127.0.0.1:8470)");
cl::SubCommand tokenCmd("token", "print a new API token for NAME; the line for the tokens file goes to stderr");

cl::opt<std::string> planPath(cl::Positional, cl::desc("PLAN"), cl::sub(runCmd), cl::sub(simulateCmd),
                              cl::cat(category));
cl::opt<std::string> version("version",
                             cl::desc("the version to deploy (with --server: the version to approve, override for or "
                                      "roll back, default the one waiting, or the newest; log: print the timeline of "
                                      "its newest run)"),
                             cl::value_desc("V"), cl::sub(runCmd), cl::sub(approveCmd), cl::sub(overrideCmd),
                             cl::sub(rollbackCmd), cl::sub(logCmd), cl::cat(category));
cl::opt<std::string> previous("previous", cl::desc("last known-good version (default: the one the DB recorded)"),
                              cl::value_desc("V0"), cl::sub(runCmd), cl::cat(category));
cl::opt<std::string> state("state", cl::desc("state DB (default .piperun/<pipeline>.db; simulate: in memory)"),
                           cl::value_desc("DB"), cl::sub(runCmd), cl::sub(resumeCmd), cl::sub(statusCmd),
                           cl::sub(logCmd), cl::sub(overrideCmd), cl::sub(approveCmd), cl::sub(rollbackCmd),
                           cl::sub(simulateCmd), cl::sub(serveCmd), cl::cat(category));
cl::opt<std::string> alarmsDir("alarms-dir", cl::desc("directory of external alarm files (NAME holds ALARM or OK)"),
                               cl::value_desc("DIR"), cl::sub(runCmd), cl::sub(resumeCmd), cl::sub(serveCmd),
                               cl::cat(category));
cl::opt<std::string> storeUrl("store",
                              cl::desc("the service's store: postgresql://USER@HOST/DB (default: the SQLite file of "
                                       "--state)"),
                              cl::value_desc("URL"), cl::sub(serveCmd), cl::cat(category));
cl::opt<int> leaseSeconds("lease-seconds",
                          cl::desc("with --store: how long an instance keeps a pipeline without renewing its lease "
                                   "(renewed every third of it; another instance takes over after it)"),
                          cl::value_desc("S"), cl::init(10), cl::sub(serveCmd), cl::cat(category));
cl::opt<std::string> alertmanager("alertmanager",
                                  cl::desc("Alertmanager URL: external(NAME) alarms are its active, unsilenced alerts "
                                           "named NAME (instead of --alarms-dir)"),
                                  cl::value_desc("URL"), cl::sub(runCmd), cl::sub(resumeCmd), cl::sub(serveCmd),
                                  cl::cat(category));
cl::opt<std::string> prometheus("prometheus", cl::desc("Prometheus URL (overrides the plan's)"), cl::value_desc("URL"),
                                cl::sub(runCmd), cl::sub(resumeCmd), cl::sub(serveCmd), cl::cat(category));
cl::opt<bool> firstDeploy("first-deploy",
                          cl::desc("no version runs yet (no known-good, no --previous): a rollback undeploys"),
                          cl::sub(runCmd), cl::sub(submitCmd), cl::cat(category));
cl::opt<bool> retryFailed("retry-failed",
                          cl::desc("deploy a version marked failed again (needs --reason; run: and --by)"),
                          cl::sub(runCmd), cl::sub(submitCmd), cl::cat(category));
cl::opt<bool> emergency("emergency", cl::desc("emergency mode: shorter bakes, approval required"), cl::sub(runCmd),
                        cl::cat(category));
cl::opt<std::string> reason("reason", cl::desc("why (recorded in the audit trail)"), cl::value_desc("TEXT"),
                            cl::sub(runCmd), cl::sub(overrideCmd), cl::sub(rollbackCmd), cl::sub(submitCmd),
                            cl::cat(category));
cl::opt<bool> untilBlocked("until-blocked", cl::desc("stop (exit 4) as soon as a stage has to wait"), cl::sub(runCmd),
                           cl::sub(resumeCmd), cl::cat(category));
cl::opt<bool> quiet("quiet", cl::desc("print only the outcome"), cl::sub(runCmd), cl::sub(resumeCmd),
                    cl::cat(category));
cl::opt<std::string> outputFormat("format", cl::desc("output format: text or json"), cl::value_desc("text|json"),
                                  cl::init("text"), cl::sub(runCmd), cl::sub(resumeCmd), cl::sub(statusCmd),
                                  cl::sub(simulateCmd), cl::sub(logCmd), cl::sub(submitCmd), cl::sub(approveCmd),
                                  cl::sub(overrideCmd), cl::sub(rollbackCmd), cl::cat(category));
cl::opt<std::string> blocker("blocker", cl::desc("the blocker alarm to override, or 'window'"), cl::value_desc("NAME"),
                             cl::sub(overrideCmd), cl::cat(category));
cl::opt<std::string> by("by", cl::desc("who (recorded in the audit trail; run: default the OS user)"),
                        cl::value_desc("WHO"), cl::sub(runCmd), cl::sub(overrideCmd), cl::sub(approveCmd),
                        cl::sub(rollbackCmd), cl::cat(category));
cl::opt<bool> all("all", cl::desc("also return hosts of earlier, completed stages"), cl::sub(rollbackCmd),
                  cl::cat(category));
cl::opt<std::string> scenario("scenario", cl::desc("simulation scenario (JSON; without it, a healthy baseline)"),
                              cl::value_desc("FILE"), cl::sub(simulateCmd), cl::cat(category));

// The service and its clients (docs/service.md).
cl::list<std::string> operands(cl::Positional, cl::desc("PIPELINE [VERSION] (submit, token: NAME)"), cl::sub(statusCmd),
                               cl::sub(logCmd), cl::sub(approveCmd), cl::sub(overrideCmd), cl::sub(rollbackCmd),
                               cl::sub(submitCmd), cl::sub(tokenCmd), cl::cat(category));
cl::opt<std::string> server("server",
                            cl::desc("URL of a piperun serve (default $PIPERUN_SERVER; without either: the local "
                                     "state DB; submit: http://127.0.0.1:8470). The token is $PIPERUN_TOKEN"),
                            cl::value_desc("URL"), cl::sub(statusCmd), cl::sub(logCmd), cl::sub(approveCmd),
                            cl::sub(overrideCmd), cl::sub(rollbackCmd), cl::sub(submitCmd), cl::cat(category));
cl::opt<std::string> stage("stage", cl::desc("with --server: the stage (default the one the version waits at)"),
                           cl::value_desc("STAGE"), cl::sub(approveCmd), cl::sub(overrideCmd), cl::cat(category));
cl::opt<bool> watch("watch", cl::desc("with --server: redraw every 2 s until Ctrl-C"), cl::sub(statusCmd),
                    cl::cat(category));
cl::opt<bool> follow("follow", cl::desc("with --server: then print events as they come until Ctrl-C"), cl::sub(logCmd),
                     cl::cat(category));
cl::opt<std::string> plansDir("plans", cl::desc("the plans to host: the output of `pipec plan -o`"),
                              cl::value_desc("DIR"), cl::sub(serveCmd), cl::cat(category));
cl::opt<std::string> listenAddress("listen", cl::desc("address of the HTTP API (default 127.0.0.1:8470)"),
                                   cl::value_desc("HOST:PORT"), cl::init("127.0.0.1:8470"), cl::sub(serveCmd),
                                   cl::cat(category));
cl::opt<std::string> tokens("tokens", cl::desc("tokens file: NAME ROLE[,ROLE] sha256:HEX per line"),
                            cl::value_desc("FILE"), cl::sub(serveCmd), cl::cat(category));
cl::opt<std::string> roles("roles", cl::desc("the token's roles: viewer, deployer, operator, approver"),
                           cl::value_desc("R,R"), cl::sub(tokenCmd), cl::cat(category));

// For the build: the piperun(1) man page and the completion scripts, from these tables.
cl::opt<bool> manPage("man-page", cl::desc("print the piperun(1) man page"), cl::ReallyHidden, cl::cat(category));
cl::opt<std::string> completion("completion", cl::desc("print a completion script for bash, zsh or fish"),
                                cl::ReallyHidden, cl::cat(category));

const char* kOverview = "piperun: executes pipe plans: windows, blockers, one-box, bakes, rollback\n";

pipelang::clidoc::CliProgram piperunProgram() {
  auto program = pipelang::clidoc::describeCommandLine(
      "piperun", "executes pipe plans: windows, blockers, one-box, bakes, rollback", category);
  program.version = PIPE_VERSION;
  program.description =
      "piperun executes plans written by `pipec plan` (see pipec(1)): it deploys a version stage by stage, "
      "waits for deployment windows and blockers, bakes while alarms are watched and rolls back on any breach. "
      "Every transition is journalled in a SQLite state DB before the action it announces, so `piperun resume` "
      "after a crash never redoes a completed step.\n\n"
      "`piperun simulate` runs the same engine on a virtual clock against a simulated fleet.";
  program.sections = {{"Exit status",
                       "0: deployed (or the command succeeded).\n\n1: runtime error.\n\n2: usage error.\n\n"
                       "3: rolled back.\n\n4: stopped or blocked (--until-blocked, a simulation that cannot go on)."},
                      {"Environment",
                       "PIPERUN_SERVER: the URL of a `piperun serve` for status, log, approve, override, rollback "
                       "and submit when --server is not given.\n\nPIPERUN_TOKEN: the bearer token sent to it."},
                      {"Files", ".piperun/PIPELINE.db: the state DB when --state is not given."},
                      {"See also", "pipec(1), pipe(5)"}};
  return program;
}

int usage(const std::string& message) {
  errs() << "piperun: " << message << "\n";
  return rcli::kUsageError;
}

int dispatch();
int dispatchRemote();

}  // namespace

int main(int argc, char** argv) {
  // The project's version and the plan format it executes; nothing of LLVM's.
  cl::SetVersionPrinter([](raw_ostream& out) {
    out << "piperun " << PIPE_VERSION << "\nplan format " << pipelang::planformat::kSchemaV1 << "\n";
  });
  for (cl::SubCommand* sub : cl::getRegisteredSubcommands()) cl::HideUnrelatedOptions(category, *sub);
  std::string errors;
  raw_string_ostream errorStream(errors);
  if (!cl::ParseCommandLineOptions(argc, argv, kOverview, &errorStream)) {
    errorStream.flush();
    errs() << errors;
    return rcli::kUsageError;
  }
  if (manPage) {
    outs() << pipelang::clidoc::renderManPage(piperunProgram());
    return rcli::kDeployed;
  }
  if (completion.getNumOccurrences()) {
    using pipelang::clidoc::Shell;
    if (completion != "bash" && completion != "zsh" && completion != "fish")
      return usage("--completion must be bash, zsh or fish");
    Shell shell = completion == "bash" ? Shell::Bash : completion == "zsh" ? Shell::Zsh : Shell::Fish;
    outs() << pipelang::clidoc::renderCompletion(piperunProgram(), shell, {});
    return rcli::kDeployed;
  }
  if (outputFormat != "text" && outputFormat != "json") return usage("--format must be text or json");
  pipelang::runtime::installStopHandlers();  // a stopped piperun stops its deploy calls too
  // A failure of piperun's own parts ends every command the same way: exit 1
  // and one clear line, never an abort (runtime.md, "Failures of piperun's own
  // parts"). A runner has stopped its calls in flight before this point.
  int status = rcli::kRuntimeError;
  try {
    status = dispatch();
  } catch (const pipelang::runtime::JournalError& e) {
    errs() << "piperun: " << e.what() << "\n";
  } catch (const std::exception& e) {
    errs() << "piperun: internal error: " << e.what() << "\n";
  }
  // A reader that went away (`piperun run ... | head`) loses the text, not the
  // outcome: the exit status is the deployment's, as with no reader at all.
  outs().flush();
  outs().clear_error();
  return status;
}

namespace {

int dispatch() {
  rcli::OutputOptions output{outputFormat == "json", quiet};
  rcli::RunArgs run;
  run.plan = planPath;
  run.version = version;
  run.previous = previous;
  run.state = state;
  run.alarmsDir = alarmsDir;
  run.prometheus = prometheus;
  run.alertmanager = alertmanager;
  run.reason = reason;
  run.by = by;
  run.emergency = emergency;
  run.untilBlocked = untilBlocked;
  run.firstDeploy = firstDeploy;
  run.retryFailed = retryFailed;
  run.output = output;

  if (runCmd) {
    if (planPath.empty()) return usage("run needs a PLAN");
    if (version.empty()) return usage("run needs --version V");
    if (emergency && reason.empty()) return usage("--emergency needs --reason TEXT");
    if (retryFailed && (reason.empty() || by.empty())) return usage("--retry-failed needs --reason TEXT --by WHO");
    // A version is an identifier: what it names must be what every line shows.
    for (const auto& [flag, value] :
         std::initializer_list<std::pair<std::string, std::string>>{{"--version", version}, {"--previous", previous}})
      if (pipelang::runtime::hasControl(value))
        return usage(flag + " must be a version identifier without control characters, not \"" +
                     pipelang::runtime::printable(value) + "\"");
    return rcli::runCommand(run);
  }
  if (serveCmd) {
    if (plansDir.empty()) return usage("serve needs --plans DIR (the output of `pipec plan -o`)");
    rcli::ServeArgs serve;
    serve.plansDir = plansDir;
    serve.listen = listenAddress;
    serve.state = state;
    serve.tokensFile = tokens;
    serve.alarmsDir = alarmsDir;
    serve.prometheus = prometheus;
    serve.alertmanager = alertmanager;
    serve.store = storeUrl;
    if (leaseSeconds < 2 || leaseSeconds > 3600) return usage("--lease-seconds must be 2 to 3600");
    serve.leaseSeconds = leaseSeconds;
    return rcli::serveCommand(serve);
  }
  if (tokenCmd) {
    if (operands.size() != 1 || roles.empty()) return usage("token needs NAME --roles ROLE[,ROLE]");
    return rcli::tokenCommand(operands[0], roles);
  }
  if (int status = dispatchRemote(); status >= 0) return status;
  if (resumeCmd) return rcli::resumeCommand(run);
  if (statusCmd) return rcli::statusCommand(state, output.json);
  if (logCmd) return rcli::logCommand(state);
  if (overrideCmd) {
    if (blocker.empty() || reason.empty() || by.empty())
      return usage("override needs --blocker NAME|window --reason TEXT --by WHO");
    return rcli::requestCommand({"override", state, blocker, reason, by, false});
  }
  if (approveCmd) {
    if (by.empty()) return usage("approve needs --by WHO");
    return rcli::requestCommand({"approve", state, "", "", by, false});
  }
  if (rollbackCmd) {
    if (reason.empty() || by.empty()) return usage("rollback needs --reason TEXT --by WHO");
    return rcli::requestCommand({"rollback", state, all ? "all" : "", reason, by, all});
  }
  if (simulateCmd) {
    if (planPath.empty()) return usage("simulate needs PLAN [--scenario FILE]");
    if (scenario.getNumOccurrences() && scenario.empty())
      return usage("--scenario needs a FILE (leave it out for a healthy baseline)");
    return rcli::simulateCommand(planPath, scenario, state, output.json);
  }
  return usage(
      "missing subcommand: run, resume, status, log, override, approve, rollback, simulate, serve, submit or token "
      "(see --help)");
}

// The commands that talk to a `piperun serve`: submit always, the others with
// --server or $PIPERUN_SERVER. -1 when the command is not one of them (a local
// status, log, approve, override or rollback, unchanged).
int dispatchRemote() {
  const char* envServer = std::getenv("PIPERUN_SERVER");
  std::string url = server.getNumOccurrences() ? std::string(server) : envServer ? envServer : "";
  bool remoteCapable = statusCmd || logCmd || approveCmd || overrideCmd || rollbackCmd;
  if (!submitCmd && !remoteCapable) return -1;
  if (url.empty() && !submitCmd) {
    // Flags that only mean something to a server are refused, not ignored.
    if (!operands.empty())
      return usage("PIPELINE is for a server: give --server URL or set PIPERUN_SERVER (the local DB is --state DB)");
    for (auto [given, flag] : {std::pair<bool, const char*>{stage.getNumOccurrences() > 0, "--stage"},
                               {watch, "--watch"},
                               {follow, "--follow"},
                               {version.getNumOccurrences() > 0, "--version"}})
      if (given) return usage(std::string(flag) + " needs --server URL (or PIPERUN_SERVER)");
    if (logCmd && outputFormat == "json") return usage("log --format=json needs --server URL (or PIPERUN_SERVER)");
    if (approveCmd || overrideCmd || rollbackCmd)
      if (outputFormat.getNumOccurrences()) return usage("--format needs --server URL (or PIPERUN_SERVER)");
    return -1;
  }
  if (url.empty()) url = "http://127.0.0.1:8470";
  if (!llvm::StringRef(url).startswith("http://") && !llvm::StringRef(url).startswith("https://"))
    return usage("--server must be an http:// or https:// URL, not \"" + pipelang::runtime::printable(url) + "\"");
  if (by.getNumOccurrences())
    return usage(
        "--by is not used with a server: the server records the name its tokens file gives your "
        "PIPERUN_TOKEN");
  if (state.getNumOccurrences()) return usage("--state is for the local DB; with a server, leave it out");
  const char* envToken = std::getenv("PIPERUN_TOKEN");
  rcli::RemoteArgs remote{url, envToken ? envToken : "", "", outputFormat == "json", watch, follow};
  for (const std::string& operand : operands)
    if (pipelang::runtime::hasControl(operand) || operand.empty())
      return usage("\"" + pipelang::runtime::printable(operand) +
                   "\" is not a pipeline or version name (control characters)");
  auto text = [](const std::string& value) { return llvm::json::Value(value); };
  if (submitCmd) {
    if (operands.size() != 2) return usage("submit needs PIPELINE VERSION");
    if (retryFailed && reason.empty()) return usage("--retry-failed needs --reason TEXT");
    remote.pipeline = operands[0];
    llvm::json::Object body{{"version", text(operands[1])}};
    if (firstDeploy) body["first_deploy"] = true;
    if (retryFailed) body["retry_failed"] = true;
    if (!reason.empty()) body["reason"] = text(reason);
    return rcli::remoteRequestCommand(remote, "versions", llvm::formatv("{0}", llvm::json::Value(std::move(body))));
  }
  if (statusCmd) {
    if (operands.size() > 1) return usage("status takes at most one PIPELINE");
    remote.pipeline = operands.empty() ? "" : operands[0];
    return rcli::remoteStatusCommand(remote);
  }
  if (operands.size() != 1) return usage("this command needs one PIPELINE with --server");
  remote.pipeline = operands[0];
  if (logCmd && version.getNumOccurrences()) {
    if (follow) return usage("log --version V prints one run's timeline; leave out --follow");
    if (version.empty() || pipelang::runtime::hasControl(version))
      return usage("\"" + pipelang::runtime::printable(version) + "\" is not a version name");
    return rcli::remoteTimelineCommand(remote, version);
  }
  if (logCmd) return rcli::remoteLogCommand(remote);
  llvm::json::Object body;
  if (!version.empty()) body["version"] = text(version);
  if (approveCmd) {
    if (!stage.empty()) body["stage"] = text(stage);
    return rcli::remoteRequestCommand(remote, "approve", llvm::formatv("{0}", llvm::json::Value(std::move(body))));
  }
  if (overrideCmd) {
    if (blocker.empty() || reason.empty()) return usage("override needs --blocker NAME|window --reason TEXT");
    body["target"] = text(blocker);
    body["reason"] = text(reason);
    if (!stage.empty()) body["stage"] = text(stage);
    return rcli::remoteRequestCommand(remote, "override", llvm::formatv("{0}", llvm::json::Value(std::move(body))));
  }
  if (reason.empty()) return usage("rollback needs --reason TEXT");
  body["reason"] = text(reason);
  if (all) body["all"] = true;
  return rcli::remoteRequestCommand(remote, "rollback", llvm::formatv("{0}", llvm::json::Value(std::move(body))));
}

}  // namespace
