// `piperun serve` (docs/service.md): the store, the service's loop and the
// HTTP API, until SIGTERM or SIGINT. Stopping is always safe: a call still
// running is stopped (SIGTERM, then SIGKILL) and its step re-runs when the
// service starts again, as after a kill.
#include "runtime/api/ApiServer.h"
#include "runtime/cli/Commands.h"
#include "runtime/deploy/StopSignals.h"
#include "runtime/journal/PgLeases.h"
#include "runtime/journal/PgRelay.h"
#include "runtime/journal/PgStore.h"
#include "runtime/journal/SqliteServiceStore.h"
#include "runtime/service/Service.h"

#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/raw_ostream.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace pipelang::runtime::cli {
namespace {

volatile std::sig_atomic_t serveStop = 0;

void onServeStop(int signal) {
  serveStop = signal;
}

int refuse(const std::string& message) {
  llvm::errs() << "piperun serve: " << message << "\n";
  return kRuntimeError;
}

}  // namespace

int serveCommand(const ServeArgs& args) {
  std::unique_ptr<ServiceStore> store;
  std::unique_ptr<RunnerLock> lock;
  std::unique_ptr<PgLeases> leases;
  std::unique_ptr<PgRelay> relay;
  if (llvm::StringRef(args.store).startswith("postgresql://") ||
      llvm::StringRef(args.store).startswith("postgres://")) {
    if (!args.state.empty()) return refuse("give --state FILE or --store URL, not both");
    auto pg = PgServiceStore::open(args.store);
    if (!pg) return refuse(llvm::toString(pg.takeError()));
    // Several instances may share it: each pipeline is run by the instance
    // holding its lease (docs/service.md "Several instances on PostgreSQL").
    leases = std::make_unique<PgLeases>((*pg)->store(), newInstanceId(), args.leaseSeconds);
    relay = std::make_unique<PgRelay>((*pg)->store());
    llvm::errs() << "piperun serve: instance " << leases->instance() << ", lease " << args.leaseSeconds << "s\n";
    store = std::move(*pg);
  } else if (!args.store.empty()) {
    return refuse("--store must be a postgresql:// URL (the SQLite store is --state FILE)");
  } else {
    std::string path = args.state.empty() ? ".piperun/service.db" : args.state;
    llvm::StringRef dir = llvm::sys::path::parent_path(path);
    if (!dir.empty())
      if (auto ec = llvm::sys::fs::create_directories(dir))
        return refuse("cannot create " + dir.str() + ": " + ec.message());
    // One service per store: a second one would decide for the same runs.
    auto held = RunnerLock::acquire(path);
    if (!held) return refuse(llvm::toString(held.takeError()));
    lock = std::move(*held);
    auto sqlite = SqliteServiceStore::open(path);
    if (!sqlite) return refuse(llvm::toString(sqlite.takeError()));
    store = std::move(*sqlite);
  }

  service::ServiceOptions options{args.plansDir, args.prometheus, args.alarmsDir, args.alertmanager};
  options.leases = leases.get();
  options.leaseSeconds = args.leaseSeconds;
  options.relay = relay.get();
  service::Service service(*store, options);
  if (auto error = service.start()) return refuse(llvm::toString(std::move(error)));
  // Requests relayed by other instances wake this one at once.
  std::unique_ptr<PgListener> listener;
  if (relay)
    listener =
        std::make_unique<PgListener>(args.store, [&service](const std::string& p) { service.relayAnnounced(p); });
  auto server = api::ApiServer::start(service, {args.listen, args.tokensFile});
  if (!server) {
    service.stop();
    return refuse(llvm::toString(server.takeError()));
  }
  std::string host = args.listen.substr(0, args.listen.rfind(':'));
  llvm::errs() << "piperun serve: listening on http://" << host << ":" << (*server)->port() << "\n";

  struct sigaction action {};
  action.sa_handler = onServeStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  while (!serveStop) std::this_thread::sleep_for(std::chrono::milliseconds(100));

  llvm::errs() << "piperun serve: stopping (" << (serveStop == SIGINT ? "SIGINT" : "SIGTERM") << ")\n";
  (*server)->stop();
  listener.reset();
  service.stop();
  int stopped = stopCommandsInFlight();
  if (stopped > 0)
    llvm::errs() << "piperun serve: stopped " << stopped << " call" << (stopped == 1 ? "" : "s")
                 << " in flight; their steps run again when the service starts\n";
  return kDeployed;
}

}  // namespace pipelang::runtime::cli
