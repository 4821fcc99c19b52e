// Failures of piperun's own parts end cleanly (runtime.md, "Failures of
// piperun's own parts"): a damaged, deleted, full or read-only state DB ends
// every command with exit 1 and one clear line; a runner stops its calls in
// flight first. Never `terminate called`, never SIGABRT.
#include "ProcessHarness.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>

using namespace pipelang::runtime::testing;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void expectCleanExit1(const ProcessResult& result, const std::string& why, const std::string& what) {
  EXPECT_EQ(result.signal, 0) << what << ": " << result.err;
  EXPECT_EQ(result.exitCode, 1) << what << ": " << result.out << result.err;
  EXPECT_TRUE(has(result.err, why)) << what << ": " << result.err;
  EXPECT_FALSE(has(result.err, "terminate called")) << what << ": " << result.err;
}

void waitFor(const std::function<bool()>& condition) {
  for (int i = 0; i < 400 && !condition(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
}

TEST(JournalFailure, DamagedDbEndsEveryCommandWithExit1) {
  Sandbox box;
  const std::vector<std::vector<std::string>> commands = {
      {"status"},
      {"status", "--format", "json"},
      {"log"},
      {"resume"},
      {"approve", "--by", "bob"},
      {"override", "--blocker", "window", "--reason", "r", "--by", "alice"},
      {"rollback", "--reason", "r", "--by", "alice"},
      {"rollback", "--all", "--reason", "r", "--by", "alice"},
      {"run", box.plan("crash"), "--version", "v3", "--previous", "v1"},
  };
  for (const auto& command : commands) {
    fs::copy_file(fs::path(PIPE_RUNTIME_FIXTURES) / "fixtures" / "malformed.db", box.db(),
                  fs::copy_options::overwrite_existing);
    std::vector<std::string> args = command;
    args.insert(args.end(), {"--state", box.db()});
    expectCleanExit1(box.piperun(args), "database disk image is malformed", command.front());
  }
  EXPECT_TRUE(box.deployLog().empty());
}

// The state DB is deleted while a deploy call runs: the next write sees it,
// the call is stopped (SIGTERM to its group, as on a stop), exit 1.
TEST(JournalFailure, DeletedDbMidRunStopsTheCallInFlight) {
  Sandbox box;
  int runner = box.start({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()},
                         {{"DEPLOY_SLEEP", "2"}});
  waitFor([&] { return !box.deployLog().empty(); });  // the one-box call ended
  std::string first = box.read("deploy.pid");
  waitFor([&] { return box.read("deploy.pid") != first; });  // the next call runs now
  pid_t call = std::stoi(box.read("deploy.pid"));
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(box.db() + suffix);
  ProcessResult run = Sandbox::wait(runner, 30);
  expectCleanExit1(run, "the file was deleted while piperun used it", "run");
  EXPECT_TRUE(has(run.err, "stopped 1 call in flight (SIGTERM)")) << run.err;
  EXPECT_TRUE(has(run.err, "run `piperun resume` once the state DB is usable again")) << run.err;
  EXPECT_NE(kill(call, 0), 0) << "the deploy call outlived piperun";
  EXPECT_EQ(box.deployLog().size(), 1u) << "the stopped call must not have finished";
}

// A full disk mid-run (SQLITE_FULL, here from a DB that may not grow past 33
// pages: the empty schema takes most of them, so each new table moves it):
// exit 1 saying so; the journal stays consistent and resume finishes.
TEST(JournalFailure, FullDiskMidRunEndsCleanlyAndResumeFinishes) {
  Sandbox box;
  ProcessResult run =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db()},
                  {{"DEPLOY_SLEEP", "1"}, {"PIPERUN_TEST_MAX_PAGES", "33"}});
  expectCleanExit1(run, "database or disk is full", "run");
  ProcessResult resumed = box.piperun({"resume", "--state", box.db(), "--quiet"});
  EXPECT_EQ(resumed.exitCode, 0) << resumed.out << resumed.err;
  EXPECT_EQ(box.read("hosts/lw-a-h3"), "v2\n");
}

// Read-only: the owner cannot write (chmod), and root cannot either once the
// file is immutable. Reading commands still work; writing ones end with exit 1.
TEST(JournalFailure, ReadOnlyDbRefusesWritesWithExit1) {
  Sandbox box;
  ProcessResult deployed =
      box.piperun({"run", box.plan("crash"), "--version", "v2", "--previous", "v1", "--state", box.db(), "--quiet"});
  ASSERT_EQ(deployed.exitCode, 0) << deployed.err;
  chmod(box.db().c_str(), 0444);
  int fd = open(box.db().c_str(), O_RDONLY);
  int flags = 0;
  bool immutable = fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
                   (flags |= FS_IMMUTABLE_FL, ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0);
  if (geteuid() == 0 && !immutable) {
    if (fd >= 0) close(fd);
    GTEST_SKIP() << "root without FS_IOC_SETFLAGS here: cannot make the DB read-only";
  }
  EXPECT_EQ(box.piperun({"status", "--state", box.db()}).exitCode, 0);
  expectCleanExit1(box.piperun({"run", box.plan("crash"), "--version", "v3", "--state", box.db()}),
                   "attempt to write a readonly database", "run");
  if (immutable) {
    flags &= ~FS_IMMUTABLE_FL;
    ioctl(fd, FS_IOC_SETFLAGS, &flags);
  }
  if (fd >= 0) close(fd);
  EXPECT_EQ(box.deployLog().size(), 9u) << "nothing ran after the DB became read-only";
}

}  // namespace
